#![doc = include_str!("../README.md")]
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
pub mod pmem;
pub mod regmap;

pub use bus::{DeviceMemory, RegisterBus};
pub use embedded_hal;
pub use engine::{FallbackEngine, NttEngine, PipelineEngine, SoftEngine};
pub use pipeline::{Config, Direction, Pipeline};
