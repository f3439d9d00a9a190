//! # hearth-hal
//!
//! `no_std` driver for the hearth FPGA NTT pipeline and the persistent-memory
//! (PMEM) store.
#![no_std]
#![warn(missing_docs)]
