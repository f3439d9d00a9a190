//! The one evaluator of linear layers on a vector repeated across the slots
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
//! ## Wide layers: the hybrid method
//! A layer of `m` outputs over a period `n > m` (a convolution taking 784
//! pixels to 256 values) needs only `m` diagonals, not `n` (the hybrid
//! method of GAZELLE, Juvekar, Vaikuntanathan and Chandrakasan, USENIX
//! Security 2018). With `rows = m` (a power of two dividing `n`), slot
//! `j = q·m + r` sums row `r` over the columns `(j + k) mod n`, `k < m`:
//!
//! `z[j] = Σ_{k<m} W[j mod m][(j + k) mod n] · x[(j + k) mod n]`.
//!
//! For a fixed `r` the `n/m` slots `q·m + r` see the columns
//! `r + q·m + [0, m)`, together every column exactly once, so
//! `y[r] = Σ_q z[q·m + r]`: `log₂(n/m)` rotations by `m, 2m, …, n/2`
//! (*folds*) sum them, and the output comes out repeated with period `m`,
//! which is the next layer's input period. `rows = n` is the square method.
//!
//! [`Plan`] says how the rotations are made; both give the same slots up to
//! key-switching noise (far below the scale), not the same bytes:
//! - [`Plan::Square`]: `B = 2^⌈log2(m)/2⌉`, every `rot(x, b)` from `x` with
//!   one shared decomposition (hoisting: [`Evaluator::hoist`], the ModUp of
//!   `x` done once for all baby steps; a baby step no diagonal needs is
//!   skipped) and every `rot(inner_g, gB)` with its own key — the fewest key
//!   switches, `B + G − 2` Galois keys;
//! - [`Plan::Chained`]: `G = min(4, m)`, `rot(x, b) = rot(rot(x, b−1), 1)`
//!   and the giant sum by Horner's rule (`acc = rot(acc, B) + inner_g`): two
//!   Galois keys (1 and `B`) and a working set of `G + 5` ciphertexts
//!   whatever the width, at `m/4 + 2` rotations.
//!
//! Additions are exact modular arithmetic, so only which ciphertext each
//! rotation and rescale sees decides the result's bytes; a sum keeps the
//! scale metadata of its first operand, so the order in which products
//! reach an accumulator is fixed here once.

use crate::error::{Error, Result};
use crate::layers::{target_scale, Ct};
use crate::rotation::RotationKeys;
use hearth_kernels::ckks::{Evaluator, Plaintext};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;

/// How a layer's rotations are made (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// `B ≈ √m`, hoisted baby steps, every rotation with its own key:
    /// fewest key switches.
    Square,
    /// `G = min(4, m)`, chained baby steps, Horner giant steps: two keys,
    /// a working set independent of the width.
    Chained,
}

/// Giant steps of [`Plan::Chained`] when the width allows: few, because each
/// is a live ciphertext, and baby steps cost one rotation each either way.
pub const CHAINED_GIANT_STEPS: usize = 4;

/// The shape of the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// The period `n` of the input vector across the slots (a power of two).
    pub n: usize,
    /// The output period `m` (a power of two dividing `n`): the number of
    /// diagonals, `n/m` partial sums folded together.
    pub rows: usize,
    /// Baby steps `B`.
    pub baby: usize,
    /// Giant steps `G`, with `B·G = m`.
    pub giant: usize,
    /// How the rotations are made.
    pub plan: Plan,
}

impl Geometry {
    /// The geometry of `plan` for square layers at most `width` wide.
    #[must_use]
    pub fn of(width: usize, plan: Plan) -> Self {
        Self::hybrid(width, width, plan)
    }

    /// The geometry of `plan` for a layer of `outputs` values over inputs
    /// repeated with period `inputs.next_power_of_two()` (the hybrid method
    /// when the outputs are fewer, see the module docs).
    #[must_use]
    pub fn hybrid(inputs: usize, outputs: usize, plan: Plan) -> Self {
        let rows = outputs.max(1).next_power_of_two();
        let n = inputs.max(1).next_power_of_two().max(rows);
        let giant = match plan {
            Plan::Square => rows >> rows.trailing_zeros().div_ceil(2),
            Plan::Chained => CHAINED_GIANT_STEPS.min(rows),
        };
        Geometry {
            n,
            rows,
            baby: rows / giant,
            giant,
            plan,
        }
    }

