//! [`PrefetchedKeys`]: the stored rotation keys read one key ahead on a
//! thread of a scope, so that reading and checking a key (the store's
//! checksum, the copy out of the mapping, every residue) overlaps the key
//! switch before it.
//!
//! The reader learns the order of the requests from the first sample (a
//! sample asks for the same keys in the same order every time: the plan,
//! the levels and which diagonals are zero do not change) and, from the
//! second on, reads the key it expects next as soon as it has handed one
//! over. A request it did not expect is read when it arrives, so the order
//! decides only how much is overlapped, never which key is used: the
//! results are those of [`super::StoredRotationKeys`] bit for bit. At most
//! two keys are resident (the one in use and the one read ahead) beside
//! the record being decoded.

use super::{KeyByLevel, StoredRotationKeys, Traffic};
use crate::error::{Error, Result};
use crate::layers::Ct;
use crate::rotation::RotationKeys;
use hearth_kernels::ckks::{Evaluator, Hoisted, KeySwitchKey};
use hearth_kernels::ntt::NttEngine;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::thread::{Scope, ScopedJoinHandle};

/// A request to the reader.
enum Ask {
    /// The key of this Galois element at this level.
    Key(usize, usize),
    /// A sample's evaluation ended.
    EndSample,
}

/// A key the reader handed over, or why it could not.
type Loaded = Result<KeySwitchKey<u64>>;

/// Rotation keys read ahead from the store on a scoped thread.
#[derive(Debug)]
pub struct PrefetchedKeys<'scope> {
    asks: Option<Sender<Ask>>,
    keys: Receiver<Loaded>,
    current: Option<(usize, usize, KeySwitchKey<u64>)>,
    reader: Option<ScopedJoinHandle<'scope, Traffic>>,
    largest: u64,
}

impl<'scope> PrefetchedKeys<'scope> {
    /// Moves `source` to a reader thread of `scope`.
    pub fn spawn<'env>(scope: &'scope Scope<'scope, 'env>, source: StoredRotationKeys<'env>) -> Self
    where
        'env: 'scope,
    {
        let (asks, asked) = channel();
        let (hand, keys) = sync_channel(1);
        let reader = scope.spawn(move || read_ahead(source, &asked, &hand));
        PrefetchedKeys {
            asks: Some(asks),
            keys,
            current: None,
            reader: Some(reader),
            largest: 0,
        }
    }

    /// Stops the reader and returns what it read (the peak counting the key
    /// in use here too).
    pub fn finish(mut self) -> Result<Traffic> {
        self.asks = None;
        let mut t = self
            .reader
            .take()
            .ok_or_else(stopped)?
            .join()
            .map_err(|_| stopped())?;
        t.peak_resident += self.largest;
        Ok(t)
    }
}

impl Drop for PrefetchedKeys<'_> {
    fn drop(&mut self) {
        // Hang up, so that the scope's join finds the reader finished.
        self.asks = None;
    }
}

fn stopped() -> Error {
    Error::KeyRecord {
        record: "rotations".into(),
        message: "the key reader stopped".into(),
    }
}

impl KeyByLevel for PrefetchedKeys<'_> {
    fn key(&mut self, element: usize, level: usize) -> Result<&KeySwitchKey<u64>> {
        let hit = matches!(&self.current, Some((e, l, _)) if (*e, *l) == (element, level));
        if !hit {
            self.current = None;
            self.asks
                .as_ref()
                .ok_or_else(stopped)?
                .send(Ask::Key(element, level))
                .map_err(|_| stopped())?;
            let key = self.keys.recv().map_err(|_| stopped())??;
            let bytes = key
                .digits()
                .iter()
                .map(|(b, a)| (b.data().len() + a.data().len()) as u64 * 8)
                .sum();
            self.largest = self.largest.max(bytes);
            self.current = Some((element, level, key));
        }
        match &self.current {
            Some((_, _, k)) => Ok(k),
            None => Err(stopped()),
        }
    }

    fn end_sample(&mut self) {
        if let Some(a) = &self.asks {
            // A reader that stopped reports it at the next request.
            let _ = a.send(Ask::EndSample);
        }
    }
}

rotation_keys_by_level!(PrefetchedKeys<'_>);

/// The reader: serves each request, the key read ahead when it is the one
/// asked for, and then reads the next key of the learnt order.
fn read_ahead(
    mut source: StoredRotationKeys<'_>,
    asked: &Receiver<Ask>,
    hand: &std::sync::mpsc::SyncSender<Loaded>,
) -> Traffic {
    let mut order: Vec<(usize, usize)> = Vec::new();
    let mut learning = true;
    let mut next = 0usize;
    let mut ahead: Option<(usize, usize, Loaded)> = None;
    let mut read_ahead = 0;
    while let Ok(ask) = asked.recv() {
        match ask {
            Ask::EndSample => {
                learning = false;
                next = 0;
            }
            Ask::Key(e, l) => {
                let key = match ahead.take() {
                    Some((ae, al, k)) if (ae, al) == (e, l) => {
                        read_ahead += 1;
                        k
                    }
                    other => {
                        // A key read ahead in vain goes before the next.
                        drop(other);
                        source.load(e, l)
                    }
                };
                if learning {
                    order.push((e, l));
                } else if order.get(next) == Some(&(e, l)) {
                    next += 1;
                } else {
                    // Off the learnt order: go on after this key's first
                    // place in it.
                    next = order
                        .iter()
                        .position(|&p| p == (e, l))
                        .map_or(order.len(), |i| i + 1);
                }
                if hand.send(key).is_err() {
                    break;
                }
            }
        }
        if !learning && ahead.is_none() {
            if let Some(&(e, l)) = order.get(next) {
                ahead = Some((e, l, source.load(e, l)));
            }
        }
    }
    Traffic {
        read_ahead,
        ..source.traffic()
    }
}
