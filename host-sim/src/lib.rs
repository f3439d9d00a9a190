//! # hearth-sim
//!
//! A std simulator of the hearth machine and the library behind the `hearth`
//! program.
#![warn(missing_docs)]

pub mod device;
