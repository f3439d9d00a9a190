//! The checks behind hearth's fuzz targets, one function per target, so a
//! target file is one line and a crashing input can be replayed from a
//! normal test (`cargo xtask fuzz` prints how).
//!
//! Every check feeds untrusted bytes to a parser (kernels and host) or to
//! the PMEM store's recovery and asserts what the contract promises: no panic, no abort,
//! and nothing returned that was not written (see each function).

pub mod host;
mod host_seeds;
pub mod kernels;
pub mod seeds;
pub mod store;
