//! Persistent memory on the host: a file mapped with `memmap2` ([`PmemFile`])
//! with explicit persistence (`flush(range)` = `msync` of the range, then
//! `fence`), and a cost model of Optane-class PMEM ([`cost`]) that accounts
//! every byte the run moves through it.
//!
//! The contract (`docs/architecture.md`, "Persistent memory"): a write is
//! durable only after `flush` of its range and `fence`.
//!
//! On top of the mapped file, [`store`] is the object store every model,
//! key and ciphertext of the machine lives in; [`usage`] measures the
//! process's own resident memory and CPU time, which is what streaming from
//! PMEM is meant to keep small.

pub mod cost;
pub mod envelope;
mod error;
mod file;
pub mod store;
pub mod usage;

pub use cost::{OptaneModel, PmemStats};
pub use error::{Error, Result};
pub use file::PmemFile;
pub use store::{ObjectStore, RecordKind};
