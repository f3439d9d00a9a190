//! The library's error type: every failure a user can cause (a bad file, a
//! model the parameters cannot hold) is a typed variant carrying the file,
//! the position and what to do, never a panic.

use std::path::PathBuf;

/// Errors of `hearth-sim`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV data file is malformed.
    #[error("{path}:{line}: {message} (fix: {fix})")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What is wrong, naming the column where there is one.
        message: String,
        /// What to do about it.
        fix: &'static str,
    },
    /// A model file is malformed or inconsistent.
    #[error("{path}: {message} (fix: {fix})")]
    Model {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// What to do about it.
        fix: &'static str,
    },
    /// The data does not fit the model (feature count, label range).
    #[error("{path}: {message}")]
    Mismatch {
        /// The data file.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// A key or ciphertext file is malformed, corrupt or of the wrong kind.
    #[error("{path}: {message}")]
    Container {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An argument is out of range.
    #[error("{0}")]
    Invalid(String),
    /// The HE parameters cannot hold the network's values.
    #[error("{0}")]
    Parameters(String),
    /// An error from the kernels.
    #[error("kernels: {0}")]
    Kernels(#[from] hearth_kernels::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
