//! The one evaluator of dense layers on a vector repeated across the slots
//! (latency packing and the encrypted stream), fed by a [`WeightSource`].
//!
//! A layer is the diagonal method of Halevi and Shoup ("Algorithms in
//! HElib", CRYPTO 2014): `W·x = Σ_k diag_k(W) ⊙ rot(x, k)` with
//! `diag_k[j] = W[j][(j+k) mod n]`, in baby-step giant-step form with
//! `B·G = n`:
//!
//! `W·x = Σ_g rot(Σ_b p_{g,b} ⊙ rot(x, b), gB)`, `p_{g,b} = rot(diag_{gB+b}, −gB)`,
//!
//! `B − 1 + G − 1` rotations instead of `n − 1`. The diagonals are periodic,
//! so the output comes out repeated across the slots, ready for the next
//! layer. Baby steps are consumed one at a time, `b` outer and `g` inner:
//! each `rot(x, b)` is folded into the `G` giant accumulators as soon as it
//! exists and dropped, so one baby rotation and `G` accumulators are alive,
//! and the diagonals are asked for in the fixed order ([`Diagonal`]) that
//! lets them stream from the store.
//!
//! [`Plan`] says how the rotations are made; both give the same slots up to
//! key-switching noise (far below the scale), not the same bytes:
//! - [`Plan::Square`]: `B = 2^⌈log2(n)/2⌉`, every `rot(x, b)` from `x` and
//!   every `rot(inner_g, gB)` with its own key — the fewest rotations, the
//!   form hoisting applies to, `B + G − 2` Galois keys;
//! - [`Plan::Chained`]: `G = min(4, n)`, `rot(x, b) = rot(rot(x, b−1), 1)`
//!   and the giant sum by Horner's rule (`acc = rot(acc, B) + inner_g`): two
//!   Galois keys (1 and `B`) and a working set of `G + 5` ciphertexts
//!   whatever the width, at `n/4 + 2` rotations.
//!
//! Additions are exact modular arithmetic, so only which ciphertext each
//! rotation and rescale sees decides the result's bytes; a sum keeps the
//! scale metadata of its first operand, so the order in which products
//! reach an accumulator is fixed here once.

use crate::error::{Error, Result};
use crate::layers::{target_scale, Ct};
use hearth_kernels::ckks::{Evaluator, GaloisKeys, Plaintext};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;

/// How a layer's rotations are made (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// `B ≈ √n`, every rotation with its own key: fewest rotations.
    Square,
    /// `G = min(4, n)`, chained baby steps, Horner giant steps: two keys,
    /// a working set independent of the width.
    Chained,
}

/// Giant steps of [`Plan::Chained`] when the width allows: few, because each
/// is a live ciphertext, and baby steps cost one rotation each either way.
pub const CHAINED_GIANT_STEPS: usize = 4;

/// The shape of the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Padded vector length (power of two).
    pub n: usize,
    /// Baby steps `B`.
    pub baby: usize,
    /// Giant steps `G`, with `B·G = n`.
    pub giant: usize,
    /// How the rotations are made.
    pub plan: Plan,
}

impl Geometry {
    /// The geometry of `plan` for layers at most `width` wide.
    #[must_use]
    pub fn of(width: usize, plan: Plan) -> Self {
        let n = width.max(1).next_power_of_two();
        let giant = match plan {
            Plan::Square => n >> n.trailing_zeros().div_ceil(2),
            Plan::Chained => CHAINED_GIANT_STEPS.min(n),
        };
        Geometry {
            n,
            baby: n / giant,
            giant,
            plan,
        }
    }

    /// The rotation steps the evaluation uses (the Galois keys to generate).
    #[must_use]
    pub fn rotations(&self) -> Vec<i64> {
        match self.plan {
            Plan::Square => {
                let mut r: Vec<i64> = (1..self.baby as i64).collect();
                r.extend((1..self.giant).map(|g| (g * self.baby) as i64));
                r
            }
            Plan::Chained => {
                let mut r = vec![1, self.baby as i64];
                r.dedup();
                r
            }
        }
    }

