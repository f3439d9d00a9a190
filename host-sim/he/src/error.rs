//! Errors of the HE crate: a key or ciphertext file that is malformed, of
//! another key set or too short a chain; data that does not fit the model;
//! parameters that cannot hold the network's values; and the errors of the
//! crates below (kernels, networks, PMEM, device), kept typed.

use std::path::PathBuf;

/// Errors of `hearth-he`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        cause: std::io::Error,
    },
    /// A key or ciphertext file is malformed, corrupt or of the wrong kind.
    #[error("{path}: {message}")]
    Container {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The data does not fit the model or the keys (feature count, columns).
    #[error("{path}: {message}")]
    Mismatch {
        /// The data or ciphertext file.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// The HE parameters cannot hold the network's values.
    #[error("{0}")]
    Parameters(String),
    /// A request the evaluation cannot serve (an argument out of range, a
    /// stored model inconsistent with its description).
    #[error("{0}")]
    Invalid(String),
    /// An error of the CKKS scheme (levels, scales, keys, encoding).
    #[error("CKKS: {0}")]
    Ckks(#[from] hearth_kernels::ckks::CkksError),
    /// An error from the kernels (NTT, arithmetic).
    #[error("kernels: {0}")]
    Kernels(#[from] hearth_kernels::Error),
    /// An error from the networks crate (model, data).
    #[error(transparent)]
    Network(#[from] hearth_nn::Error),
    /// An error from the PMEM store.
    #[error(transparent)]
    Pmem(#[from] hearth_pmem::Error),
    /// A bootstrapping key record is missing, malformed, of other
    /// parameters or not the key asked for.
    #[error("bootstrapping key {record}: {message}")]
    BootKey {
        /// The record's name in the key store.
        record: String,
        /// What is wrong.
        message: String,
    },
    /// The memory budget cannot hold the working set of the streamed keys.
    #[error("memory budget of {budget} bytes too small: streaming the bootstrapping keys needs {needed} bytes ({} MiB)", needed.div_ceil(1 << 20))]
    MemBudget {
        /// Bytes the working set needs.
        needed: u64,
        /// The budget given.
        budget: u64,
    },
    /// An error building or probing an NTT engine.
    #[error(transparent)]
    Device(#[from] hearth_device::Error),
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