    /// The fold rotations `m, 2m, …, n/2` that sum the partial sums.
    pub(crate) fn folds(&self) -> impl Iterator<Item = usize> {
        let n = self.n;
        core::iter::successors(Some(self.rows), |s| Some(s * 2)).take_while(move |&s| s < n)
    }

    /// The rotation steps the evaluation uses (the Galois keys to generate).
    #[must_use]
    pub fn rotations(&self) -> Vec<i64> {
        let mut r: Vec<i64> = match self.plan {
            Plan::Square => {
                let mut r: Vec<i64> = (1..self.baby as i64).collect();
                r.extend((1..self.giant).map(|g| (g * self.baby) as i64));
                r
            }
            Plan::Chained if self.rows > 1 => vec![1, self.baby as i64],
            Plan::Chained => vec![],
        };
        r.extend(self.folds().map(|s| s as i64));
        r.sort_unstable();
        r.dedup();
        r
    }

    /// Rotations per layer for `parts` input terms.
    #[must_use]
    pub fn rotation_count(&self, parts: usize) -> usize {
        parts * (self.baby - 1) + self.giant - 1 + self.folds().count()
    }
}

/// A layer's plaintexts `p_{g,b}` as `[g][b]`, `None` where all zero.
pub type Diagonals = Vec<Vec<Option<Plaintext<u64>>>>;

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

    /// Whether `coeff·p_{g,b}` is non-zero (whether
    /// [`WeightSource::diagonal`] would give a plaintext): the evaluation
    /// asks before it rotates for a baby step. The default asks for the
    /// plaintext; a source reading from the store answers without reading.
    fn has_diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<bool> {
        Ok(self.diagonal(ev, at, level, scale)?.is_some())
    }

    /// The evaluation of one sample has ended: a source that reads ahead
    /// may start on the next sample's plaintexts. (Nothing by default.)
    fn end_sample(&mut self) {}

    /// Every `coeff·p_{g,b}` of a layer's input term at once (`[g][b]`,
    /// `None` where zero) when the source holds them in memory: the
    /// [`Plan::Square`] evaluation then takes all inner sums in one pass
    /// ([`Evaluator::mul_plain_sums`]). `None` (the default) makes it ask
    /// for one plaintext at a time with [`WeightSource::diagonal`].
    fn all_diagonals<E: NttEngine<u64>>(
        &mut self,
        _ev: &mut Evaluator<'_, u64, E>,
        _at: Diagonal,
        _level: usize,
        _scale: f64,
    ) -> Result<Option<&Diagonals>> {
        Ok(None)
    }

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
/// for `j < n`, `diag_k[j] = w(j mod m, (j + k) mod n)` (`w` zero outside
/// the layer; `m` = [`Geometry::rows`]).
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
            coeff * w(r % geo.rows, (r + k) % n)
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
pub fn linear<E: NttEngine<u64>, S: WeightSource, K: RotationKeys>(
    ev: &mut Evaluator<'_, u64, E>,
    keys: &mut K,
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
        if geo.plan == Plan::Square {
            let at = Diagonal {
                layer,
                part,
                coeff,
                g: 0,
                b: 0,
            };
            if let Some(d) = source.all_diagonals(ev, at, level, pt_scale)? {
                let sums = square_inner_sums(ev, keys, geo, &x, d)?;
                for (acc, s) in inner.iter_mut().zip(sums) {
                    let Some(s) = s else { continue };
                    *acc = Some(match acc.take() {
                        Some(a) => ev.add(&a, &s)?,
                        None => s,
                    });
                }
                continue;
            }
        }
        // `Square` rotates `x` by `b`; `Chained` rotates the previous baby
        // step by 1 and lets `x` go after the first.
        let hoisted = if geo.plan == Plan::Square && geo.baby > 1 {
            Some(ev.hoist(&x)?)
        } else {
            None
        };
        let mut x = Some(x);
        let mut xb: Option<Ct> = None;
        for b in 0..geo.baby {
            if b > 0 {
                let at = Diagonal {
                    layer,
                    part,
                    coeff,
                    g: 0,
                    b,
                };
                if hoisted.is_some() && !any_diagonal(ev, source, geo.giant, at, level, pt_scale)? {
                    // No giant step uses `rot(x, b)` (a sparse map's
                    // zero diagonals): skip its key switch.
                    continue;
                }
                let next = match (hoisted.as_ref(), xb.as_ref(), x.as_ref()) {
                    (Some(h), _, _) => keys.rotate_hoisted(ev, h, level, b as i64)?,
                    (None, Some(prev), _) => keys.rotate(ev, prev, 1)?,
                    (None, None, Some(x)) => keys.rotate(ev, x, b as i64)?,
                    (None, None, None) => return Err(Error::EmptyLayer { layer }),
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
                match acc {
                    Some(a) => ev.mul_plain_add(a, cur, &pt)?,
                    None => *acc = Some(ev.mul_plain(cur, &pt)?),
                }
            }
        }
    }
    let acc = match geo.plan {
        Plan::Square => giant_direct(ev, keys, geo, inner)?,
        Plan::Chained => giant_horner(ev, keys, geo, inner)?,
    };
    let acc = acc.ok_or(Error::EmptyLayer { layer })?;
    let mut y = ev.rescale(&acc)?;
    for step in geo.folds() {
        let r = keys.rotate(ev, &y, step as i64)?;
        y = ev.add(&y, &r)?;
    }
    let bias = source.bias(ev, layer, constant, y.level(), y.scale())?;
    Ok(ev.add_plain(&y, &bias)?)
}

