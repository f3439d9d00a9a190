//! A [`Program`] in the latency packing: one sample per ciphertext.
//!
//! Each source is one ciphertext holding its values in the slots of a
//! [`SlotLayout`], one period repeated across the ciphertext: the input in
//! order (as the client encrypts it, [`LatencyPlan::layout`]), a linear
//! step's output compactly or on its grid, whichever makes fewer diagonals
//! ([`super::layout`]). A [`Step::Linear`] is [`crate::linear`]'s diagonal
//! evaluation of every part `M_t` against its source, all parts summed into
//! the same giant-step accumulators, in the hybrid geometry
//! ([`Geometry::hybrid`]) over the two layouts' periods: an entry
//! `M[r][c]` lies on diagonal `(slot(c) − slot(r)) mod m` (`m` the output
//! period), only non-zero diagonals become plaintexts, and the baby-step
//! count is chosen for the fewest key switches over them
//! ([`LinearShape`]). A [`Step::Product`] is one ciphertext product.
//!
//! The diagonals are derived from the program's sparse maps (no second
//! matrix), encoded once at the level and scale their step meets and kept
//! ([`ProgramWeights`]): every later sample reuses them.

use super::layout::SlotLayout;
use super::{Program, Refresh, SparseMap, Step};
use crate::error::{Error, Result};
use crate::latency::{encode_repeated, pick, Kept};
use crate::layers::Ct;
use crate::linear::{self, Diagonal, Diagonals, Geometry, Plan, WeightSource};
use crate::rotation::RotationKeys;
use hearth_kernels::ckks::{Evaluator, Plaintext, RelinKey};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What one key switch weighs against one diagonal plaintext when a
/// step's output layout is chosen (an estimate: at the rings of the
/// bundled networks a hoisted rotation — a key's inner product and a
/// ModDown — takes roughly as long as this many plaintext products, and
/// a rotation key holds as many words as this many plaintexts and more).
const KEY_SWITCH_COST: usize = 16;

/// A linear step in the latency packing: its geometry and, per part, the
/// indices `k = g·B + b` of its non-zero diagonals.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearShape {
    /// The geometry (periods, baby and giant steps).
    pub geometry: Geometry,
    /// Per part, its non-zero diagonals in increasing order.
    diagonals: Vec<Vec<usize>>,
}

impl LinearShape {
    /// The shape of `parts` read through the layouts of their sources
    /// (`layouts`) into `out`: the non-zero diagonals, and the baby-step
    /// count `B` (a power of two dividing `m`) with the fewest key switches
    /// over them.
    fn new(parts: &[(usize, SparseMap)], layouts: &[Option<SlotLayout>], out: &SlotLayout) -> Self {
        let period_in = parts
            .iter()
            .filter_map(|(s, _)| layouts.get(*s)?.as_ref().map(SlotLayout::period))
            .max()
            .unwrap_or(1);
        let base = Geometry::hybrid(period_in, out.period(), Plan::Square);
        let m = base.rows;
        let diagonals: Vec<Vec<usize>> = parts
            .iter()
            .map(|(s, map)| {
                let Some(Some(input)) = layouts.get(*s) else {
                    return Vec::new();
                };
                let mut set = BTreeSet::new();
                for r in 0..map.rows() {
                    let row_slot = out.slot(r);
                    for &(c, _) in map.row(r) {
                        set.insert(diagonal_of(m, row_slot, input.slot(c as usize)));
                    }
                }
                set.into_iter().collect()
            })
            .collect();
        let mut shape = LinearShape {
            geometry: base,
            diagonals,
        };
        // Fewest key switches; on a tie the default split, then the fewest
        // baby steps.
        let mut best = (shape.key_switches(), 0, base.baby);
        let mut baby = 1;
        while baby <= m {
            shape.geometry = Geometry {
                baby,
                giant: m / baby,
                ..base
            };
            best = best.min((shape.key_switches(), 1, baby));
            baby *= 2;
        }
        shape.geometry = Geometry {
            baby: best.2,
            giant: m / best.2,
            ..base
        };
        shape
    }

