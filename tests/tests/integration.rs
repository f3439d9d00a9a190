//! The cross-component and end-to-end tests. Every test file but
//! `sim_rtl_engine.rs` (built with the `rtl` feature, the Verilated RTL) is
//! a module of this one binary, so the workspace's generic code is compiled
//! and linked once for all of them.

mod prod_common;

mod device_model_cycles;
mod device_model_faults;
mod driver_device_model;
mod prod_crash;
mod prod_faults;
mod prod_scheduler;
mod prod_serve;
mod prod_store;
mod prod_stream;
mod prod_stream_he;
mod prod_tenants;
mod sim_encrypted;
mod sim_files;
mod sim_kat;
mod sim_server;
mod sim_train;
