//! Persistent memory and a crash-consistent record store on it.
//!
//! ## The memory ([`PersistentMemory`])
//! A byte-addressable region with explicit persistence: a write is durable
//! only once a `flush` covering it and then a `fence` have returned. Until
//! then a crash may lose it, or keep any subset of its aligned 8-byte words
//! (the store assumes no more than 8-byte failure atomicity). On the
//! soft-core it is the PMEM window (cache-line write-back + fence); on the
//! host a `memmap2`-mapped file (`msync`); in tests a fault-injecting model.
//!
//! ## The store ([`Store`])
//! A log of records (keys, ciphertexts, model tensors), each a 40-byte
//! header (magic, kind, key, sequence number, length, CRC-32C of the payload,
//! CRC-32C of the header), the payload, and a commit word written and made
//! durable only after header and payload are. [`Store::put`] appends a new
//! record and only then updates the index, so a replace is atomic; the
//! newest sequence number wins. [`Store::open`] rebuilds the index by
//! scanning the log, drops torn records and reports them
//! ([`RecoveryReport`]); a record that fails its checksum is reported as
//! [`Error::Corrupt`] and its bytes are never returned. No allocation: the
//! index is a `heapless` map of at most `CAP` keys.
//!
//! Guarantees, the layout and what is not covered (compaction, media errors in
//! headers) are in `docs/pmem-store.md`. CRC-32C is the Castagnoli CRC
//! (`CRC_32_ISCSI`, RFC 3720 §B.4).
//!
//! ## For implementors of `PersistentMemory`
//! `read` must return the latest `write` (durable or not); `flush` and
//! `fence` must not return before the covered writes would survive power
//! loss. Offsets are bytes from the start of the region; accesses past
//! [`PersistentMemory::len`] are errors.

mod compact;
mod crc32c;
mod error;
mod layout;
mod recover;
mod store;

pub use compact::CompactReport;
pub use error::Error;
pub use layout::{record_bytes, Header, Superblock, HEADER_BYTES, SUPER_BYTES};
pub use recover::RecoveryReport;
pub use store::{RecordInfo, Store};

/// A byte-addressable persistent region.
pub trait PersistentMemory {
    /// What a failed access reports.
    type Error: core::fmt::Debug;
    /// Size of the region in bytes.
    fn len(&self) -> u64;
    /// Whether the region is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Reads `buf.len()` bytes at `offset`.
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Self::Error>;
    /// Writes `data` at `offset` (not yet durable).
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), Self::Error>;
    /// Starts write-back of `[offset, offset + len)` to the media.
    fn flush(&mut self, offset: u64, len: u64) -> Result<(), Self::Error>;
    /// Waits until every flushed write is durable.
    fn fence(&mut self) -> Result<(), Self::Error>;
    /// A hint that `[offset, offset + len)` will not be read again soon
    /// (the store's recovery scan gives it for what it has passed): a
    /// region backed by mapped pages may drop them from its working set.
    /// The contents and their durability are unchanged. Does nothing by
    /// default.
    fn release(&mut self, offset: u64, len: u64) -> Result<(), Self::Error> {
        let _ = (offset, len);
        Ok(())
    }
}

impl<T: PersistentMemory + ?Sized> PersistentMemory for &mut T {
    type Error = T::Error;
    fn len(&self) -> u64 {
        T::len(self)
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Self::Error> {
        T::read(self, offset, buf)
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), Self::Error> {
        T::write(self, offset, data)
    }
    fn flush(&mut self, offset: u64, len: u64) -> Result<(), Self::Error> {
        T::flush(self, offset, len)
    }
    fn fence(&mut self) -> Result<(), Self::Error> {
        T::fence(self)
    }
    fn release(&mut self, offset: u64, len: u64) -> Result<(), Self::Error> {
        T::release(self, offset, len)
    }
}

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RecordKind {
    /// A secret key.
    SecretKey,
    /// A public or evaluation key.
    PublicKey,
    /// A ciphertext.
    Ciphertext,
    /// A model tensor.
    Tensor,
    /// Anything else.
    Blob,
    /// A kind code this version does not name.
    Other(u16),
}

impl RecordKind {
    /// The on-media code.
    #[must_use]
    pub const fn code(self) -> u16 {
        match self {
            RecordKind::SecretKey => 1,
            RecordKind::PublicKey => 2,
            RecordKind::Ciphertext => 3,
            RecordKind::Tensor => 4,
            RecordKind::Blob => 5,
            RecordKind::Other(c) => c,
        }
    }
    /// Decodes an on-media code.
    #[must_use]
    pub const fn from_code(code: u16) -> Self {
        match code {
            1 => RecordKind::SecretKey,
            2 => RecordKind::PublicKey,
            3 => RecordKind::Ciphertext,
            4 => RecordKind::Tensor,
            5 => RecordKind::Blob,
            c => RecordKind::Other(c),
        }
    }
}

#[cfg(test)]
mod tests;
