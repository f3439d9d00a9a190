#![doc = include_str!("../README.md")]
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

#[cfg(feature = "ckks")]
pub mod boot_kat;
#[cfg(feature = "ckks")]
pub mod ckks_kat;
pub mod digest;
pub mod error;
pub mod kat;
#[cfg(feature = "ckks")]
pub mod lowmem;
pub mod mem;

pub use error::Error;
