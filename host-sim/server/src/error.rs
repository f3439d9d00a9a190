//! The crate's one error type and how each error reaches a client: an HTTP
//! status with an OIP error body (`{"error": "…"}`), or a gRPC status code.
//!
//! Messages are written for the client that caused them. None names
//! another tenant, a record of the store, or a file path of the server:
//! store and engine failures reach the client as a generic message and the
//! detail goes to the server's log (`tracing`).

use std::time::Duration;

/// Result with the crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No token, a malformed `Authorization` header, or a token no tenant
    /// holds (one message for all three).
    #[error("missing or invalid bearer token")]
    Unauthenticated,
    /// The token is valid but the route names another tenant.
    #[error("this token does not belong to the tenant named in the path")]
    Forbidden,
    /// The request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The named model (or the tenant's evaluation keys) does not exist for
    /// this tenant.
    #[error("{0}")]
    NotFound(String),
    /// A body or message exceeds its limit.
    #[error("{what} is {actual} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size (or the size announced for it).
        actual: u64,
        /// The limit.
        limit: u64,
    },
    /// A queue is full; retry after the given time.
    #[error("{0}; retry later")]
    Busy(&'static str, Duration),
    /// The request did not finish within its time limit.
    #[error("the request did not finish within {0:?}")]
    Timeout(Duration),
    /// The server is shutting down and takes no new requests.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The ciphertext cannot be evaluated with the tenant's keys and model
    /// (another key set, wrong parameters, a model it does not fit).
    #[error("{0}")]
    Unprocessable(String),
    /// A failure inside the server (store, engine); the client sees only
    /// this message, the detail is logged.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// The HTTP status of this error.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Unauthenticated => 401,
            Error::Forbidden => 403,
            Error::BadRequest(_) => 400,
            Error::NotFound(_) => 404,
            Error::TooLarge { .. } => 413,
            Error::Busy(..) => 429,
            Error::Timeout(_) => 504,
            Error::ShuttingDown => 503,
            Error::Unprocessable(_) => 422,
            Error::Internal(_) => 500,
        }
    }

    /// The gRPC status code of this error.
    pub fn grpc_code(&self) -> tonic::Code {
        use tonic::Code;
        match self {
            Error::Unauthenticated => Code::Unauthenticated,
            Error::Forbidden => Code::PermissionDenied,
            Error::BadRequest(_) | Error::Unprocessable(_) => Code::InvalidArgument,
            Error::NotFound(_) => Code::NotFound,
            Error::TooLarge { .. } | Error::Busy(..) => Code::ResourceExhausted,
            Error::Timeout(_) => Code::DeadlineExceeded,
            Error::ShuttingDown => Code::Unavailable,
            Error::Internal(_) => Code::Internal,
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`), for
    /// the errors that have one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::Busy(_, d) => Some(d.as_secs().max(1)),
            Error::ShuttingDown => Some(1),
            _ => None,
        }
    }

    /// The error as a gRPC status (with a `retry-after` metadata entry
    /// where one applies).
    pub fn to_status(&self) -> tonic::Status {
        let mut s = tonic::Status::new(self.grpc_code(), self.to_string());
        if let Some(secs) = self.retry_after() {
            if let Ok(v) = secs.to_string().parse() {
                s.metadata_mut().insert("retry-after", v);
            }
        }
        s
    }
}

impl From<Error> for tonic::Status {
    fn from(e: Error) -> Self {
        e.to_status()
    }
}
