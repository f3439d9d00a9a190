//! Persistent memory on the host: a file mapped with `memmap2` ([`PmemFile`])
//! with explicit persistence (`flush(range)` = `msync` of the range, then
//! `fence`), and a cost model of Optane-class PMEM ([`cost`]) that accounts
//! every byte the run moves through it.
//!
//! The contract is ARCHITECTURE.md's "Persistent memory": a write is durable
//! only after `flush` of its range and `fence`.

pub mod cost;
mod file;

pub use cost::{OptaneModel, PmemStats};
pub use file::PmemFile;
