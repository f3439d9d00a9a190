//! The pieces both packings share: the activation as a sum of powers, and
//! exact scale bookkeeping.
//!
//! ## Scale management
//! Every linear layer multiplies its inputs by constants chosen so that all
//! products land on one target scale `Δ·q_l` (`q_l` the prime the layer's
//! rescale removes): a term of scale `s` is multiplied by `w` encoded at
//! `Δ·q_l / s`. After the sum and the rescale the output has scale `Δ` again
//! (up to f64 rounding of the tracked metadata), whatever path its inputs
//! took. Biases are added after the rescale, at scale `Δ`.
//!
//! ## Activations
//! `σ(h) = c0 + c1·h + c2·h² + c3·h³` is never summed on its own: the powers
//! `h^k` (one rescale for `h²`, a second for `h³ = h²·h`) are handed to the
//! next layer as separate terms with coefficients `c_k`, which it folds into
//! its weights (`W·c_k`), and `c0·Σ_k W[o][k]` joins the bias. So `square`
//! and any degree-2 polynomial cost one level, degree 3 two.

use crate::error::Result;
use hearth_kernels::ckks::{Ciphertext, Evaluator, RelinKey};
use hearth_kernels::ntt::NttEngine;
use hearth_nn::Activation;

/// Ciphertext vector type.
pub type Ct = Ciphertext<u64>;

/// The input of a linear layer: `constant + Σ_t coeff_t · x_t`, where each
/// `x_t` is a list of ciphertexts (one per neuron in throughput packing, one
/// packed vector in latency packing).
#[derive(Debug, Clone)]
pub struct Terms {
    /// `(coefficient, ciphertexts)` per power.
    pub parts: Vec<(f64, Vec<Ct>)>,
    /// The activation's constant term.
    pub constant: f64,
}

impl Terms {
    /// A single term with coefficient 1 (the network's input).
    pub fn input(cts: Vec<Ct>) -> Self {
        Terms {
            parts: vec![(1.0, cts)],
            constant: 0.0,
        }
    }

    /// Drops every part to the lowest level among them; returns that level.
    pub fn align<E: NttEngine<u64>>(&mut self, ev: &Evaluator<'_, u64, E>) -> Result<usize> {
        let level = self
            .parts
            .iter()
            .flat_map(|(_, v)| v.iter().map(Ct::level))
            .min()
            .unwrap_or(0);
        for (_, v) in &mut self.parts {
            for ct in v.iter_mut() {
                if ct.level() > level {
                    *ct = ev.drop_to_level(ct, level)?;
                }
            }
        }
        Ok(level)
    }
}

/// Computes the powers of `h` the activation needs (see the module docs).
pub fn activate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    act: &Activation,
    h: Vec<Ct>,
) -> Result<Terms> {
    let c = act.coefficients();
    let coef = |k: usize| c.get(k).copied().unwrap_or(0.0);
    let degree = act.degree();
    let mut parts = Vec::new();
    let mut squares = Vec::new();
    if degree >= 2 {
        for x in &h {
            let sq = ev.square_relin(x, rk)?;
            squares.push(ev.rescale(&sq)?);
        }
    }
    if degree >= 3 {
        let mut cubes = Vec::with_capacity(h.len());
        for (x, sq) in h.iter().zip(&squares) {
            let xd = ev.drop_to_level(x, sq.level())?;
            let cube = ev.multiply_relin(sq, &xd, rk)?;
            cubes.push(ev.rescale(&cube)?);
        }
        parts.push((coef(3), cubes));
    }
    if degree >= 2 && coef(2) != 0.0 {
        parts.push((coef(2), squares));
    }
    if coef(1) != 0.0 {
        parts.push((coef(1), h));
    }
    Ok(Terms {
        parts,
        constant: coef(0),
    })
}

/// `Δ·q_l`: the common scale of a layer's products at `level`.
pub fn target_scale<E: NttEngine<u64>>(ev: &Evaluator<'_, u64, E>, level: usize) -> f64 {
    let ctx = ev.context();
    ctx.params().scale() * ctx.ring().modulus(level).value() as f64
}