    /// Rotations per layer for `parts` input terms.
    #[must_use]
    pub fn rotation_count(&self, parts: usize) -> usize {
        parts * (self.baby - 1) + self.giant - 1
    }
}

/// Which plaintext the evaluation asks a [`WeightSource`] for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diagonal {
    /// The layer.
    pub layer: usize,
    /// The input term (0 unless the activation hands over several powers).
    pub part: usize,
    /// The term's coefficient, folded into the weights.
    pub coeff: f64,
    /// Giant step `g`.
    pub g: usize,
    /// Baby step `b`.
    pub b: usize,
}

/// Where the evaluation gets its plaintexts: encoded from weights in memory
/// (and cached), encoded and written to the store (compilation), or read
/// from it (the streamed run). Asked in the order of [`linear`]: per layer,
/// per part, `b` outer, `g` inner, then the bias.
pub trait WeightSource {
    /// `coeff·p_{g,b}` of the layer at `level` and `scale`, or `None` when
    /// it is all zero.
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<Cow<'_, Plaintext<u64>>>>;

    /// The bias of `layer` plus `constant·Σ_k W[o][k]` (the activation's
    /// constant term), repeated over the slots, at `level` and `scale`.
    fn bias<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>>;
}

/// One period of `p_{g,b}` scaled by `coeff`: `coeff·diag_{gB+b}[(j − gB) mod n]`
/// for `j < n`, `diag_k[r] = w(r, (r + k) mod n)` (`w` zero outside the layer).
pub fn diagonal_period(
    geo: Geometry,
    g: usize,
    b: usize,
    coeff: f64,
    w: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let n = geo.n;
    let (shift, k) = (g * geo.baby, g * geo.baby + b);
    (0..n)
        .map(|j| {
            let r = (j + n - shift % n) % n;
            coeff * w(r, (r + k) % n)
        })
        .collect()
}

/// `period` repeated over `slots` slots.
#[must_use]
pub fn repeat(period: &[f64], slots: usize) -> Vec<f64> {
    (0..slots).map(|j| period[j % period.len()]).collect()
}

/// `constant + Σ_t coeff_t·W·x_t + bias` for layer `layer`; `parts` are
/// `(coeff_t, x_t)` at one level. The output has scale `Δ` (see
/// [`crate::layers`]).
pub fn linear<E: NttEngine<u64>, S: WeightSource>(
    ev: &mut Evaluator<'_, u64, E>,
    gk: &GaloisKeys<u64>,
    geo: Geometry,
    layer: usize,
    source: &mut S,
    parts: Vec<(f64, Ct)>,
    constant: f64,
) -> Result<Ct> {
    let level = parts
        .first()
        .map(|(_, x)| x.level())
        .ok_or(Error::EmptyLayer { layer })?;
    let target = target_scale(ev, level);
    let mut inner: Vec<Option<Ct>> = vec![None; geo.giant];
    for (part, (coeff, x)) in parts.into_iter().enumerate() {
        let pt_scale = target / x.scale();
        // `Square` rotates `x` by `b`; `Chained` rotates the previous baby
        // step by 1 and lets `x` go after the first.
        let mut x = Some(x);
        let mut xb: Option<Ct> = None;
        for b in 0..geo.baby {
            if b > 0 {
                let next = match (geo.plan, xb.as_ref(), x.as_ref()) {
                    (Plan::Chained, Some(prev), _) => ev.rotate(prev, 1, gk)?,
                    (_, _, Some(x)) => ev.rotate(x, b as i64, gk)?,
                    (_, _, None) => return Err(Error::EmptyLayer { layer }),
                };
                if geo.plan == Plan::Chained {
                    x = None;
                }
                xb = Some(next);
            }
            let Some(cur) = xb.as_ref().or(x.as_ref()) else {
                return Err(Error::EmptyLayer { layer });
            };
            for (g, acc) in inner.iter_mut().enumerate() {
                let at = Diagonal {
                    layer,
                    part,
                    coeff,
                    g,
                    b,
                };
                let Some(pt) = source.diagonal(ev, at, level, pt_scale)? else {
                    continue;
                };
                let p = ev.mul_plain(cur, &pt)?;
                *acc = Some(match acc.take() {
                    Some(a) => ev.add(&a, &p)?,
                    None => p,
                });
            }
        }
    }
    let acc = match geo.plan {
        Plan::Square => giant_direct(ev, gk, geo, inner)?,
        Plan::Chained => giant_horner(ev, gk, geo, inner)?,
    };
    let acc = acc.ok_or(Error::EmptyLayer { layer })?;
    let y = ev.rescale(&acc)?;
    let bias = source.bias(ev, layer, constant, y.level(), y.scale())?;
    Ok(ev.add_plain(&y, &bias)?)
}

