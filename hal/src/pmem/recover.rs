//! Opening a store: recovery by scanning the log.
//!
//! The scan reads the whole region after the superblock. At each 8-byte
//! aligned offset it tries a record: a header whose magic and CRC match,
//! whose sequence number is above the last accepted one, which fits the
//! region, and whose commit word matches (bound to store, sequence number
//! and header CRC). Such a record is accepted: its payload CRC is checked
//! (a mismatch marks the key corrupt; the data is never returned) and the
//! index is updated (newest sequence number wins; a tombstone deletes).
//! Anything else is skipped 8 bytes at a time: a header without a commit word
//! is a torn append; bytes skipped between accepted records are corruption.
//! The log's tail is the end of the last accepted record.
//!
//! The next sequence number follows the last accepted record's, and only
//! it: accepted numbers strictly increase along the log, so it is also the
//! largest. A header that was not accepted (uncommitted, out of order, too
//! long for the region, or a header-shaped pattern inside the payload of a
//! record whose own header is damaged) never counts: it can never outrank a
//! record appended after the tail, since a later scan accepts only numbers
//! above the last accepted one. After `u64::MAX` there is no next number,
//! and the store refuses new records ([`Error::SequenceExhausted`]) instead
//! of wrapping to numbers that the next open would drop.

use super::error::Error;
use super::layout::{
    pad8, record_bytes, Header, Superblock, CRC32C, FLAG_TOMBSTONE, HEADER_BYTES, SUPER_BYTES,
};
use super::store::{Entry, Store};
use super::PersistentMemory;
use heapless::FnvIndexMap;

/// What recovery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecoveryReport {
    /// Committed records accepted (including superseded ones and tombstones).
    pub records: u32,
    /// Records superseded by newer ones or deleted.
    pub superseded: u32,
    /// Headers without a valid commit word (torn appends), dropped.
    pub torn: u32,
    /// Committed records whose payload failed its CRC (their keys report
    /// [`Error::Corrupt`]).
    pub corrupt_records: u32,
    /// Bytes skipped between accepted records (damaged headers).
    pub corrupt_bytes: u64,
    /// Non-zero bytes after the tail: a torn append, or a damaged last
    /// record (whose key then shows its previous version, if any).
    pub trailing_garbage: bool,
    /// End of the log: where the next record goes.
    pub tail: u64,
}

type Result<T, P> = core::result::Result<T, Error<<P as PersistentMemory>::Error>>;

/// The recovery scan hints every this many bytes it has passed as
/// released ([`PersistentMemory::release`]), so opening a large mapped
/// store does not leave all of it resident.
pub(crate) const RELEASE_BYTES: u64 = 64 << 20;

/// Bytes read at a time while stepping over never-written space.
pub(crate) const ZERO_RUN_BYTES: usize = 512;

fn payload_crc<P: PersistentMemory>(pm: &mut P, offset: u64, len: u32) -> Result<u32, P> {
    let mut digest = CRC32C.digest();
    let mut buf = [0u8; 256];
    let mut pos = 0u64;
    while pos < u64::from(len) {
        let n = (u64::from(len) - pos).min(buf.len() as u64) as usize;
        let chunk = buf.get_mut(..n).unwrap_or(&mut []);
        pm.read(offset + pos, chunk).map_err(Error::Memory)?;
        digest.update(chunk);
        pos += n as u64;
    }
    Ok(digest.finalize())
}

impl<P: PersistentMemory, const CAP: usize> Store<P, CAP> {
    /// Opens the store in `pm`, recovering from any crash: see the module
    /// documentation. Returns the store and what recovery found.
    pub fn open(mut pm: P) -> Result<(Self, RecoveryReport), P> {
        let mut sb = [0u8; SUPER_BYTES as usize];
        pm.read(0, &mut sb).map_err(Error::Memory)?;
        let sb = Superblock::decode(&sb).ok_or(Error::NotFormatted)?;
        let capacity = sb.capacity.min(pm.len());
        let mut store = Self {
            pm,
            store_id: sb.store_id,
            capacity,
            tail: SUPER_BYTES,
            next_seq: Some(1),
            index: FnvIndexMap::new(),
        };
        let report = store.scan()?;
        crate::log::info!("pmem store opened: {}", report);
        Ok((store, report))
    }

