//! # hearth-kernels
//!
//! `no_std` arithmetic for homomorphic encryption on the hearth machine:
//! modular arithmetic over one machine word ([`arith`]), the negacyclic
//! number-theoretic transform ([`ntt`]), residue-number-system arithmetic
//! (`rns`), RNS polynomials (`poly`) and the RNS-CKKS scheme (`ckks`; the
//! last three need `alloc`). Every function here is bit-exact on
//! every target: the RISC-V soft-core, the host, the device model and the RTL
//! compute the same words.
//!
//! ## The NTT convention
//! Ring `Z_q[X]/(X^N + 1)`, `N = 2^k`, `16 ≤ N ≤ 2^17`, `q` prime with
//! `q ≡ 1 (mod 2N)`. `ψ` is the **smallest** primitive `2N`-th root of unity
//! modulo `q`. The forward transform maps natural-order coefficients to
//! evaluations in bit-reversed order, `out[i] = a(ψ^(2·brv_k(i)+1)) mod q`; the
//! inverse transform is its exact inverse, `N^-1` included. All outputs are
//! fully reduced to `[0, q)`.
//!
//! ## Words
//! Kernels are generic over [`arith::Word`]: `u32` (moduli below `2^30`) and
//! `u64` (moduli below `2^62`). The two spare bits let the lazy butterflies
//! keep values in `[0, 4q)` without overflow.
//!
//! # Features
//! - `alloc`: owned, `Vec`-backed tables ([`ntt::NttPlan::new`]) and the
//!   `rns`, `poly` and `ckks` modules.
//! - `serde`: serde derives on polynomials, plaintexts, ciphertexts and keys
//!   (implies `alloc`; deserialized objects are checked with their
//!   `validate` methods).
//! - `std` (default): implies `alloc`; enables run-time CPU feature detection
//!   for the x86_64 fast paths (AVX-512 and AVX-512 IFMA NTT backends, see
//!   [`ntt::Backend`]); they are bit-identical to the portable path. Without
//!   default features the crate needs neither `std` nor an allocator.
//!
//! ## Lazy bounds
//! Every lazy range and its proof is stated where it is used:
//! [`arith::barrett`] (`[0, 3q)` for products, `[0, 2q)` for words),
//! [`arith::shoup`] (`[0, 2q)`), [`arith::Modulus`] (conditional
//! subtraction), and [`ntt`] (the butterfly invariants `[0, 4q)` forward,
//! `[0, 2q)` inverse).
#![no_std]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod arith;
#[cfg(feature = "alloc")]
pub mod ckks;
pub mod error;
pub mod jobs;
pub mod ntt;
#[cfg(feature = "alloc")]
pub mod poly;
#[cfg(feature = "alloc")]
pub mod rns;
pub mod splitmix;

pub use error::Error;
