//! On-media layout of the record store (see `docs/pmem-store.md`).
//!
//! All integers little-endian; every record starts 8-byte aligned.

pub(crate) use super::crc32c::CRC32C;

/// Superblock magic, ASCII "HRTHPMEM".
pub const SUPER_MAGIC: u64 = u64::from_le_bytes(*b"HRTHPMEM");
/// On-media format version.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes reserved for the superblock at offset 0.
pub const SUPER_BYTES: u64 = 64;
/// Record header magic, ASCII "HREC".
pub const RECORD_MAGIC: u32 = u32::from_le_bytes(*b"HREC");
/// Bytes of a record header.
pub const HEADER_BYTES: u64 = 40;
/// Bytes of the commit word.
pub const COMMIT_BYTES: u64 = 8;
/// Base of the commit word, ASCII "HRTHCOMT".
const COMMIT_BASE: u64 = u64::from_le_bytes(*b"HRTHCOMT");
/// Header flag: the record deletes its key.
pub const FLAG_TOMBSTONE: u16 = 1;

fn le_u16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    if let Some(s) = b.get_mut(at..at + v.len()) {
        s.copy_from_slice(v);
    }
}

/// `len` rounded up to a multiple of 8.
#[must_use]
pub const fn pad8(len: u64) -> u64 {
    (len + 7) & !7
}

/// Total bytes of a record with a `len`-byte payload.
#[must_use]
pub const fn record_bytes(len: u64) -> u64 {
    HEADER_BYTES + pad8(len) + COMMIT_BYTES
}

/// The superblock: identifies a formatted region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    /// Caller-chosen identifier of this store.
    pub store_id: u64,
    /// Bytes of the region the store may use.
    pub capacity: u64,
}

impl Superblock {
    /// Encodes into 64 bytes: magic, version, flags, store id, capacity,
    /// then CRC-32C of bytes 0..56 at 56.
    #[must_use]
    pub fn encode(&self) -> [u8; SUPER_BYTES as usize] {
        let mut b = [0u8; SUPER_BYTES as usize];
        put(&mut b, 0, &SUPER_MAGIC.to_le_bytes());
        put(&mut b, 8, &FORMAT_VERSION.to_le_bytes());
        put(&mut b, 16, &self.store_id.to_le_bytes());
        put(&mut b, 24, &self.capacity.to_le_bytes());
        let crc = CRC32C.checksum(b.get(..56).unwrap_or(&[]));
        put(&mut b, 56, &crc.to_le_bytes());
        b
    }

    /// Decodes and checks magic, version and CRC.
    #[must_use]
    pub fn decode(b: &[u8; SUPER_BYTES as usize]) -> Option<Self> {
        let crc = CRC32C.checksum(b.get(..56).unwrap_or(&[]));
        if le_u64(b, 0) != SUPER_MAGIC || le_u32(b, 8) != FORMAT_VERSION || le_u32(b, 56) != crc {
            return None;
        }
        Some(Self {
            store_id: le_u64(b, 16),
            capacity: le_u64(b, 24),
        })
    }
}

/// A record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// What the payload is (a [`super::RecordKind`] code).
    pub kind: u16,
    /// `FLAG_TOMBSTONE` or 0.
    pub flags: u16,
    /// The key.
    pub key: u64,
    /// Sequence number: strictly increasing along the log.
    pub seq: u64,
    /// Payload bytes.
    pub len: u32,
    /// CRC-32C of the payload.
    pub payload_crc: u32,
}

impl Header {
    /// Encodes into 40 bytes; CRC-32C of bytes 0..32 at 32.
    #[must_use]
    pub fn encode(&self) -> [u8; HEADER_BYTES as usize] {
        let mut b = [0u8; HEADER_BYTES as usize];
        put(&mut b, 0, &RECORD_MAGIC.to_le_bytes());
        put(&mut b, 4, &self.kind.to_le_bytes());
        put(&mut b, 6, &self.flags.to_le_bytes());
        put(&mut b, 8, &self.key.to_le_bytes());
        put(&mut b, 16, &self.seq.to_le_bytes());
        put(&mut b, 24, &self.len.to_le_bytes());
        put(&mut b, 28, &self.payload_crc.to_le_bytes());
        let crc = CRC32C.checksum(b.get(..32).unwrap_or(&[]));
        put(&mut b, 32, &crc.to_le_bytes());
        b
    }

    /// Decodes; `None` unless the magic and the header CRC match.
    #[must_use]
    pub fn decode(b: &[u8; HEADER_BYTES as usize]) -> Option<(Self, u32)> {
        let crc = CRC32C.checksum(b.get(..32).unwrap_or(&[]));
        if le_u32(b, 0) != RECORD_MAGIC || le_u32(b, 32) != crc || le_u32(b, 36) != 0 {
            return None;
        }
        let h = Self {
            kind: le_u16(b, 4),
            flags: le_u16(b, 6),
            key: le_u64(b, 8),
            seq: le_u64(b, 16),
            len: le_u32(b, 24),
            payload_crc: le_u32(b, 28),
        };
        Some((h, crc))
    }

    /// The commit word that seals this record in store `store_id`: bound to
    /// the store, the sequence number and the header CRC, so that neither a
    /// stale word (an older record, an older store in the same region) nor a
    /// torn one can pass for it.
    #[must_use]
    pub fn commit_word(&self, store_id: u64) -> u64 {
        let crc = CRC32C.checksum(self.encode().get(..32).unwrap_or(&[]));
        COMMIT_BASE ^ self.seq.rotate_left(17) ^ (u64::from(crc) << 32) ^ store_id.rotate_left(41)
    }
}
