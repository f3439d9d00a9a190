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
//! - forward (CT): inputs in `[0, 4q)`; `X ← X mod 2q` by one conditional
//!   subtraction, `T = W·Y` lazily in `[0, 2q)`, outputs `X + T` and
//!   `X − T + 2q`, both in `[0, 4q)`. `4q < 2^W` since `q < 2^(W−2)`.
//! - inverse (GS): inputs in `[0, 2q)`; `X + Y` reduced once to `[0, 2q)`;
//!   `X − Y + 2q` in `(0, 4q)` multiplied lazily by `W` into `[0, 2q)`.
//!
//! A final pass reduces the forward output from `[0, 4q)` to `[0, q)` and
//! multiplies the inverse output by `N^-1` (Shoup) into `[0, q)`.

mod backend;
mod batch;
pub mod engine;
mod forward;
mod inverse;
mod plan;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod x86;

pub use backend::Backend;
pub use batch::{forward_limbs, inverse_limbs};
pub use engine::{NttEngine, SoftwareNtt};
#[cfg(feature = "alloc")]
pub use plan::OwnedNttPlan;
pub use plan::{bit_reverse, NttPlan};

/// Smallest supported ring degree.
pub const MIN_DEGREE: usize = 16;
/// Largest supported ring degree.
pub const MAX_DEGREE: usize = 1 << 17;
