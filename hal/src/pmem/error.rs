//! The record store's error type.

use core::fmt;

/// Everything the record store can report; `E` is the memory's error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error<E> {
    /// The persistent memory failed.
    Memory(E),
    /// No valid superblock: the region is not a formatted store.
    NotFormatted,
    /// The region is smaller than a superblock and one empty record.
    TooSmall {
        /// Bytes available.
        capacity: u64,
    },
    /// The log has no room for the record (compact, or use a larger region).
    Full {
        /// Bytes the record needs.
        needed: u64,
        /// Bytes free at the end of the log.
        free: u64,
    },
    /// The in-memory index holds its maximum number of keys.
    IndexFull {
        /// The index capacity.
        capacity: usize,
    },
    /// No record with this key.
    NotFound {
        /// The key.
        key: u64,
    },
    /// The newest record of this key failed its checksum: its data is lost
    /// (never returned).
    Corrupt {
        /// The key.
        key: u64,
    },
    /// The caller's buffer is smaller than the payload.
    BufferTooSmall {
        /// Bytes needed.
        needed: u32,
    },
    /// The payload exceeds the format's 4 GiB limit.
    TooLarge {
        /// Bytes given.
        len: usize,
    },
    /// The log's newest record has sequence number `u64::MAX`: no record
    /// can follow it (compact into a new region, which restarts the
    /// numbering).
    SequenceExhausted,
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Memory(e) => write!(f, "persistent memory error: {e:?}"),
            Error::NotFormatted => write!(f, "no record store here (format it first)"),
            Error::TooSmall { capacity } => {
                write!(f, "{capacity} bytes is too small for a record store")
            }
            Error::Full { needed, free } => write!(
                f,
                "record store full: the record needs {needed} bytes, {free} are free"
            ),
            Error::IndexFull { capacity } => {
                write!(f, "record index full ({capacity} keys)")
            }
            Error::NotFound { key } => write!(f, "no record with key {key:#x}"),
            Error::Corrupt { key } => {
                write!(f, "record {key:#x} failed its checksum and is lost")
            }
            Error::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the payload has {needed} bytes")
            }
            Error::TooLarge { len } => write!(f, "payload of {len} bytes exceeds 4 GiB"),
            Error::SequenceExhausted => write!(
                f,
                "the log's sequence numbers are used up (compact into a new region)"
            ),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}
