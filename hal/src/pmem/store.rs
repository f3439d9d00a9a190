//! The crash-consistent record store: append, atomic replace, delete, read.

use super::error::Error;
use super::layout::{
    pad8, record_bytes, Header, Superblock, CRC32C, FLAG_TOMBSTONE, HEADER_BYTES, SUPER_BYTES,
};
use super::{PersistentMemory, RecordKind};
use heapless::FnvIndexMap;

/// What the index knows about a key's newest record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub offset: u64,
    pub len: u32,
    pub kind: u16,
    pub seq: u64,
    pub crc: u32,
    pub corrupt: bool,
}

/// A record's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RecordInfo {
    /// What the payload is.
    pub kind: RecordKind,
    /// Payload bytes.
    pub len: u32,
    /// Sequence number of the record (newer records have larger numbers).
    pub seq: u64,
}

/// A crash-consistent store of records (key → payload) in persistent memory
/// `P`, with an index of at most `CAP` keys (`CAP` a power of two).
#[derive(Debug)]
pub struct Store<P, const CAP: usize> {
    pub(crate) pm: P,
    pub(crate) store_id: u64,
    pub(crate) capacity: u64,
    pub(crate) tail: u64,
    /// The next record's sequence number; `None` once `u64::MAX` is used.
    pub(crate) next_seq: Option<u64>,
    pub(crate) index: FnvIndexMap<u64, Entry, CAP>,
}

type Result<T, P> = core::result::Result<T, Error<<P as PersistentMemory>::Error>>;

impl<P: PersistentMemory, const CAP: usize> Store<P, CAP> {
    /// Formats `pm` as an empty store with identifier `store_id`, durably.
    ///
    /// `store_id` must differ from the identifier of any store previously
    /// formatted in the same region: records of an older store are bound to
    /// its identifier and are then ignored, without erasing the region.
    pub fn format(mut pm: P, store_id: u64) -> Result<Self, P> {
        let capacity = pm.len();
        if capacity < SUPER_BYTES + record_bytes(0) {
            return Err(Error::TooSmall { capacity });
        }
        let sb = Superblock { store_id, capacity };
        pm.write(0, &sb.encode()).map_err(Error::Memory)?;
        pm.flush(0, SUPER_BYTES).map_err(Error::Memory)?;
        pm.fence().map_err(Error::Memory)?;
        Ok(Self {
            pm,
            store_id,
            capacity,
            tail: SUPER_BYTES,
            next_seq: Some(1),
            index: FnvIndexMap::new(),
        })
    }

    /// Stores `payload` under `key`, replacing any previous record
    /// atomically: after a crash at any instant, recovery returns either the
    /// previous record or the new one, never a mix. When this returns `Ok`
    /// the new record is durable. [`Error::SequenceExhausted`] once a record
    /// with sequence number `u64::MAX` exists (compact to continue).
    pub fn put(&mut self, key: u64, kind: RecordKind, payload: &[u8]) -> Result<(), P> {
        let len =
            u32::try_from(payload.len()).map_err(|_| Error::TooLarge { len: payload.len() })?;
        if !self.index.contains_key(&key) && self.index.len() >= CAP {
            return Err(Error::IndexFull { capacity: CAP });
        }
        let entry = self.append(key, kind.code(), 0, payload, len)?;
        self.index
            .insert(key, entry)
            .map_err(|_| Error::IndexFull { capacity: CAP })?;
        crate::log::debug!("pmem put key {} seq {}", key, entry.seq);
        Ok(())
    }

    /// Deletes `key` durably (a tombstone record); `Ok(false)` if absent.
    pub fn remove(&mut self, key: u64) -> Result<bool, P> {
        if !self.index.contains_key(&key) {
            return Ok(false);
        }
        self.append(key, RecordKind::Blob.code(), FLAG_TOMBSTONE, &[], 0)?;
        self.index.remove(&key);
        Ok(true)
    }

    /// Appends one record with payload `payload`.
    fn append(
        &mut self,
        key: u64,
        kind: u16,
        flags: u16,
        payload: &[u8],
        len: u32,
    ) -> Result<Entry, P> {
        let crc = CRC32C.checksum(payload);
        self.append_with(key, kind, flags, len, crc, |pm, at| {
            pm.write(at, payload).map_err(Error::Memory)?;
            Ok(crc)
        })
    }

