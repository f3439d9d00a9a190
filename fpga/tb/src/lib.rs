//! Verilator harness for the hearth NTT pipeline (`fpga/rtl`).
//!
//! With the `rtl` feature, `build.rs` Verilates `hearth_ntt_top` once per
//! configuration in [`CONFIGS`] and links a small C shim around each model.
//! [`Rtl`] is one simulated device: its register block (32-bit reads and
//! writes, one clock cycle each), its clock, and the device memory that
//! serves the pipeline's memory port with a fixed read latency
//! ([`MEM_LATENCY`] cycles, no back-pressure). [`RtlDevice`] is the same
//! model behind the hal's `RegisterBus`, `DeviceMemory` and `DelayNs`, so the
//! hal driver runs unchanged against the RTL.
//!
//! # Features
//! - `rtl`: build and link the Verilated models (needs `verilator`; a missing
//!   `verilator` is a build error that says how to install it). Without it
//!   this crate is empty.
#![cfg_attr(not(feature = "rtl"), allow(unused))]

#[cfg(feature = "rtl")]
pub mod device;
#[cfg(feature = "rtl")]
mod ffi;
#[cfg(feature = "rtl")]
pub mod job;
#[cfg(feature = "rtl")]
mod model;

#[cfg(feature = "rtl")]
pub use device::{RtlDevice, CLOCK_PERIOD_NS};
#[cfg(feature = "rtl")]
pub use model::{Rtl, RtlError, CONFIGS, DEVMEM_WORDS, LOG_N_MAX, MEM_LATENCY};
