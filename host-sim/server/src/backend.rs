//! The two seams between the protocol and the machine: where records live
//! ([`Records`]) and who evaluates a ciphertext ([`Evaluator`]).
//!
//! # For callers (the protocol layer)
//! Both traits are synchronous and may block (a store `put` is durable when
//! it returns; an evaluation runs NTTs on the device). Call them from
//! `tokio::task::spawn_blocking`, never on the async runtime's threads.
//!
//! # For implementors
//! - [`Records`]: a `put` that returned `Ok` must survive a crash of the
//!   process; `get` never returns a torn or corrupt record (return `Err`).
//!   Several server processes may share one store: a record another
//!   process wrote must become visible (re-read the store on a miss).
//! - [`Evaluator`]: holds no secret key and makes none. `evaluate` runs the
//!   model on one ciphertext element with the evaluation keys it is given
//!   (the authenticated tenant's); the key id inside the ciphertext is only
//!   checked against them. Messages in [`EvalError`] go to the client: they
//!   must not name files, records or other tenants.

use std::fmt;

/// A failure of the record store; the message is logged, never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Named, durable records (keys, models, tenants).
pub trait Records: Send + Sync + 'static {
    /// Stores `body` under `name`, replacing any earlier record; durable
    /// when it returns.
    fn put(&self, name: &str, body: &[u8]) -> Result<(), StoreError>;
    /// The record `name`, or `None` when there is none.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Names of the records that start with `prefix`, sorted.
    fn names(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvalError {
    /// The input is not a well-formed ciphertext for this model (sent to
    /// the client as a 400).
    BadInput(String),
    /// The ciphertext does not belong to the tenant's key set, or the keys
    /// or model do not fit it (422).
    Mismatch(String),
    /// The engine or device failed (500; the message is logged only).
    Internal(String),
}

/// What an evaluator found in an evaluation-key upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key set's identifier (as carried in its ciphertexts).
    pub key_id: [u8; 8],
}

/// Runs models on ciphertexts with a tenant's public evaluation keys.
pub trait Evaluator: Send + Sync + 'static {
    /// Checks an evaluation-key upload (format, checksum, that it carries
    /// no secret); `Err` is a message for the client.
    fn check_keys(&self, keys: &[u8]) -> Result<KeyInfo, String>;
    /// Checks a model upload; `Err` is a message for the client.
    fn check_model(&self, model: &[u8]) -> Result<(), String>;
    /// Runs `model` on the ciphertext element `input` with the evaluation
    /// keys `keys`. `lane` identifies the tenant to the device scheduler
    /// (its fair share), never its keys.
    fn evaluate(
        &self,
        lane: u32,
        keys: &[u8],
        model: &[u8],
        input: &[u8],
    ) -> Result<Vec<u8>, EvalError>;
}
