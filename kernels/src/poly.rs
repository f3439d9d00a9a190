//! Polynomials of `Z_Q[X]/(X^N + 1)` in RNS form, with their domain tracked.
//!
//! A [`RingContext`] holds the ring degree `N`, a chain of primes
//! `q_0, …, q_L` followed by special primes `p_0, …, p_(k-1)`, and one NTT
//! plan per prime. An [`RnsPoly`] lives on a [`Basis`]: the first `q` primes
//! of the chain and the first `p` special primes; its limbs are stored in
//! that order, `N` words each. The [`Domain`] (coefficients, or evaluations in
//! the NTT's bit-reversed order) is a checked field: every operation refuses
//! operands in the wrong domain or on different bases with a typed error.
//!
//! Multiplication is pointwise in the NTT domain; transforms go through a
//! caller-supplied [`crate::ntt::NttEngine`], so the same code runs its NTTs on the CPU
//! or on the FPGA pipeline.
//!
//! ## Automorphisms
//! `σ_k : a(X) ↦ a(X^k)` for odd `k` permutes the evaluation points. With
//! the convention `â[i] = a(ψ^(e_i))`, `e_i = 2·brv(i) + 1`,
//! `σ_k(a)^[i] = a(ψ^(k·e_i mod 2N)) = â[j]` where `2·brv(j) + 1 = k·e_i mod
//! 2N`. [`automorphism_table`] computes `j` for every `i`; applying it is a
//! gather with no arithmetic (Halevi and Shoup, "Algorithms in HElib", 2014,
//! §4.2 uses the same observation).

mod automorphism;
mod ring;

pub use automorphism::{apply_automorphism_ntt, automorphism_table};
pub use ring::{Basis, Domain, RingContext, RnsPoly};
