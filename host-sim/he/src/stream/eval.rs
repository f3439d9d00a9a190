//! The encrypted network, evaluated with one diagonal plaintext in hand at a
//! time and two rotation keys.
//!
//! A layer is the diagonal method (Halevi & Shoup, CRYPTO 2014) in
//! baby-step giant-step form, `W·x = Σ_g rot(Σ_b p_{g,b} ⊙ rot(x, b), gB)`
//! with `p_{g,b} = rot(diag_{gB+b}, −gB)` (see [`crate::latency`]), in
//! an order that keeps few ciphertexts alive and needs only the keys of
//! the rotations by 1 and by `B`:
//! - baby steps are chained, `rot(x, b) = rot(rot(x, b − 1), 1)`, and each
//!   is folded into the `G` giant accumulators `inner_g += p_{g,b} ⊙
//!   rot(x, b)` as soon as it exists, so only one baby rotation is alive;
//! - the giant sum is Horner's rule, `acc = inner_{G−1}`, then
//!   `acc = rot(acc, B) + inner_g` for `g = G − 2, …, 0`.
//!
//! Rotations keep their count (`B − 1 + G − 1` per layer) but need two
//! Galois keys instead of `B + G − 2`; each chained rotation adds one key
//! switch's noise, far below the scale. The diagonals are consumed in a
//! fixed order ([`schedule`]): `b` outer, `g` inner, then the bias, which is
//! what lets them stream from the store.

use super::records::{bias_name, diagonal_name};
use crate::error::Result;
use crate::layers::{target_scale, Ct};
use hearth_kernels::ckks::{Evaluator, GaloisKeys, Plaintext, RelinKey};
use hearth_kernels::ntt::NttEngine;

/// The shape of the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Padded vector length (power of two).
    pub n: usize,
    /// Baby steps `B`.
    pub baby: usize,
    /// Giant steps `G`, with `B·G = n`.
    pub giant: usize,
}

/// Giant steps used when the width allows: few, because each is a live
/// ciphertext, and baby steps cost one rotation each either way.
pub const GIANT_STEPS: usize = 4;

impl Geometry {
    /// The geometry for layers `width` wide.
    #[must_use]
    pub fn of(width: usize) -> Self {
        let n = width.max(1).next_power_of_two();
        let giant = GIANT_STEPS.min(n);
        Geometry {
            n,
            baby: n / giant,
            giant,
        }
    }

    /// The rotation steps the evaluation uses: 1 and `B`.
    #[must_use]
    pub fn rotations(&self) -> Vec<i64> {
        let mut r = vec![1, self.baby as i64];
        r.dedup();
        r
    }
}

/// Where the evaluation gets its plaintexts: encoded on the spot and written
/// to the store (compilation) or read from it (the streamed run).
pub trait WeightSource {
    /// The diagonal `(g, b)` of layer `layer`, at `level` and `scale`.
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        g: usize,
        b: usize,
        level: usize,
        scale: f64,
    ) -> Result<Plaintext<u64>>;

    /// The bias of layer `layer` repeated over the slots, at `level` and `scale`.
    fn bias<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        level: usize,
        scale: f64,
    ) -> Result<Plaintext<u64>>;
}

/// The records an evaluation of `layers` layers reads, in order.
#[must_use]
pub fn schedule(model: &str, layers: usize, geo: Geometry) -> Vec<String> {
    let mut v = Vec::with_capacity(layers * (geo.n + 1));
    for l in 0..layers {
        for b in 0..geo.baby {
            for g in 0..geo.giant {
                v.push(diagonal_name(model, l, g, b));
            }
        }
        v.push(bias_name(model, l));
    }
    v
}

/// Evaluates `layers` layers (square activation between them) on `x`.
pub fn evaluate<E: NttEngine<u64>, S: WeightSource>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    gk: &GaloisKeys<u64>,
    geo: Geometry,
    layers: usize,
    source: &mut S,
    x: Ct,
) -> Result<Ct> {
    let mut x = x;
    for l in 0..layers {
        let y = linear(ev, gk, geo, l, source, x)?;
        x = if l + 1 == layers {
            y
        } else {
            let sq = ev.square_relin(&y, rk)?;
            ev.rescale(&sq)?
        };
    }
    Ok(x)
}

fn linear<E: NttEngine<u64>, S: WeightSource>(
    ev: &mut Evaluator<'_, u64, E>,
    gk: &GaloisKeys<u64>,
    geo: Geometry,
    layer: usize,
    source: &mut S,
    x: Ct,
) -> Result<Ct> {
    let level = x.level();
    let pt_scale = target_scale(ev, level) / x.scale();
    let mut inner: Vec<Option<Ct>> = vec![None; geo.giant];
    let mut xb = x;
    for b in 0..geo.baby {
        if b > 0 {
            xb = ev.rotate(&xb, 1, gk)?;
        }
        for (g, acc) in inner.iter_mut().enumerate() {
            let pt = source.diagonal(ev, layer, g, b, level, pt_scale)?;
            let p = ev.mul_plain(&xb, &pt)?;
            *acc = Some(match acc.take() {
                Some(a) => ev.add(&a, &p)?,
                None => p,
            });
        }
    }
    drop(xb);
    let mut acc: Option<Ct> = None;
    for g in (0..geo.giant).rev() {
        let Some(i) = inner[g].take() else { continue };
        acc = Some(match acc {
            None => i,
            Some(a) => {
                let r = ev.rotate(&a, geo.baby as i64, gk)?;
                ev.add(&r, &i)?
            }
        });
    }
    let Some(acc) = acc else {
        return Err(crate::Error::Invalid(format!(
            "layer {layer} has no diagonals"
        )));
    };
    let y = ev.rescale(&acc)?;
    let bias = source.bias(ev, layer, y.level(), y.scale())?;
    ev.add_plain(&y, &bias).map_err(crate::Error::Ckks)
}
