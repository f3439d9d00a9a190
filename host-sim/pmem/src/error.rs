//! Errors of the PMEM crate.

use std::path::PathBuf;

/// Errors of `hearth-pmem`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, mapped, synced or renamed.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        cause: std::io::Error,
    },
    /// An access beyond the mapped region.
    #[error("PMEM access [{offset}, +{len}) beyond the {size}-byte region {path}")]
    OutOfRange {
        /// The file.
        path: PathBuf,
        /// Byte offset of the access.
        offset: u64,
        /// Bytes accessed.
        len: u64,
        /// Size of the region.
        size: u64,
    },
    /// An object name longer than an envelope holds (`u16::MAX` bytes).
    #[error("object name of {len} bytes is too long (at most 65535)")]
    NameTooLong {
        /// The name's length in bytes.
        len: usize,
    },
    /// A record's payload is not a well-formed object envelope.
    #[error("{path}: record {key:#x}: store object: {what}")]
    Envelope {
        /// The store file.
        path: PathBuf,
        /// The record key.
        key: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// The hal record store refused an operation or found damage.
    #[error("{path}: record store: {message}")]
    Store {
        /// The store file.
        path: PathBuf,
        /// The record store's error.
        message: String,
    },
    /// Two object names hash to the same record key.
    #[error("object name `{name}` collides with `{existing}` (key {key:#x}); rename one")]
    NameCollision {
        /// The name being written.
        name: String,
        /// The name already stored under the key.
        existing: String,
        /// The shared record key.
        key: u64,
    },
    /// The object is not in the store.
    #[error("{path}: object `{name}` not found")]
    NotFound {
        /// The store file.
        path: PathBuf,
        /// The object's name.
        name: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }
}
