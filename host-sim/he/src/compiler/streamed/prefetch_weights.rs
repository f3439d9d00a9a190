//! [`PrefetchedWeights`]: the stored diagonals read ahead, in order, on a
//! thread of a scope, so that reading and checking them (the store's
//! checksum, the copy out of the mapping, decoding, every residue, level
//! and scale) overlaps the products they feed.
//!
//! The first sample runs on [`StoredWeights`] itself: it encodes and
//! writes every diagonal and reads each back, and the order of those reads
//! is noted. A sample asks for the same diagonals in the same order every
//! time (the plan, the levels, the scales and which diagonals are zero do
//! not change), so from the second sample on a reader thread reads them in
//! that order, [`AHEAD`] at most waiting, while the evaluation consumes
//! them. Each one handed over names its place, level and scale; a request
//! for another (which the evaluation's fixed order rules out) is a typed
//! error, never a wrong plaintext.

use super::{diagonal_record, Place, StoredWeights, Traffic};
use crate::compiler::latency::ProgramWeights;
use crate::error::{Error, Result};
use crate::linear::{Diagonal, WeightSource};
use hearth_kernels::ckks::{CkksContext, Evaluator, Plaintext};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::{Scope, ScopedJoinHandle};

/// Diagonals the reader may have read and not yet handed over.
pub const AHEAD: usize = 4;

/// A read the evaluation makes: the diagonal's place, level and scale.
type Read = (Place, usize, f64);

/// A diagonal the reader handed over, with the read it answers.
type Handed = (Read, Result<Option<Plaintext<u64>>>);

/// Where the source is.
enum Phase<'scope, 'env, 'p> {
    /// The first sample: writing and reading on the caller's thread,
    /// noting the reads.
    First {
        stored: StoredWeights<'p, 'env>,
        ctx: &'env CkksContext<u64>,
        order: Vec<Read>,
    },
    /// Later samples: the reader streams the noted reads.
    Ahead {
        index: BTreeMap<Place, u64>,
        set: String,
        biases: ProgramWeights<'p>,
        handed: Receiver<Handed>,
        reader: ScopedJoinHandle<'scope, Traffic>,
        first: Traffic,
    },
    /// Between the two (never seen by a caller).
    Moving,
}

/// The program's diagonals from the store, read ahead from the second
/// sample on.
pub struct PrefetchedWeights<'scope, 'env, 'p> {
    scope: &'scope Scope<'scope, 'env>,
    phase: Phase<'scope, 'env, 'p>,
    largest: u64,
}

impl core::fmt::Debug for PrefetchedWeights<'_, '_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let phase = match self.phase {
            Phase::First { .. } => "first sample",
            Phase::Ahead { .. } => "reading ahead",
            Phase::Moving => "moving",
        };
        write!(f, "PrefetchedWeights({phase})")
    }
}

impl<'scope, 'env, 'p> PrefetchedWeights<'scope, 'env, 'p>
where
    'env: 'scope,
    'p: 'scope,
{
    /// `stored` for the first sample; a reader thread of `scope` from the
    /// second on (`ctx` checks what it reads).
    pub fn new(
        scope: &'scope Scope<'scope, 'env>,
        stored: StoredWeights<'p, 'env>,
        ctx: &'env CkksContext<u64>,
    ) -> Self {
        PrefetchedWeights {
            scope,
            phase: Phase::First {
                stored,
                ctx,
                order: Vec::new(),
            },
            largest: 0,
        }
    }

    /// Stops the reader and returns what was written and read (the peak
    /// counting the plaintexts waiting and the one in use).
    pub fn finish(self) -> Result<Traffic> {
        let waiting = (AHEAD as u64 + 1) * self.largest;
        match self.phase {
            Phase::First { stored, .. } => Ok(stored.traffic()),
            Phase::Ahead {
                handed,
                reader,
                first,
                ..
            } => {
                drop(handed);
                let t = reader.join().map_err(|_| stopped())?;
                Ok(Traffic {
                    peak_resident: first.peak_resident.max(t.peak_resident + waiting),
                    ..first.plus(t)
                })
            }
            Phase::Moving => Err(stopped()),
        }
    }
}

fn stopped() -> Error {
    Error::record("weights", "the diagonal reader stopped")
}

/// The reader: the noted reads, in order, again and again, until the
/// evaluation hangs up.
fn read_ahead(
    mut stored: StoredWeights<'_, '_>,
    ctx: &CkksContext<u64>,
    order: &[Read],
    hand: &std::sync::mpsc::SyncSender<Handed>,
) -> Traffic {
    'samples: loop {
        for &read in order {
            let (place, level, scale) = read;
            let pt = stored.read(ctx, place, level, scale);
            if hand.send((read, pt)).is_err() {
                break 'samples;
            }
        }
        if order.is_empty() {
            break;
        }
    }
    let t = stored.traffic();
    Traffic {
        read_ahead: t.records_read,
        ..t
    }
}

impl<'scope, 'env, 'p> WeightSource for PrefetchedWeights<'scope, 'env, 'p>
where
    'env: 'scope,
    'p: 'scope,
{
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<Cow<'_, Plaintext<u64>>>> {
        let place = (at.layer, at.part, at.g, at.b);
        let pt = match &mut self.phase {
            Phase::First { stored, order, .. } => {
                let pt = stored.diagonal(ev, at, level, scale)?.map(Cow::into_owned);
                if pt.is_some() {
                    order.push((place, level, scale));
                }
                pt
            }
            Phase::Ahead {
                index, set, handed, ..
            } => {
                if !index.contains_key(&place) {
                    return Ok(None);
                }
                let ((p, l, s), pt) = handed.recv().map_err(|_| stopped())?;
                if (p, l, s.to_bits()) != (place, level, scale.to_bits()) {
                    return Err(Error::record(
                        diagonal_record(set, place),
                        format!(
                            "asked at level {level} out of the first sample's order (the reader read {} at level {l} next)",
                            diagonal_record(set, p)
                        ),
                    ));
                }
                pt?
            }
            Phase::Moving => return Err(stopped()),
        };
        if let Some(pt) = &pt {
            self.largest = self.largest.max(pt.poly().data().len() as u64 * 8);
        }
        Ok(pt.map(Cow::Owned))
    }

    fn has_diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<bool> {
        match &mut self.phase {
            Phase::First { stored, .. } => stored.has_diagonal(ev, at, level, scale),
            Phase::Ahead { index, .. } => Ok(index.contains_key(&(at.layer, at.part, at.g, at.b))),
            Phase::Moving => Err(stopped()),
        }
    }

    fn bias<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>> {
        match &mut self.phase {
            Phase::First { stored, .. } => stored.bias(ev, layer, constant, level, scale),
            Phase::Ahead { biases, .. } => biases.bias(ev, layer, constant, level, scale),
            Phase::Moving => Err(stopped()),
        }
    }

    fn end_sample(&mut self) {
        if !matches!(self.phase, Phase::First { .. }) {
            return;
        }
        let Phase::First { stored, ctx, order } = std::mem::replace(&mut self.phase, Phase::Moving)
        else {
            return;
        };
        let index = stored.index.clone();
        let set = stored.set.clone();
        let biases = ProgramWeights::new(stored.program, stored.plan);
        let first = stored.traffic();
        let mut reading = stored;
        reading.traffic = Traffic::default();
        let (hand, handed) = sync_channel(AHEAD);
        let reader = self
            .scope
            .spawn(move || read_ahead(reading, ctx, &order, &hand));
        self.phase = Phase::Ahead {
            index,
            set,
            biases,
            handed,
            reader,
            first,
        };
    }
}