    /// The baby steps `b > 0` part `part` rotates by.
    fn babies(&self, part: usize) -> BTreeSet<usize> {
        let b = self.geometry.baby;
        self.diagonals[part]
            .iter()
            .map(|k| k % b)
            .filter(|&r| r > 0)
            .collect()
    }

    /// The giant steps `g > 0` any part needs.
    fn giants(&self) -> BTreeSet<usize> {
        let b = self.geometry.baby;
        self.diagonals
            .iter()
            .flatten()
            .map(|k| k / b)
            .filter(|&g| g > 0)
            .collect()
    }

    /// Key switches of one evaluation: every part's baby rotations (hoisted),
    /// the giant rotations, the folds.
    #[must_use]
    pub fn key_switches(&self) -> usize {
        let babies: usize = (0..self.diagonals.len())
            .map(|p| self.babies(p).len())
            .sum();
        babies + self.giants().len() + self.geometry.folds().count()
    }

    /// Diagonal plaintexts of all parts.
    #[must_use]
    pub fn diagonals(&self) -> usize {
        self.diagonals.iter().map(Vec::len).sum()
    }

    /// The rotation steps of one evaluation on a ciphertext at `level`
    /// with the level each rotates at: the baby and giant steps at
    /// `level`, the folds at `level − 1` (after the rescale).
    fn rotations_at(&self, level: usize) -> impl Iterator<Item = (i64, usize)> + '_ {
        let folds: BTreeSet<i64> = self.geometry.folds().map(|r| r as i64).collect();
        self.rotations().map(move |r| {
            if folds.contains(&r) {
                (r, level.saturating_sub(1))
            } else {
                (r, level)
            }
        })
    }

    /// The rotation steps the evaluation uses.
    fn rotations(&self) -> impl Iterator<Item = i64> + '_ {
        let babies: BTreeSet<usize> = (0..self.diagonals.len())
            .flat_map(|p| self.babies(p))
            .collect();
        let giants = self.giants().into_iter().map(|g| g * self.geometry.baby);
        babies
            .into_iter()
            .chain(giants)
            .chain(self.geometry.folds())
            .map(|r| r as i64)
    }
}

/// The layouts and the geometry of every linear step of a program in the
/// latency packing.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyPlan {
    /// Per step: the shape of a linear step, `None` for a product or a
    /// bootstrap.
    shapes: Vec<Option<LinearShape>>,
    /// Per source: where its values sit in the slots.
    layouts: Vec<SlotLayout>,
    /// The source holding the logits.
    output: usize,
}

impl LatencyPlan {
    /// The layouts and geometries of `program`: the input compact; a linear
    /// step's output on its grid when that costs less (diagonals, and key
    /// switches charged `KEY_SWITCH_COST` each) within the slots the
    /// compact layouts need, compact otherwise; a product's or bootstrap's
    /// output laid out as the source it reads.
    #[must_use]
    pub fn new(program: &Program) -> Self {
        Self::with_room(program, 1)
    }

    /// [`LatencyPlan::new`] with grids allowed to span up to `slots` slots
    /// (the ring's, once the parameters are chosen) when that is more than
    /// the compact layouts need: the slots a plan needs never exceed the
    /// larger of the two.
    #[must_use]
    pub fn with_room(program: &Program, slots: usize) -> Self {
        let limit = program
            .widths
            .iter()
            .map(|w| w.max(&1).next_power_of_two())
            .fold(slots, usize::max);
        let mut layouts: Vec<Option<SlotLayout>> = vec![None; program.widths.len()];
        layouts[0] = Some(SlotLayout::compact(program.inputs()));
        let mut shapes = Vec::with_capacity(program.steps.len());
        for step in &program.steps {
            let out = step.out();
            let (layout, shape) = match step {
                Step::Linear { parts, bias, .. } => {
                    let compact = SlotLayout::compact(bias.len());
                    let compact_shape = LinearShape::new(parts, &layouts, &compact);
                    let on_grid = program
                        .grid(out)
                        .filter(|_| out != program.output)
                        .and_then(|g| SlotLayout::on_grid(&g, limit))
                        .filter(|l| l.len() == bias.len() && !l.is_compact())
                        .map(|l| {
                            let shape = LinearShape::new(parts, &layouts, &l);
                            (l, shape)
                        });
                    let cost = |s: &LinearShape| s.diagonals() + KEY_SWITCH_COST * s.key_switches();
                    match on_grid {
                        Some((l, s)) if cost(&s) < cost(&compact_shape) => (l, Some(s)),
                        _ => (compact, Some(compact_shape)),
                    }
                }
                // A product's factors are powers of one source, laid out
                // alike.
                Step::Product { left: read, .. } | Step::Bootstrap { source: read, .. } => {
                    let same = layouts[*read]
                        .clone()
                        .unwrap_or_else(|| SlotLayout::compact(program.widths[out]));
                    (same, None)
                }
            };
            layouts[out] = Some(layout);
            shapes.push(shape);
        }
        let layouts = layouts
            .into_iter()
            .enumerate()
            .map(|(s, l)| l.unwrap_or_else(|| SlotLayout::compact(program.widths[s])))
            .collect();
        LatencyPlan {
            shapes,
            layouts,
            output: program.output,
        }
    }

