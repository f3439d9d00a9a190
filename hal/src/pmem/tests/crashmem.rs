//! A fault-injecting persistent memory: it "crashes" at a chosen write,
//! flush or fence, and then yields the images the media could hold: every
//! durable byte, plus any subset of the aligned 8-byte words of writes that
//! were not yet flushed and fenced.

use crate::pmem::PersistentMemory;
use std::vec;
use std::vec::Vec;

/// The memory's error: the crash happened (or had happened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crashed;

#[derive(Debug, Clone)]
struct Pending {
    offset: u64,
    data: Vec<u8>,
    flushed: bool,
}

/// A persistent memory that crashes before operation number `crash_at`.
#[derive(Debug, Clone)]
pub struct CrashMem {
    pub volatile: Vec<u8>,
    pub durable: Vec<u8>,
    pending: Vec<Pending>,
    pub ops: u64,
    crash_at: Option<u64>,
}

impl CrashMem {
    pub fn new(len: usize, crash_at: Option<u64>) -> Self {
        Self {
            volatile: vec![0; len],
            durable: vec![0; len],
            pending: Vec::new(),
            ops: 0,
            crash_at,
        }
    }

    /// A memory holding `image` (all durable), crashing at `crash_at`.
    pub fn from_image(image: Vec<u8>, crash_at: Option<u64>) -> Self {
        Self {
            volatile: image.clone(),
            durable: image,
            pending: Vec::new(),
            ops: 0,
            crash_at,
        }
    }

    fn step(&mut self) -> Result<(), Crashed> {
        if self.crash_at.is_some_and(|c| self.ops >= c) {
            return Err(Crashed);
        }
        self.ops += 1;
        Ok(())
    }

    /// The aligned 8-byte words touched by non-durable writes, in write
    /// order: `(pending index, word start)`.
    pub fn torn_words(&self) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        for (i, p) in self.pending.iter().enumerate() {
            let end = p.offset + p.data.len() as u64;
            let mut w = p.offset & !7;
            while w < end {
                out.push((i, w));
                w += 8;
            }
        }
        out
    }

    /// The media image if exactly the torn words with `keep[j]` persisted.
    pub fn image(&self, keep: &[bool]) -> Vec<u8> {
        let mut img = self.durable.clone();
        for (j, (i, w)) in self.torn_words().into_iter().enumerate() {
            if !keep[j] {
                continue;
            }
            let p = &self.pending[i];
            let lo = w.max(p.offset);
            let hi = (w + 8).min(p.offset + p.data.len() as u64);
            for a in lo..hi {
                img[a as usize] = p.data[(a - p.offset) as usize];
            }
        }
        img
    }
}

impl PersistentMemory for CrashMem {
    type Error = Crashed;
    fn len(&self) -> u64 {
        self.volatile.len() as u64
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Crashed> {
        let o = offset as usize;
        buf.copy_from_slice(&self.volatile[o..o + buf.len()]);
        Ok(())
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), Crashed> {
        self.step()?;
        let o = offset as usize;
        self.volatile[o..o + data.len()].copy_from_slice(data);
        if !data.is_empty() {
            self.pending.push(Pending {
                offset,
                data: data.to_vec(),
                flushed: false,
            });
        }
        Ok(())
    }
    fn flush(&mut self, offset: u64, len: u64) -> Result<(), Crashed> {
        self.step()?;
        for p in &mut self.pending {
            if p.offset >= offset && p.offset + p.data.len() as u64 <= offset + len {
                p.flushed = true;
            }
        }
        Ok(())
    }
    fn fence(&mut self) -> Result<(), Crashed> {
        self.step()?;
        let (done, rest): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|p| p.flushed);
        for p in done {
            let o = p.offset as usize;
            self.durable[o..o + p.data.len()].copy_from_slice(&p.data);
        }
        self.pending = rest;
        Ok(())
    }
}
