//! Compaction by copying: the live records of a store, into a fresh store in
//! another region.
//!
//! The source is only read, so a crash during compaction leaves it intact;
//! the new store becomes the one to use when the caller durably switches to
//! it (for example by a pointer in its own superblock, or by giving the new
//! region the role of the old one). Records that fail their checksum are not
//! copied (and are counted), so compaction never launders corruption into a
//! valid record.

use super::error::Error;
use super::layout::{CRC32C, HEADER_BYTES};
use super::store::Store;
use super::PersistentMemory;

/// What compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CompactReport {
    /// Records copied.
    pub copied: u32,
    /// Records dropped because they failed their checksum.
    pub dropped_corrupt: u32,
    /// Bytes of the new log.
    pub bytes: u64,
}

impl<P: PersistentMemory, const CAP: usize> Store<P, CAP> {
    /// Formats `dst` as a store with identifier `store_id` and copies every
    /// live record of `self` into it, checking each payload's CRC-32C on the
    /// way. Keys and kinds are kept; sequence numbers restart.
    pub fn compact_into<Q>(
        &mut self,
        dst: Q,
        store_id: u64,
    ) -> Result<(Store<Q, CAP>, CompactReport), Error<P::Error>>
    where
        Q: PersistentMemory<Error = P::Error>,
    {
        let mut out = Store::<Q, CAP>::format(dst, store_id)?;
        let mut report = CompactReport::default();
        let src = &mut self.pm;
        for (&key, e) in self.index.iter_mut() {
            if e.corrupt {
                report.dropped_corrupt += 1;
                continue;
            }
            let (from, len) = (e.offset + HEADER_BYTES, e.len);
            let copied = out.append_with(key, e.kind, 0, len, e.crc, |dst, at| {
                let mut digest = CRC32C.digest();
                let mut buf = [0u8; 256];
                let mut pos = 0u64;
                while pos < u64::from(len) {
                    let n = (u64::from(len) - pos).min(buf.len() as u64) as usize;
                    let chunk = buf.get_mut(..n).unwrap_or(&mut []);
                    src.read(from + pos, chunk).map_err(Error::Memory)?;
                    digest.update(chunk);
                    dst.write(at + pos, chunk).map_err(Error::Memory)?;
                    pos += n as u64;
                }
                Ok(digest.finalize())
            });
            match copied {
                Ok(entry) => {
                    out.index
                        .insert(key, entry)
                        .map_err(|_| Error::IndexFull { capacity: CAP })?;
                    report.copied += 1;
                }
                Err(Error::Corrupt { .. }) => {
                    e.corrupt = true;
                    report.dropped_corrupt += 1;
                }
                Err(other) => return Err(other),
            }
        }
        report.bytes = out.tail;
        Ok((out, report))
    }
}