/// `Σ_g rot(inner_g, gB)`, each rotation with its own key.
fn giant_direct<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    gk: &GaloisKeys<u64>,
    geo: Geometry,
    inner: Vec<Option<Ct>>,
) -> Result<Option<Ct>> {
    let mut acc: Option<Ct> = None;
    for (g, i) in inner.into_iter().enumerate() {
        let Some(i) = i else { continue };
        let r = if g == 0 {
            i
        } else {
            ev.rotate(&i, (g * geo.baby) as i64, gk)?
        };
        acc = Some(match acc {
            Some(a) => ev.add(&a, &r)?,
            None => r,
        });
    }
    Ok(acc)
}

/// The same sum by Horner's rule: `acc = rot(acc, B) + inner_g`, `g` down.
fn giant_horner<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    gk: &GaloisKeys<u64>,
    geo: Geometry,
    mut inner: Vec<Option<Ct>>,
) -> Result<Option<Ct>> {
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
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_rules() {
        let sq = Geometry::of(64, Plan::Square);
        assert_eq!((sq.n, sq.baby, sq.giant), (64, 8, 8));
        assert_eq!(sq.rotations().len(), 14);
        assert_eq!(sq.rotation_count(1), 14);
        assert_eq!(Geometry::of(64, Plan::Chained).rotation_count(1), 18);
        let sq = Geometry::of(100, Plan::Square);
        assert_eq!((sq.n, sq.baby, sq.giant), (128, 16, 8));
        let ch = Geometry::of(100, Plan::Chained);
        assert_eq!((ch.n, ch.baby, ch.giant), (128, 32, 4));
        assert_eq!(ch.rotations(), vec![1, 32]);
        let tiny = Geometry::of(2, Plan::Chained);
        assert_eq!((tiny.n, tiny.baby, tiny.giant), (2, 1, 2));
        assert_eq!(tiny.rotations(), vec![1]);
        assert_eq!(Geometry::of(1, Plan::Square).rotations(), Vec::<i64>::new());
    }

    /// Σ_g rot(Σ_b p_{g,b} ⊙ rot(x, b), gB) in plaintext equals W·x, for both plans.
    #[test]
    fn diagonal_periods_reassemble_the_product() {
        for plan in [Plan::Square, Plan::Chained] {
            for width in [1, 3, 8, 13] {
                let geo = Geometry::of(width, plan);
                let n = geo.n;
                let w = |r: usize, c: usize| {
                    if r < width && c < width {
                        ((r * 7 + c * 3) % 11) as f64 - 5.0
                    } else {
                        0.0
                    }
                };
                let x: Vec<f64> = (0..n)
                    .map(|j| if j < width { j as f64 + 0.5 } else { 0.0 })
                    .collect();
                let rot =
                    |v: &[f64], s: usize| -> Vec<f64> { (0..n).map(|j| v[(j + s) % n]).collect() };
                let mut y = vec![0.0; n];
                for g in 0..geo.giant {
                    let mut inner = vec![0.0; n];
                    for b in 0..geo.baby {
                        let p = diagonal_period(geo, g, b, 2.0, w);
                        let xb = rot(&x, b);
                        for j in 0..n {
                            inner[j] += p[j] * xb[j];
                        }
                    }
                    for (yj, v) in y.iter_mut().zip(rot(&inner, g * geo.baby)) {
                        *yj += v;
                    }
                }
                for (r, yr) in y.iter().enumerate() {
                    let want: f64 = (0..n).map(|c| 2.0 * w(r, c) * x[c]).sum();
                    assert_eq!(*yr, want, "{plan:?} width {width} row {r}");
                }
            }
        }
    }
}