    /// The shape of step `step`, or a typed error when it is no linear step.
    fn shape(&self, step: usize) -> Result<&LinearShape> {
        self.shapes
            .get(step)
            .and_then(Option::as_ref)
            .ok_or(Error::LayerIndex {
                layer: step,
                layers: self.shapes.len(),
            })
    }

    /// The geometry of step `step`, or a typed error when it is no linear
    /// step.
    fn geometry(&self, step: usize) -> Result<Geometry> {
        self.shape(step).map(|s| s.geometry)
    }

    /// Where `source`'s values sit in the slots.
    #[must_use]
    pub fn source_layout(&self, source: usize) -> Option<&SlotLayout> {
        self.layouts.get(source)
    }

    /// The slots a ciphertext needs: the largest period of any source and
    /// step.
    #[must_use]
    pub fn min_slots(&self) -> usize {
        self.shapes
            .iter()
            .flatten()
            .map(|s| s.geometry.n)
            .chain(self.layouts.iter().map(SlotLayout::period))
            .max()
            .unwrap_or(1)
    }

    /// Every rotation step the program uses (the Galois keys to generate).
    #[must_use]
    pub fn rotations(&self) -> Vec<i64> {
        let r: BTreeSet<i64> = self
            .shapes
            .iter()
            .flatten()
            .flat_map(LinearShape::rotations)
            .collect();
        r.into_iter().collect()
    }

    /// The level each step's inputs are evaluated at when the sample is
    /// encrypted at `top`: `top` less the rescales on the longest path to
    /// the step ([`Program::levels_used`]). Refused for a program with
    /// bootstrap steps (its levels restart at the bootstrap's output) and
    /// for one deeper than `top`.
    pub fn step_levels(&self, program: &Program, top: usize) -> Result<Vec<usize>> {
        if program.bootstraps().0 > 0 {
            return Err(Error::Session(
                "the latency packing streams its keys and diagonals only for networks without bootstrap steps",
            ));
        }
        let used = program.levels_used();
        program
            .steps
            .iter()
            .map(|step| {
                let deepest = step.reads().iter().map(|&s| used[s]).max().unwrap_or(0);
                top.checked_sub(deepest)
                    .filter(|&l| l > 0)
                    .ok_or(Error::DepthExceeded {
                        needed: deepest + 1,
                        available: top,
                    })
            })
            .collect()
    }

    /// Per rotation step, the levels the linear steps rotate by it at when
    /// the sample is encrypted at `top` ([`LatencyPlan::step_levels`]):
    /// the keys a key store holds, one record per step and level
    /// ([`crate::key_records`]).
    pub fn key_uses(
        &self,
        program: &Program,
        top: usize,
    ) -> Result<BTreeMap<i64, BTreeSet<usize>>> {
        let levels = self.step_levels(program, top)?;
        let mut uses: BTreeMap<i64, BTreeSet<usize>> = BTreeMap::new();
        for (shape, &level) in self.shapes.iter().zip(&levels) {
            for (r, l) in shape.iter().flat_map(|s| s.rotations_at(level)) {
                uses.entry(r).or_default().insert(l);
            }
        }
        Ok(uses)
    }

