//! Sampling of secrets, errors and uniform polynomials, through
//! [`rand_core::Rng`] only, without floating point.
//!
//! The order and number of RNG calls is part of the bit-exactness contract:
//! a seeded generator reproduces keys and ciphertexts on every target.
//!
//! - Ternary: each coefficient from one `next_u32`, rejected when
//!   `≥ 3·⌊2^32/3⌋`, then `x mod 3 − 1` (uniform on `{-1, 0, 1}`).
//! - Error: the centred binomial distribution with `η = 21`: one `next_u64`
//!   per coefficient, `popcount(low 21 bits) − popcount(next 21 bits)`.
//!   Its variance is `η/2 = 10.5` (σ ≈ 3.24), the integer stand-in for the
//!   discrete Gaussian of σ = 3.2 of the HomomorphicEncryption.org standard
//!   (same variance to within 3%); its support is `[-21, 21]`.
//! - Uniform modulo `q`: one `next_u64` masked to the bit length of `q`,
//!   rejected when `≥ q`.

use rand_core::Rng;

use crate::arith::{Modulus, Word};

/// The centred binomial parameter `η`.
pub const CBD_ETA: u32 = 21;

/// Fills `out` with uniform ternary coefficients.
pub fn sample_ternary<R: Rng + ?Sized>(rng: &mut R, out: &mut [i8]) {
    const LIMIT: u32 = 3 * (u32::MAX / 3);
    for x in out.iter_mut() {
        let r = loop {
            let r = rng.next_u32();
            if r < LIMIT {
                break r;
            }
        };
        *x = (r % 3) as i8 - 1;
    }
}

/// Fills `out` (length a power of two) with a ternary vector of exactly
/// `hamming_weight` nonzero coefficients: per nonzero coefficient, `next_u32`
/// draws until its low `log2 len` bits name a zero position; bit 31 is the
/// sign. `hamming_weight` is capped at `out.len()`.
pub fn sample_sparse_ternary<R: Rng + ?Sized>(rng: &mut R, hamming_weight: usize, out: &mut [i8]) {
    out.iter_mut().for_each(|x| *x = 0);
    let mask = out.len().saturating_sub(1) as u32;
    for _ in 0..hamming_weight.min(out.len()) {
        loop {
            let r = rng.next_u32();
            let slot = &mut out[(r & mask) as usize];
            if *slot == 0 {
                *slot = if r >> 31 == 1 { -1 } else { 1 };
                break;
            }
        }
    }
}

/// Fills `out` with centred binomial errors (`η = 21`).
pub fn sample_error<R: Rng + ?Sized>(rng: &mut R, out: &mut [i8]) {
    let mask = (1u64 << CBD_ETA) - 1;
    for x in out.iter_mut() {
        let r = rng.next_u64();
        let a = (r & mask).count_ones() as i8;
        let b = ((r >> CBD_ETA) & mask).count_ones() as i8;
        *x = a - b;
    }
}

/// Fills `out` with uniform residues modulo `m`.
pub fn sample_uniform<W: Word, R: Rng + ?Sized>(rng: &mut R, m: &Modulus<W>, out: &mut [W]) {
    let q = m.value().to_u64();
    let mask = u64::MAX >> (64 - m.bits());
    for x in out.iter_mut() {
        let r = loop {
            let r = rng.next_u64() & mask;
            if r < q {
                break r;
            }
        };
        *x = W::from_u64_truncating(r);
    }
}