/// `inner_g = Σ_b p_{g,b} ⊙ rot(x, b)` for every `g` from plaintexts held
/// in memory: the baby rotations some diagonal needs, all from one hoisted
/// decomposition of `x`, then one pass over them
/// ([`Evaluator::mul_plain_sums`]).
fn square_inner_sums<E: NttEngine<u64>, K: RotationKeys>(
    ev: &mut Evaluator<'_, u64, E>,
    keys: &mut K,
    geo: Geometry,
    x: &Ct,
    d: &Diagonals,
) -> Result<Vec<Option<Ct>>> {
    let used: Vec<usize> = (0..geo.baby)
        .filter(|&b| d.iter().any(|row| row.get(b).is_some_and(Option::is_some)))
        .collect();
    if used.is_empty() {
        return Ok(vec![None; geo.giant]);
    }
    let hoisted = if used.iter().any(|&b| b > 0) {
        Some(ev.hoist(x)?)
    } else {
        None
    };
    let mut rotated: Vec<Cow<'_, Ct>> = Vec::with_capacity(used.len());
    for &b in &used {
        match hoisted.as_ref() {
            Some(h) if b > 0 => {
                rotated.push(Cow::Owned(keys.rotate_hoisted(
                    ev,
                    h,
                    x.level(),
                    b as i64,
                )?));
            }
            _ => rotated.push(Cow::Borrowed(x)),
        }
    }
    let xs: Vec<&Ct> = rotated.iter().map(|c| &**c).collect();
    let pts: Vec<Vec<Option<&Plaintext<u64>>>> = d
        .iter()
        .map(|row| {
            used.iter()
                .map(|&b| row.get(b).and_then(Option::as_ref))
                .collect()
        })
        .collect();
    Ok(ev.mul_plain_sums(&xs, &pts)?)
}