    /// Per linear step, its diagonal plaintexts (`None` for other steps).
    #[must_use]
    pub fn step_diagonals(&self) -> Vec<Option<usize>> {
        self.shapes
            .iter()
            .map(|s| s.as_ref().map(LinearShape::diagonals))
            .collect()
    }

    /// Key switches per sample: rotations of all linear steps plus one
    /// relinearization per product (a bootstrap's own are not counted).
    #[must_use]
    pub fn key_switches(&self, program: &Program) -> usize {
        program
            .steps
            .iter()
            .zip(&self.shapes)
            .map(|(step, shape)| match (step, shape) {
                (Step::Linear { .. }, Some(s)) => s.key_switches(),
                (Step::Product { .. }, _) => 1,
                _ => 0,
            })
            .sum()
    }

    /// Diagonal plaintexts of all linear steps (the non-zero ones, which
    /// are all that is encoded).
    #[must_use]
    pub fn diagonals(&self) -> usize {
        self.shapes
            .iter()
            .flatten()
            .map(LinearShape::diagonals)
            .sum()
    }

    /// A sample's values as the slots of its ciphertext: in order, repeated
    /// with the input's period across `slots` slots.
    pub fn layout(&self, x: &[f64], slots: usize) -> Result<Vec<f64>> {
        if slots < self.min_slots() {
            return Err(Error::TooMany {
                values: self.min_slots(),
                room: slots,
                unit: "slots for the latency packing",
            });
        }
        let p = self.layouts[0].period();
        Ok((0..slots)
            .map(|j| x.get(j % p).copied().unwrap_or(0.0))
            .collect())
    }

    /// The logits among the decrypted slots of the output ciphertext.
    pub fn logits(&self, slots: &[f64], outputs: usize) -> Result<Vec<f64>> {
        let layout = &self.layouts[self.output];
        (0..outputs)
            .map(|i| {
                slots.get(layout.slot(i)).copied().ok_or(Error::TooMany {
                    values: layout.period(),
                    room: slots.len(),
                    unit: "slots for the latency packing",
                })
            })
            .collect()
    }
}

/// A program and its plan in the latency packing: what [`evaluate`] runs.
#[derive(Debug, Clone, Copy)]
pub struct Planned<'p> {
    /// The program.
    pub program: &'p Program,
    /// Its layouts and geometries.
    pub plan: &'p LatencyPlan,
}

/// A linear step's parts `(source, M_t)` and bias.
type LinearStep<'p> = (&'p [(usize, SparseMap)], &'p [f64]);

/// The program's diagonals and biases as a [`WeightSource`], encoded on
/// first use and kept while their level and scale stay the same (they do
/// from one sample to the next).
#[derive(Debug)]
pub struct ProgramWeights<'p> {
    program: &'p Program,
    plan: &'p LatencyPlan,
    diagonals: Kept<(usize, usize), Diagonals>,
    biases: Kept<usize, Plaintext<u64>>,
}

impl<'p> ProgramWeights<'p> {
    /// No plaintext encoded yet.
    #[must_use]
    pub fn new(program: &'p Program, plan: &'p LatencyPlan) -> Self {
        ProgramWeights {
            program,
            plan,
            diagonals: Kept::new(),
            biases: Kept::new(),
        }
    }

    /// The linear step `step`: its parts and bias.
    fn linear(&self, step: usize) -> Result<LinearStep<'p>> {
        match self.program.steps.get(step) {
            Some(Step::Linear { parts, bias, .. }) => Ok((parts, bias)),
            _ => Err(Error::LayerIndex {
                layer: step,
                layers: self.program.steps.len(),
            }),
        }
    }

    /// Bytes of the plaintexts held.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        let pt = |p: &Plaintext<u64>| p.poly().data().len() as u64 * 8;
        let d: u64 = self
            .diagonals
            .values()
            .flat_map(|d| d.iter().flatten().flatten())
            .map(pt)
            .sum();
        d + self.biases.values().map(pt).sum::<u64>()
    }
}