    fn scan(&mut self) -> Result<RecoveryReport, P> {
        let mut report = RecoveryReport::default();
        let (mut at, mut last_seq) = (SUPER_BYTES, 0u64);
        let mut hbuf = [0u8; HEADER_BYTES as usize];
        let mut garbage_at: Option<u64> = None;
        let mut released = 0u64;
        while at + record_bytes(0) <= self.capacity {
            self.release_passed(at, &mut released)?;
            self.pm.read(at, &mut hbuf).map_err(Error::Memory)?;
            if let Some((h, _)) = Header::decode(&hbuf) {
                let size = record_bytes(u64::from(h.len));
                if h.seq > last_seq && at.checked_add(size).is_some_and(|e| e <= self.capacity) {
                    let mut cw = [0u8; 8];
                    let commit_at = at + HEADER_BYTES + pad8(u64::from(h.len));
                    self.pm.read(commit_at, &mut cw).map_err(Error::Memory)?;
                    if u64::from_le_bytes(cw) == h.commit_word(self.store_id) {
                        report.corrupt_bytes += at - self.tail;
                        self.accept(&h, at, &mut report)?;
                        last_seq = h.seq;
                        at += size;
                        self.tail = at;
                        continue;
                    }
                    report.torn += 1;
                }
            }
            if hbuf.get(..8).is_some_and(|w| w.iter().any(|&b| b != 0)) {
                garbage_at = Some(at);
                at += 8;
            } else {
                // A zero word starts no header (the magic is not zero) and
                // is no garbage: step over the whole run of zero words.
                at = self.skip_zero_words(at, &mut released)?;
            }
        }
        let end = at.min(self.capacity);
        if end > released {
            self.pm
                .release(released, end - released)
                .map_err(Error::Memory)?;
        }
        report.trailing_garbage = garbage_at.is_some_and(|g| g >= self.tail);
        self.next_seq = last_seq.checked_add(1);
        report.tail = self.tail;
        Ok(report)
    }

    /// Where the scan goes on from `at`, a position it examines whose word
    /// is zero: the first later position `at + 8k` whose word is not zero,
    /// or the first past the last position a record fits at (the scan
    /// stops there) — what stepping 8 bytes at a time over zero words
    /// gives. Reads [`ZERO_RUN_BYTES`] at a time, so never-written space
    /// (most of a fresh store) costs a copy, not a header decode per word.
    ///
    /// Releases what it passes as the scan does (`released`: where the
    /// released part ends).
    fn skip_zero_words(&mut self, at: u64, released: &mut u64) -> Result<u64, P> {
        let last = self.capacity.saturating_sub(record_bytes(0)).max(at);
        let end = at + 8 * ((last - at) / 8 + 1);
        let mut buf = [0u8; ZERO_RUN_BYTES];
        let mut p = at;
        while p < end {
            self.release_passed(p, released)?;
            // `end - p` is a multiple of 8, and so is every chunk.
            let n = (end - p).min(ZERO_RUN_BYTES as u64) as usize;
            let chunk = buf.get_mut(..n).unwrap_or(&mut []);
            self.pm.read(p, chunk).map_err(Error::Memory)?;
            if let Some(i) = chunk.chunks(8).position(|w| w.iter().any(|&b| b != 0)) {
                return Ok(p + 8 * i as u64);
            }
            p += n as u64;
        }
        Ok(end)
    }

    /// Hints `[released, at)` as released once it spans
    /// [`RELEASE_BYTES`], and moves `released` to `at`.
    fn release_passed(&mut self, at: u64, released: &mut u64) -> Result<(), P> {
        if at.saturating_sub(*released) >= RELEASE_BYTES {
            self.pm
                .release(*released, at - *released)
                .map_err(Error::Memory)?;
            *released = at;
        }
        Ok(())
    }

    fn accept(&mut self, h: &Header, at: u64, report: &mut RecoveryReport) -> Result<(), P> {
        report.records += 1;
        if self.index.contains_key(&h.key) {
            report.superseded += 1;
        }
        if h.flags & FLAG_TOMBSTONE != 0 {
            self.index.remove(&h.key);
            return Ok(());
        }
        let crc = payload_crc(&mut self.pm, at + HEADER_BYTES, h.len)?;
        let corrupt = crc != h.payload_crc;
        if corrupt {
            report.corrupt_records += 1;
        }
        let entry = Entry {
            offset: at,
            len: h.len,
            kind: h.kind,
            seq: h.seq,
            crc: h.payload_crc,
            corrupt,
        };
        self.index
            .insert(h.key, entry)
            .map_err(|_| Error::IndexFull { capacity: CAP })?;
        Ok(())
    }
}
