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
    /// A file is larger than hearth reads for its kind
    /// ([`crate::limits`]).
    #[error("{path}: {size} bytes is more than the {limit}-byte limit for this kind of file")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or the bytes read before it was cut off).
        size: u64,
        /// The limit.
        limit: u64,
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
    /// A network is malformed (a node that does not fit its inputs) or is
    /// given an input of the wrong size.
    #[error("network: {0}")]
    Network(String),
    /// The file is not an ONNX model (not protobuf, truncated, no graph).
    #[error("{path}: not a readable ONNX model: {message} (fix: re-export the model, e.g. with torch.onnx.export; the file may be truncated)")]
    NotOnnx {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// The model declares an opset outside the supported range.
    #[error("{path}: opset {version} of the default ONNX domain is not supported (fix: export with an opset from 13 to 21, e.g. torch.onnx.export(..., opset_version=17))")]
    Opset {
        /// The file.
        path: PathBuf,
        /// The declared version.
        version: i64,
    },
    /// An ONNX node uses an operator hearth cannot evaluate.
    #[error("{path}: node `{node}`: operator `{op}` is not supported (supported: {supported})")]
    UnsupportedOp {
        /// The file.
        path: PathBuf,
        /// The node's name (or its first output when unnamed).
        node: String,
        /// The operator type, with its domain when not the default one.
        op: String,
        /// The operators that are supported.
        supported: &'static str,
    },
    /// The model's input shape has a dimension the input does not fix.
    #[error("{path}: input `{input}` has shape {shape}: every dimension but the batch axis must be a fixed number (fix: export with a fixed input size, e.g. torch.onnx.export without dynamic_axes on the image dimensions)")]
    DynamicShape {
        /// The file.
        path: PathBuf,
        /// The input's name.
        input: String,
        /// The shape as declared, symbolic dimensions by name.
        shape: String,
    },
    /// An ONNX node is malformed or uses its operator in a way hearth does
    /// not support (an attribute value, a non-constant weight).
    #[error("{path}: node `{node}`: {message}")]
    OnnxNode {
        /// The file.
        path: PathBuf,
        /// The node's name.
        node: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A ReLU: encryption evaluates polynomials only.
    #[error("node `{node}` is a ReLU, which encryption cannot evaluate (fix: replace each ReLU by a polynomial fitted on the data's range with `--relu poly:DEGREE`, e.g. `--relu poly:4`, or train with a polynomial activation)")]
    Relu {
        /// The node's name.
        node: String,
    },
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
