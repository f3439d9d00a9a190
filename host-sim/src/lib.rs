#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod bundled;
pub mod data;
pub mod device;
pub mod error;
pub mod he;
pub mod infer;
pub mod kat;
pub mod nn;
pub mod pmem;
pub mod report;
pub mod rng;
pub mod serve;
pub mod store;
pub mod stream;

pub use error::{Error, Result};
