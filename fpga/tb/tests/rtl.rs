//! The Verilated RTL's tests. Every test file is a module of this one
//! binary, so the harness and the models are linked once for all of them.

mod rtl_driver;
mod rtl_errors;
mod rtl_kat;
mod rtl_ntt;
