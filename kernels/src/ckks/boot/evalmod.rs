//! EvalMod: the homomorphic reduction modulo `q_0`, by a scaled cosine and
//! double-angle steps.
//!
//! ## The maths
//! (Cheon, Han, Kim, Kim, Song, EUROCRYPT 2019, §4; Han and Ki, CT-RSA
//! 2020, §4.) After CoeffsToSlots a slot holds `u = t/(K·q_0)` with
//! `t = Δ·μ + q_0·I`, `|I| < K` an integer and `Δ·μ ≪ q_0`. Since
//! `sin(2π·t/q_0) = sin(2π·Δμ/q_0) ≈ 2π·Δμ/q_0`, and
//! `sin(2π·y) = cos(2π·(y − 1/4))`:
//!
//! 1. `c_0 = cos(2π·(K·u − 1/4)/2^r)`, a Taylor polynomial in `u` whose
//!    argument stays within `2π·(K + 1/4)/2^r` radians (the power basis is
//!    well conditioned there), truncated where the next term is below
//!    `2^-60`;
//! 2. `r` double-angle steps `c ← 2c² − 1` give `cos(2π·(K·u − 1/4)) =
//!    sin(2π·t/q_0)`;
//! 3. the normalisation `ρ/(2π)·arcsin(y)`, `ρ = q_0/Δ`, as its odd Taylor
//!    polynomial of the configured degree (degree 1 is no arcsine
//!    correction), yields `μ`.
//!
//! The approximation error of step 3 at degree 1 is `(2π/ρ)²·|μ|³/6`; each
//! double-angle step multiplies the error of its input by up to about 4.
//!
//! Coefficients are `f64` from `libm` and IEEE basic operations, bit-
//! identical on every target (see [`super::linear`]).

use alloc::vec::Vec;

use super::super::keys::RelinKey;
use super::super::types::Ciphertext;
use super::super::{CkksError, Evaluator};
use super::poly_eval::{add_integer, depth, eval_poly, round_i128};
use crate::arith::Word;
use crate::ntt::NttEngine;

/// The shape of EvalMod.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalModShape {
    /// `K`: the input `t/q_0` lies in `(−K, K)`.
    pub k_range: u32,
    /// `r`, the number of double-angle steps.
    pub double_angle: u32,
    /// Degree of the arcsine correction (odd: 1 = none, 3, 5, 7).
    pub arcsine_degree: usize,
}

impl EvalModShape {
    /// Taylor coefficients in `u` of `cos(2π·(K·u − 1/4)/2^r)`.
    pub fn cosine_coefficients(&self) -> Vec<f64> {
        let two_r = (1u64 << self.double_angle) as f64;
        let a = 2.0 * core::f64::consts::PI * self.k_range as f64 / two_r;
        let b = -core::f64::consts::PI / (2.0 * two_r);
        let (cb, sb) = (libm::cos(b), libm::sin(b));
        // d^i/dx^i cos(ax + b) at 0 = a^i · (cos b, −sin b, −cos b, sin b)[i mod 4].
        let mut out = Vec::new();
        let mut t = 1.0f64; // a^i / i!
        let mut i = 0usize;
        loop {
            let deriv = [cb, -sb, -cb, sb][i % 4];
            out.push(t * deriv);
            i += 1;
            t = t * a / i as f64;
            // Stop once the next term (and so the tail, for a ≤ i) is below 2^-60.
            if t < 8.673_617_379_884_035e-19 && (i as f64) > a {
                break;
            }
        }
        out
    }

    /// The normalisation `ρ/(2π)·arcsin(y)` truncated at the configured
    /// degree, `ρ = q_0/Δ`.
    pub fn normalisation_coefficients(&self, rho: f64) -> Vec<f64> {
        let f = rho / (2.0 * core::f64::consts::PI);
        let deg = self.arcsine_degree.max(1);
        let mut out = alloc::vec![0.0; deg + 1];
        // arcsin y = Σ_k (2k)! / (4^k (k!)² (2k+1)) y^(2k+1).
        let mut c = 1.0f64; // (2k)!/(4^k (k!)²)
        let mut k = 0usize;
        while 2 * k < deg {
            out[2 * k + 1] = f * c / (2 * k + 1) as f64;
            c = c * ((2 * k + 1) as f64) / ((2 * k + 2) as f64);
            k += 1;
        }
        out
    }

    /// Levels consumed.
    pub fn depth(&self) -> usize {
        depth(&self.cosine_coefficients())
            + self.double_angle as usize
            + depth(&self.normalisation_coefficients(1.0))
    }
}

/// Runs EvalMod on `u` (real slots); the result has scale exactly
/// `out_scale` and holds `μ` where `u = (Δ·μ + q_0·I)/(K·q_0)`, `ρ = q_0/Δ`.
pub fn eval_mod<W: Word, E: NttEngine<W>>(
    ev: &mut Evaluator<'_, W, E>,
    rk: &RelinKey<W>,
    shape: &EvalModShape,
    u: &Ciphertext<W>,
    rho: f64,
    out_scale: f64,
) -> Result<Ciphertext<W>, CkksError> {
    let cos = shape.cosine_coefficients();
    let lvl = u
        .level()
        .checked_sub(depth(&cos))
        .ok_or(CkksError::LevelExhausted)?;
    // Aim at the prime the first double-angle step divides by, so the scale
    // stays near the primes' size.
    let t0 = ev.context().ring().modulus(lvl).value().to_u64() as f64;
    let mut c = eval_poly(ev, rk, u, &cos, t0)?;
    for _ in 0..shape.double_angle {
        let sq = ev.multiply_relin(&c, &c, rk)?;
        let mut t = ev.mul_integer(&sq, 2);
        let one = round_i128(t.scale)?;
        add_integer(ev.context(), &mut t, -one);
        c = ev.rescale(&t)?;
    }
    eval_poly(
        ev,
        rk,
        &c,
        &shape.normalisation_coefficients(rho),
        out_scale,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn horner(c: &[f64], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
    }

    #[test]
    fn cosine_then_double_angles_is_sine() {
        let s = EvalModShape {
            k_range: 12,
            double_angle: 5,
            arcsine_degree: 1,
        };
        let c = s.cosine_coefficients();
        for i in -100..=100 {
            let u = i as f64 / 100.0;
            let mut y = horner(&c, u);
            for _ in 0..s.double_angle {
                y = 2.0 * y * y - 1.0;
            }
            let want = libm::sin(2.0 * core::f64::consts::PI * 12.0 * u);
            assert!((y - want).abs() < 1e-10, "u {u}: {y} vs {want}");
        }
    }

    #[test]
    fn arcsine_series() {
        let s = EvalModShape {
            k_range: 1,
            double_angle: 0,
            arcsine_degree: 5,
        };
        let c = s.normalisation_coefficients(2.0 * core::f64::consts::PI);
        assert_eq!(c.len(), 6);
        let y = 0.01;
        assert!((horner(&c, y) - libm::asin(y)).abs() < 1e-15);
    }
}
