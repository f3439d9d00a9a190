//! Serving encrypted models on the simulated machine: NTT jobs on the
//! device model behind a checked, retrying, software-falling-back engine
//! (`hearth_device::factory`), one device thread that batches every tenant's NTT jobs
//! fairly ([`scheduler`]), tenants with their own keys whose ciphertexts
//! cannot be mixed ([`tenant`]), and the measurements of `hearth serve`
//! ([`bench`]).

pub mod bench;
mod error;
pub mod scheduler;
pub mod tenant;

pub use error::{Error, Result};
