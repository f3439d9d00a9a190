//! The kernels' integration tests. Every test file but `secrets.rs` is a
//! module of this one binary, so the kernels' generic code is compiled and
//! linked once for all of them; `secrets.rs` is a binary of its own because
//! it installs a global allocator.

mod arith_props;
mod backends;
mod ckks_boot;
mod ckks_determinism;
mod ckks_encoding;
mod ckks_eval_determinism;
mod ckks_poly_ops;
mod ckks_props;
mod ckks_scale;
mod ckks_scheme;
mod ckks_seeded;
mod errors;
mod kat;
mod ntt_definition;
mod ntt_props;
mod prime_props;
mod rns_convert;