/// The diagonal an entry in slot row `row_slot` and slot column
/// `col_slot` lies on, for output period `m`: `(col_slot − row_slot) mod m`
/// (`row_slot < m`).
fn diagonal_of(m: usize, row_slot: usize, col_slot: usize) -> usize {
    (col_slot % m + m - row_slot) % m
}

/// One period of each non-zero `coeff·p_{g,b}` (`[g][b]`, `None` where
/// zero) of `map` read from a source laid out as `input` into `out`, in
/// geometry `geo`: the entry `M[r][c]` lies on diagonal
/// `k = (slot(c) − slot(r)) mod m` at position `j = (slot(c) − k) mod n`
/// (the one slot of that diagonal whose row is `slot(r)`), and
/// `p_{g,b}[j'] = diag_{gB+b}[(j' − gB) mod n]` (see [`crate::linear`]).
pub(crate) fn diagonal_periods(
    geo: Geometry,
    map: &SparseMap,
    input: &SlotLayout,
    out: &SlotLayout,
    coeff: f64,
) -> Vec<Vec<Option<Vec<f64>>>> {
    let (n, m) = (geo.n, geo.rows);
    let mut periods: Vec<Vec<Option<Vec<f64>>>> = vec![vec![None; geo.baby]; geo.giant];
    for r in 0..map.rows() {
        let row_slot = out.slot(r);
        for &(c, w) in map.row(r) {
            let col_slot = input.slot(c as usize);
            let k = diagonal_of(m, row_slot, col_slot);
            let j = (col_slot % n + n - k) % n;
            let (g, b) = (k / geo.baby, k % geo.baby);
            let period = periods[g][b].get_or_insert_with(|| vec![0.0; n]);
            period[(j + g * geo.baby) % n] += coeff * w;
        }
    }
    periods
}

/// One period of each non-zero `coeff·p_{g,b}` of `at`'s step and part of
/// `program` in `plan` (`[g][b]`, `None` where all zero): what is encoded.
pub(crate) fn periods(
    program: &Program,
    plan: &LatencyPlan,
    at: Diagonal,
) -> Result<Vec<Vec<Option<Vec<f64>>>>> {
    let parts = match program.steps.get(at.layer) {
        Some(Step::Linear { parts, .. }) => parts,
        _ => {
            return Err(Error::LayerIndex {
                layer: at.layer,
                layers: program.steps.len(),
            })
        }
    };
    let geo = plan.geometry(at.layer)?;
    let bad = Error::LayerIndex {
        layer: at.part,
        layers: parts.len(),
    };
    let (source, m) = parts.get(at.part).ok_or(bad)?;
    let out = program.steps[at.layer].out();
    let (Some(input), Some(out)) = (plan.source_layout(*source), plan.source_layout(out)) else {
        return Err(Error::LayerIndex {
            layer: *source,
            layers: program.widths.len(),
        });
    };
    Ok(diagonal_periods(geo, m, input, out, at.coeff)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|p| p.filter(|p| p.iter().any(|&v| v != 0.0)))
                .collect()
        })
        .collect())
}

impl ProgramWeights<'_> {
    /// The diagonals of `at`'s step and part at `level` and `scale`.
    fn encoded<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<&Diagonals> {
        let (program, plan) = (self.program, self.plan);
        self.diagonals
            .get_or_encode((at.layer, at.part), level, scale, || {
                periods(program, plan, at)?
                    .into_iter()
                    .map(|row| {
                        row.into_iter()
                            .map(|p| p.map(|p| encode_repeated(ev, &p, scale, level)).transpose())
                            .collect()
                    })
                    .collect()
            })
    }
}

