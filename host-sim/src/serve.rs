//! Serving encrypted models on the simulated machine: NTT jobs on the
//! device model behind a checked, retrying, software-falling-back engine
//! ([`device`]), tenants with their own keys whose ciphertexts cannot be
//! mixed ([`tenant`]),.

pub mod bench;
pub mod cli;
pub mod device;
pub mod tenant;