    /// Appends one record: the header, then `body` writes the `len`-byte
    /// payload at the offset it is given and returns the payload's CRC-32C
    /// (a mismatch with `crc` aborts before the commit with
    /// [`Error::Corrupt`]); flush, fence; then the commit word, flush, fence.
    /// [`Error::SequenceExhausted`] after a record of sequence number
    /// `u64::MAX`.
    pub(crate) fn append_with(
        &mut self,
        key: u64,
        kind: u16,
        flags: u16,
        len: u32,
        crc: u32,
        body: impl FnOnce(&mut P, u64) -> Result<u32, P>,
    ) -> Result<Entry, P> {
        let size = record_bytes(u64::from(len));
        let free = self.capacity.saturating_sub(self.tail);
        if size > free {
            return Err(Error::Full { needed: size, free });
        }
        let seq = self.next_seq.ok_or(Error::SequenceExhausted)?;
        self.next_seq = seq.checked_add(1);
        let h = Header {
            kind,
            flags,
            key,
            seq,
            len,
            payload_crc: crc,
        };
        let at = self.tail;
        let pm = &mut self.pm;
        pm.write(at, &h.encode()).map_err(Error::Memory)?;
        if body(pm, at + HEADER_BYTES)? != crc {
            return Err(Error::Corrupt { key });
        }
        pm.flush(at, HEADER_BYTES + u64::from(len))
            .map_err(Error::Memory)?;
        pm.fence().map_err(Error::Memory)?;
        let commit_at = at + HEADER_BYTES + pad8(u64::from(len));
        pm.write(commit_at, &h.commit_word(self.store_id).to_le_bytes())
            .map_err(Error::Memory)?;
        pm.flush(commit_at, 8).map_err(Error::Memory)?;
        pm.fence().map_err(Error::Memory)?;
        self.tail = at + size;
        Ok(Entry {
            offset: at,
            len,
            kind,
            seq,
            crc,
            corrupt: false,
        })
    }

    /// The metadata of `key`'s record.
    pub fn info(&self, key: u64) -> Result<RecordInfo, P> {
        let e = self.index.get(&key).ok_or(Error::NotFound { key })?;
        if e.corrupt {
            return Err(Error::Corrupt { key });
        }
        Ok(RecordInfo {
            kind: RecordKind::from_code(e.kind),
            len: e.len,
            seq: e.seq,
        })
    }

    /// Reads `key`'s payload into the front of `buf` and checks its CRC-32C
    /// (a record that fails is reported as [`Error::Corrupt`] and never
    /// returned).
    pub fn get(&mut self, key: u64, buf: &mut [u8]) -> Result<RecordInfo, P> {
        let info = self.info(key)?;
        let e = *self.index.get(&key).ok_or(Error::NotFound { key })?;
        let dst = buf
            .get_mut(..e.len as usize)
            .ok_or(Error::BufferTooSmall { needed: e.len })?;
        self.pm
            .read(e.offset + HEADER_BYTES, dst)
            .map_err(Error::Memory)?;
        if CRC32C.checksum(dst) != e.crc {
            if let Some(entry) = self.index.get_mut(&key) {
                entry.corrupt = true;
            }
            crate::log::warning!("pmem record {} failed its checksum", key);
            return Err(Error::Corrupt { key });
        }
        Ok(info)
    }

    /// The keys present (including ones whose record is corrupt).
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.index.keys().copied()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the store has no keys.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Bytes left for new records.
    pub fn free_bytes(&self) -> u64 {
        self.capacity.saturating_sub(self.tail)
    }

    /// The store's identifier.
    pub fn store_id(&self) -> u64 {
        self.store_id
    }

    /// The persistent memory, for fault-injection tests.
    #[cfg(test)]
    pub(crate) fn memory_mut(&mut self) -> &mut P {
        &mut self.pm
    }

    /// Gives the persistent memory back.
    pub fn into_inner(self) -> P {
        self.pm
    }
}
