//! Errors of the networks crate: every failure a user can cause (a bad data
//! or model file, data that does not fit the model, a budget too small) is a
//! typed variant naming the file, the line or the object, and what to do.

use std::path::PathBuf;

/// Errors of `hearth-nn`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error (in the message, not chained, so it
        /// is printed once).
        cause: std::io::Error,
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
    /// An argument is outside the range the operation accepts.
    #[error("{what} is {value}; it must be {range}")]
    OutOfRange {
        /// The argument.
        what: &'static str,
        /// Its value.
        value: String,
        /// The accepted range.
        range: &'static str,
    },
    /// A streamed layer is missing from the store or malformed.
    #[error("stream layer `{name}`: {what}")]
    StreamLayer {
        /// The layer's object name.
        name: String,
        /// What is wrong.
        what: String,
    },
    /// A memory budget too small for the working set.
    #[error(
        "--mem-budget {budget} bytes is too small: {needs}; raise it to at least {need} bytes"
    )]
    Budget {
        /// The budget given.
        budget: u64,
        /// The smallest budget that works.
        need: u64,
        /// What must fit.
        needs: &'static str,
    },
    /// A worker thread could not start or stopped early.
    #[error("{0}")]
    Thread(&'static str),
    /// An error of the PMEM object store.
    #[error(transparent)]
    Pmem(#[from] hearth_pmem::Error),
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