impl WeightSource for ProgramWeights<'_> {
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<Cow<'_, Plaintext<u64>>>> {
        Ok(pick(self.encoded(ev, at, level, scale)?, at))
    }

    fn all_diagonals<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<&Diagonals>> {
        self.encoded(ev, at, level, scale).map(Some)
    }

    fn bias<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        step: usize,
        constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>> {
        let (parts, bias) = self.linear(step)?;
        let rows = self.plan.geometry(step)?.rows;
        let out = self
            .plan
            .source_layout(self.program.steps[step].out())
            .ok_or(Error::LayerIndex {
                layer: step,
                layers: self.program.steps.len(),
            })?;
        let pt = self.biases.get_or_encode(step, level, scale, || {
            let mut period = vec![0.0; rows];
            for (o, b) in bias.iter().enumerate() {
                let row_sum: f64 = parts
                    .iter()
                    .flat_map(|(_, m)| m.row(o).iter().map(|&(_, w)| w))
                    .sum();
                period[out.slot(o)] = b + constant * row_sum;
            }
            encode_repeated(ev, &period, scale, level)
        })?;
        Ok(Cow::Borrowed(pt))
    }
}

/// Evaluates `program` on one sample's ciphertext (laid out by
/// [`LatencyPlan::layout`] of `plan`); the logits are slots `0..outputs`.
/// Needs the rotation keys of [`LatencyPlan::rotations`] (from `keys`),
/// the plan's diagonals (from `weights`) and the relinearization key,
/// and `refresh` for a program with bootstrap steps; sources are freed
/// after their last use.
pub fn evaluate<E: NttEngine<u64>, K: RotationKeys, W: WeightSource>(
    ev: &mut Evaluator<'_, u64, E>,
    keys: &mut K,
    rk: &RelinKey<u64>,
    refresh: &mut dyn Refresh<E>,
    planned: Planned<'_>,
    weights: &mut W,
    input: Ct,
) -> Result<Ct> {
    let Planned { program, plan } = planned;
    let last = program.last_uses();
    let mut sources: Vec<Option<Ct>> = vec![None; program.widths.len()];
    sources[0] = Some(input);
    let source = |sources: &[Option<Ct>], s: usize| -> Result<Ct> {
        sources.get(s).cloned().flatten().ok_or(Error::LayerIndex {
            layer: s,
            layers: program.widths.len(),
        })
    };
    for (i, step) in program.steps.iter().enumerate() {
        let y = match step {
            Step::Linear { parts, .. } => {
                let xs = parts
                    .iter()
                    .map(|(s, _)| source(&sources, *s))
                    .collect::<Result<Vec<_>>>()?;
                let level = xs.iter().map(Ct::level).min().ok_or(Error::NoLayers)?;
                let xs = xs
                    .into_iter()
                    .map(|x| Ok((1.0, ev.drop_to_level(&x, level)?)))
                    .collect::<Result<Vec<_>>>()?;
                linear::linear(ev, keys, plan.geometry(i)?, i, weights, xs, 0.0)?
            }
            Step::Product { left, right, .. } => {
                let (x, z) = (source(&sources, *left)?, source(&sources, *right)?);
                super::encrypted::product(ev, rk, &x, &z)?
            }
            Step::Bootstrap {
                source: s, range, ..
            } => refresh.refresh(ev, &source(&sources, *s)?, *range)?,
        };
        sources[step.out()] = Some(y);
        for (s, l) in last.iter().enumerate() {
            if *l == Some(i) {
                sources[s] = None;
            }
        }
    }
    source(&sources, program.output())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::compile;
    use hearth_nn::bundled::{MNIST, MNIST_TEST_CSV_GZ};
    use hearth_nn::onnx::{import_bytes, ImportOptions};
    use hearth_nn::Dataset;
    use std::path::Path;

    /// The program run on plaintext slot vectors exactly as the latency
    /// packing runs it on ciphertexts: sources in their layouts, each
    /// linear step as `Σ_g rot(Σ_b p_{g,b} ⊙ rot(x, b), gB)`, the folds, the
    /// bias; products slot by slot. Returns the logits read through the
    /// plan.
    fn simulate(program: &Program, plan: &LatencyPlan, x: &[f64], slots: usize) -> Vec<f64> {
        let rot =
            |v: &[f64], s: usize| -> Vec<f64> { (0..slots).map(|j| v[(j + s) % slots]).collect() };
        let mut sources: Vec<Vec<f64>> = vec![plan.layout(x, slots).unwrap()];
        for (i, step) in program.steps.iter().enumerate() {
            let y = match step {
                Step::Linear { parts, bias, out } => {
                    let shape = plan.shape(i).unwrap();
                    let geo = shape.geometry;
                    let mut y = vec![0.0; slots];
                    for (s, m) in parts {
                        let input = plan.source_layout(*s).unwrap();
                        let output = plan.source_layout(*out).unwrap();
                        let periods = diagonal_periods(geo, m, input, output, 1.0);
                        for (g, row) in periods.iter().enumerate() {
                            let mut inner = vec![0.0; slots];
                            for (b, p) in row.iter().enumerate() {
                                let Some(p) = p else { continue };
                                let xb = rot(&sources[*s], b);
                                for j in 0..slots {
                                    inner[j] += p[j % p.len()] * xb[j];
                                }
                            }
                            for (yj, v) in y.iter_mut().zip(rot(&inner, g * geo.baby)) {
                                *yj += v;
                            }
                        }
                    }
                    for f in geo.folds() {
                        let r = rot(&y, f);
                        y.iter_mut().zip(r).for_each(|(a, b)| *a += b);
                    }
                    let output = plan.source_layout(*out).unwrap();
                    for (o, b) in bias.iter().enumerate() {
                        let p = output.period();
                        for q in 0..slots / p {
                            y[q * p + output.slot(o)] += b;
                        }
                    }
                    y
                }
                Step::Product { left, right, .. } => sources[*left]
                    .iter()
                    .zip(&sources[*right])
                    .map(|(a, b)| a * b)
                    .collect(),
                Step::Bootstrap { source, .. } => sources[*source].clone(),
            };
            sources.push(y);
        }
        plan.logits(&sources[program.output], program.outputs())
            .unwrap()
    }

    fn mnist_rows(n: usize) -> Vec<Vec<f64>> {
        let d = Dataset::parse_gz(Path::new("mnist_test.csv.gz"), MNIST_TEST_CSV_GZ).unwrap();
        d.rows[..n].to_vec()
    }

    /// The bundled networks' plans, slot vectors rotated in plaintext,
    /// give the program's own logits: the layouts, the diagonals placed
    /// from the sparse maps and the chosen baby steps reassemble every
    /// linear step. The convolutions on grids need far fewer diagonals
    /// than compact layouts.
    #[test]
    fn plans_reassemble_the_bundled_networks_in_plaintext() {
        let rows = mnist_rows(2);
        let mut diagonals = Vec::new();
        for m in &MNIST {
            let net = import_bytes(m.name, m.model, ImportOptions::default())
                .unwrap()
                .network;
            let program = compile(&net).unwrap();
            // The compact layouts' room, and the rings' of `N = 2^13, 2^14`.
            for room in [1, 4096, 8192] {
                let plan = LatencyPlan::with_room(&program, room);
                let slots = plan.min_slots();
                assert!(slots <= room.max(LatencyPlan::new(&program).min_slots()));
                for x in &rows {
                    let want = program.forward(x);
                    let got = simulate(&program, &plan, x, slots);
                    for (a, b) in got.iter().zip(&want) {
                        let name = m.name;
                        assert!(
                            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                            "{name} {room}: {a} vs {b}"
                        );
                    }
                }
                diagonals.push(plan.diagonals());
            }
        }
        // mnist_a: 256 + 64 + 16 compactly; mnist_b: 1024 + 128 + 16 (its
        // five 13×13 channels on the image's grid need 2048 slots);
        // mnist_c: about a quarter of the 4,258 of one plaintext per output
        // and part (1,568 + 3 × (784 + 64 + 32) + 5 × 10).
        assert!(diagonals[0] < 256 + 64 + 16, "{diagonals:?}");
        assert_eq!(diagonals[3], 1024 + 128 + 16, "{diagonals:?}");
        assert!(diagonals[4] < 1024 / 4 + 128 + 16, "{diagonals:?}");
        assert!(
            diagonals[6..].iter().all(|&d| d < 4258 / 3),
            "{diagonals:?}"
        );
    }
}
