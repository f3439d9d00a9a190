//! Homomorphic evaluation of hearth networks over the kernels' RNS-CKKS
//! (`hearth_kernels::ckks`).
//!
//! - [`infer`]: a model over a data set, encrypted and in plaintext,
//!   compared into a [`report::RunReport`]; [`encrypted`] is the encrypted
//!   half, the whole client–server exchange on one machine.
//! - [`params`] chooses CKKS parameters from a network's depth and value
//!   ranges, and [`params::ParamsDesc`] is their one serializable form;
//!   [`session`] holds a context and its keys.
//! - [`throughput`] (many samples per ciphertext) and [`latency`] (one
//!   sample per ciphertext) are the two packings; [`layers`] the shared
//!   steps. [`linear`] is the one evaluator of dense layers on a packed
//!   vector (diagonals, baby-step giant-step rotations) that the latency
//!   packing and the encrypted stream share, fed by a weight source in
//!   memory or in the PMEM store and by rotation keys ([`rotation`]) in
//!   memory or read from it ([`compiler::streamed`], in the record format
//!   of [`key_records`], which the bootstrapping keys use too).
//! - [`container`] and [`files`] are the key and ciphertext files of the
//!   hospital/server split; [`server`] evaluates with public keys only.
//! - [`stream`] runs a network whose encoded weights and keys live in the
//!   PMEM object store, under a memory budget.
//!
//! Every NTT goes through the `NttEngine` seam, so the same evaluation runs
//! on the kernels, the device model or the Verilated RTL
//! (`hearth_device::build`).
//!
//! # Features
//! - `rtl`: `Engine::Rtl` (the Verilated RTL; needs `verilator`).

pub mod boot;
pub mod compiler;
pub mod container;
pub mod encrypted;
mod error;
pub mod files;
pub mod infer;
pub mod key_records;
pub mod latency;
pub mod layers;
pub mod linear;
pub mod network;
pub mod options;
pub mod params;
pub mod report;
#[cfg(test)]
mod rescale_ref;
pub mod rotation;
pub mod server;
pub mod session;
pub mod stream;
#[cfg(test)]
mod tests;
pub mod throughput;
pub mod transit;

pub use encrypted::{run_network, HeOutput};
pub use error::{Error, Result};
pub use options::{Packing, RunOptions};