/// Whether any giant step `g` has a non-zero `p_{g,b}` for `at`'s layer,
/// part and baby step.
fn any_diagonal<E: NttEngine<u64>, S: WeightSource>(
    ev: &mut Evaluator<'_, u64, E>,
    source: &mut S,
    giant: usize,
    at: Diagonal,
    level: usize,
    scale: f64,
) -> Result<bool> {
    for g in 0..giant {
        if source.has_diagonal(ev, Diagonal { g, ..at }, level, scale)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `Σ_g rot(inner_g, gB)`, each rotation with its own key.
fn giant_direct<E: NttEngine<u64>, K: RotationKeys>(
    ev: &mut Evaluator<'_, u64, E>,
    keys: &mut K,
    geo: Geometry,
    inner: Vec<Option<Ct>>,
) -> Result<Option<Ct>> {
    let mut acc: Option<Ct> = None;
    for (g, i) in inner.into_iter().enumerate() {
        let Some(i) = i else { continue };
        let r = if g == 0 {
            i
        } else {
            keys.rotate(ev, &i, (g * geo.baby) as i64)?
        };
        acc = Some(match acc {
            Some(a) => ev.add(&a, &r)?,
            None => r,
        });
    }
    Ok(acc)
}

/// The same sum by Horner's rule: `acc = rot(acc, B) + inner_g`, `g` down.
fn giant_horner<E: NttEngine<u64>, K: RotationKeys>(
    ev: &mut Evaluator<'_, u64, E>,
    keys: &mut K,
    geo: Geometry,
    mut inner: Vec<Option<Ct>>,
) -> Result<Option<Ct>> {
    let mut acc: Option<Ct> = None;
    for g in (0..geo.giant).rev() {
        let Some(i) = inner[g].take() else { continue };
        acc = Some(match acc {
            None => i,
            Some(a) => {
                let r = keys.rotate(ev, &a, geo.baby as i64)?;
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
        // 784 inputs to 256 outputs: 256 diagonals (16 × 16), folds 256, 512.
        let h = Geometry::hybrid(784, 256, Plan::Square);
        assert_eq!((h.n, h.rows, h.baby, h.giant), (1024, 256, 16, 16));
        assert_eq!(h.rotation_count(1), 15 + 15 + 2);
        assert!(h.rotations().ends_with(&[240, 256, 512]));
    }

    /// Σ_g rot(Σ_b p_{g,b} ⊙ rot(x, b), gB), then the folds, in plaintext
    /// equals W·x repeated with period m, for both plans, square and hybrid.
    #[test]
    fn diagonal_periods_reassemble_the_product() {
        for plan in [Plan::Square, Plan::Chained] {
            for (inputs, outputs) in [(1, 1), (3, 3), (8, 8), (13, 13), (13, 3), (40, 7), (5, 12)] {
                let geo = Geometry::hybrid(inputs, outputs, plan);
                let (n, m) = (geo.n, geo.rows);
                assert_eq!(geo.baby * geo.giant, m);
                let w = |r: usize, c: usize| {
                    if r < outputs && c < inputs {
                        ((r * 7 + c * 3) % 11) as f64 - 5.0
                    } else {
                        0.0
                    }
                };
                // The input repeated with its own period inside the period n.
                let p = inputs.next_power_of_two();
                let x: Vec<f64> = (0..n)
                    .map(|j| {
                        if j % p < inputs {
                            (j % p) as f64 + 0.5
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let rot =
                    |v: &[f64], s: usize| -> Vec<f64> { (0..n).map(|j| v[(j + s) % n]).collect() };
                let mut y = vec![0.0; n];
                for g in 0..geo.giant {
                    let mut inner = vec![0.0; n];
                    for b in 0..geo.baby {
                        let d = diagonal_period(geo, g, b, 2.0, w);
                        let xb = rot(&x, b);
                        for j in 0..n {
                            inner[j] += d[j] * xb[j];
                        }
                    }
                    for (yj, v) in y.iter_mut().zip(rot(&inner, g * geo.baby)) {
                        *yj += v;
                    }
                }
                for s in geo.folds() {
                    let r = rot(&y, s);
                    for (a, b) in y.iter_mut().zip(r) {
                        *a += b;
                    }
                }
                for (j, yj) in y.iter().enumerate() {
                    let r = j % m;
                    let want: f64 = (0..inputs).map(|c| 2.0 * w(r, c) * x[c]).sum();
                    assert_eq!(*yj, want, "{plan:?} {inputs}→{outputs} slot {j}");
                }
            }
        }
    }
}
