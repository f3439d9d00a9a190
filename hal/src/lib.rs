//! # hearth-hal
//!
//! `no_std` driver for the hearth FPGA NTT pipeline and the persistent-memory
//! (PMEM) store.
#![no_std]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing
    )
)]

#[cfg(test)]
extern crate std;

pub mod bus;
pub mod engine;
mod log;
pub mod mmio;
pub mod pipeline;
pub mod regmap;

pub use bus::{DeviceMemory, RegisterBus};
pub use engine::{FallbackEngine, NttEngine, PipelineEngine, SoftEngine};
pub use pipeline::{Config, Direction, Pipeline};
