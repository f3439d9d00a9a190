//! The negacyclic number-theoretic transform.
//!
//! ## Convention (the contract every implementation reproduces)
//! Ring `Z_q[X]/(X^N + 1)` with `N = 2^k`, [`MIN_DEGREE`] `≤ N ≤` [`MAX_DEGREE`],
//! `q` prime, `q ≡ 1 (mod 2N)`. `ψ` is the smallest primitive `2N`-th root
//! of unity mod `q`. The forward transform takes coefficients in natural order
//! and returns evaluations in bit-reversed order:
//!
//! ```text
//! out[i] = a(ψ^(2·brv_k(i) + 1)) mod q
//! ```
//!
//! The inverse transform is its exact inverse (natural-order coefficients out,
//! `N^-1` included). Outputs are fully reduced to `[0, q)`.
//!
//! ## Algorithm
//! The forward transform is the merged Cooley–Tukey transform of Longa and
//! Naehrig ("Speeding up the Number Theoretic Transform for Faster Ideal
//! Lattice-Based Cryptography", CANS 2016, Algorithm 1) with twiddles
//! `ψ^brv_k(j)`; the inverse is the merged Gentleman–Sande transform
//! (Algorithm 2) with `ψ^-brv_k(j)`. Butterflies are Harvey's lazy ones
//! (Harvey 2014, Algorithms 4 and 3) with Shoup twiddles:
//!
//! - forward (CT): inputs `X, Y ∈ [0, 4q)`. `X ← min(X, X − 2q) ∈ [0, 2q)`
//!   (one conditional subtraction suffices as `X < 4q`); `T = W·Y` by lazy
//!   Shoup in `[0, 2q)` (valid for any word `Y`); outputs `X + T ∈ [0, 4q)`
//!   and `X − T + 2q ∈ (0, 4q)`. The invariant `[0, 4q)` holds at every
//!   stage, and `4q < 2^W` because `q < 2^(W−2)`, so nothing overflows.
//! - inverse (GS): inputs `X, Y ∈ [0, 2q)`. `X + Y < 4q`, reduced once to
//!   `[0, 2q)`; `X − Y + 2q ∈ (0, 4q)` multiplied lazily by `W` into
//!   `[0, 2q)`. The invariant `[0, 2q)` holds at every stage.
//!
//! A final pass reduces the forward output from `[0, 4q)` to `[0, q)` (two
//! conditional subtractions, by `2q` then `q`) and multiplies the inverse
//! output in `[0, 2q)` by `N^-1` (lazy Shoup into `[0, 2q)`, then one
//! conditional subtraction). The proofs of the Shoup and conditional
//! subtraction bounds are in [`crate::arith::shoup`] and
//! [`crate::arith::Modulus`].
//!
//! ## Backends
//! [`NttPlan::forward`] and [`NttPlan::inverse`] run the plan's
//! [`Backend`], the fastest the CPU supports (chosen once, when the plan is
//! built); [`NttPlan::forward_with`] and [`NttPlan::inverse_with`] pick one.
//! Because the fully reduced transform of an input is unique, every backend
//! returns the same words; each is property-tested against the portable one.
//! With the `std` feature on x86_64:
//!
//! - AVX-512 (`u64`, eight lanes; `u32`, sixteen lanes): the same butterflies
//!   and bounds. Stages whose half-block is narrower than a register use lane
//!   permutations; the first forward (last inverse) stages sweep the whole
//!   array, the rest run on 16 KiB blocks that stay in L1. The forward
//!   transform's final reduction is fused into its last stage. The inverse's
//!   last stage is fused with `N^-1`: `X' = (X + Y)·N^-1` and
//!   `Y' = (X − Y + 2q)·(W·N^-1)`, both multiplicands below `4q`, each lazy
//!   product reduced once.
//! - AVX-512 IFMA (`u64`, `q < 2^50`): the Shoup multiplication in 52-bit
//!   lanes (`β = 2^52` in the lemma); every multiplicand is below
//!   `4q < 2^52` as the lemma requires. The 52-bit companions are derived
//!   from the stored 64-bit ones by a shift, so plans need no extra tables.
//!
//! ## Forward-only plans
//! [`NttPlan::from_forward_tables`] builds a plan over precomputed forward
//! tables (`2·N` words, e.g. `&'static` in flash), validated in O(N) word
//! operations; such a plan has no inverse.
//!
//! Without `std`, or on other architectures (the RISC-V soft-core), only the
//! portable backend exists.

mod backend;
mod batch;
pub mod engine;
mod forward;
mod inverse;
mod plan;
mod precomputed;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod x86;

pub use backend::Backend;
pub use batch::{forward_limbs, inverse_limbs};
pub use engine::{NttEngine, SoftwareNtt};
#[cfg(feature = "alloc")]
pub use plan::OwnedNttPlan;
pub use plan::{bit_reverse, NttPlan, MAX_DEGREE, MIN_DEGREE};
