//! A [`Program`] in the latency packing: one sample per ciphertext.
//!
//! Each source is one ciphertext holding its vector repeated across the
//! slots with period `p = width.next_power_of_two()` (the input as the
//! client encrypts it, [`LatencyPlan::layout`]). A [`Step::Linear`] is
//! [`crate::linear`]'s diagonal evaluation of every part `M_t` against its
//! source, all parts summed into the same giant-step accumulators, in the
//! hybrid geometry ([`Geometry::hybrid`]): a map of `m` outputs needs
//! `m.next_power_of_two()` diagonals and `log₂(n/m)` folds, and its output
//! comes out repeated with period `m.next_power_of_two()`, the layout every
//! following step expects. A [`Step::Product`] is one ciphertext product.
//!
//! The diagonals are derived from the program's sparse maps (no second
//! matrix), encoded once at the level and scale their step meets and kept
//! ([`ProgramWeights`]): every later sample reuses them.

use super::{Program, Refresh, SparseMap, Step};
use crate::error::{Error, Result};
use crate::latency::{encode_diagonals, encode_repeated, pick, Kept};
use crate::layers::Ct;
use crate::linear::{self, Diagonal, Diagonals, Geometry, Plan, WeightSource};
use hearth_kernels::ckks::{Evaluator, GaloisKeys, Plaintext, RelinKey};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;

/// The geometry of every linear step of a program in the latency packing.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyPlan {
    /// Per step: the geometry of a linear step, `None` for a product.
    geometries: Vec<Option<Geometry>>,
    /// The input's period.
    input_period: usize,
}

impl LatencyPlan {
    /// The hybrid geometry of each linear step: its input period is the
    /// largest period among the sources it reads, its rows the output
    /// width rounded up to a power of two.
    #[must_use]
    pub fn new(program: &Program) -> Self {
        let geometries = program
            .steps
            .iter()
            .map(|step| match step {
                Step::Linear { parts, bias, .. } => {
                    let inputs = parts.iter().map(|(_, m)| m.cols()).max().unwrap_or(1);
                    Some(Geometry::hybrid(inputs, bias.len(), Plan::Square))
                }
                Step::Product { .. } | Step::Bootstrap { .. } => None,
            })
            .collect();
        LatencyPlan {
            geometries,
            input_period: program.inputs().max(1).next_power_of_two(),
        }
    }

    /// The geometry of step `step`, or a typed error when it is no linear
    /// step.
    fn geometry(&self, step: usize) -> Result<Geometry> {
        self.geometries
            .get(step)
            .copied()
            .flatten()
            .ok_or(Error::LayerIndex {
                layer: step,
                layers: self.geometries.len(),
            })
    }

    /// The slots a ciphertext needs: the largest period of any step.
    #[must_use]
    pub fn min_slots(&self) -> usize {
        self.geometries
            .iter()
            .flatten()
            .map(|g| g.n)
            .fold(self.input_period, usize::max)
    }

    /// Every rotation step the program uses (the Galois keys to generate).
    #[must_use]
    pub fn rotations(&self) -> Vec<i64> {
        let mut r: Vec<i64> = self
            .geometries
            .iter()
            .flatten()
            .flat_map(Geometry::rotations)
            .collect();
        r.sort_unstable();
        r.dedup();
        r
    }

    /// Key switches per sample: rotations of all linear steps (`parts`
    /// baby-step sets each) plus one relinearization per product (a
    /// bootstrap's own are not counted).
    #[must_use]
    pub fn key_switches(&self, program: &Program) -> usize {
        program
            .steps
            .iter()
            .zip(&self.geometries)
            .map(|(step, geo)| match (step, geo) {
                (Step::Linear { parts, .. }, Some(g)) => g.rotation_count(parts.len()),
                (Step::Product { .. }, _) => 1,
                _ => 0,
            })
            .sum()
    }

    /// Diagonal plaintexts of all linear steps (an upper bound: all-zero
    /// diagonals are skipped).
    #[must_use]
    pub fn diagonals(&self, program: &Program) -> usize {
        program
            .steps
            .iter()
            .zip(&self.geometries)
            .map(|(step, geo)| match (step, geo) {
                (Step::Linear { parts, .. }, Some(g)) => parts.len() * g.rows,
                _ => 0,
            })
            .sum()
    }

    /// A sample's values as the slots of its ciphertext: repeated with the
    /// input's period across `slots` slots.
    pub fn layout(&self, x: &[f64], slots: usize) -> Result<Vec<f64>> {
        if slots < self.min_slots() {
            return Err(Error::TooMany {
                values: self.min_slots(),
                room: slots,
                unit: "slots for the latency packing",
            });
        }
        let p = self.input_period;
        Ok((0..slots)
            .map(|j| x.get(j % p).copied().unwrap_or(0.0))
            .collect())
    }
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

/// `M[r][c]` by binary search in row `r` (zero outside the map).
fn entry(m: &SparseMap, r: usize, c: usize) -> f64 {
    if r >= m.rows() || c >= m.cols() {
        return 0.0;
    }
    let row = m.row(r);
    row.binary_search_by_key(&(c as u32), |&(k, _)| k)
        .map_or(0.0, |i| row[i].1)
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
        let (parts, _) = self.linear(at.layer)?;
        let geo = self.plan.geometry(at.layer)?;
        let (_, m) = parts.get(at.part).ok_or(Error::LayerIndex {
            layer: at.part,
            layers: parts.len(),
        })?;
        self.diagonals
            .get_or_encode((at.layer, at.part), level, scale, || {
                encode_diagonals(ev, geo, at.coeff, scale, level, |r, c| entry(m, r, c))
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
        let pt = self.biases.get_or_encode(step, level, scale, || {
            let period: Vec<f64> = (0..rows)
                .map(|o| {
                    let Some(b) = bias.get(o) else { return 0.0 };
                    let row_sum: f64 = parts
                        .iter()
                        .flat_map(|(_, m)| m.row(o).iter().map(|&(_, w)| w))
                        .sum();
                    b + constant * row_sum
                })
                .collect();
            encode_repeated(ev, &period, scale, level)
        })?;
        Ok(Cow::Borrowed(pt))
    }
}

/// Evaluates the program on one sample's ciphertext (laid out by
/// [`LatencyPlan::layout`]); the logits are slots `0..outputs`. Needs the
/// rotation keys of [`LatencyPlan::rotations`] and the relinearization key,
/// and `refresh` for a program with bootstrap steps; sources are freed
/// after their last use.
pub fn evaluate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    gk: &GaloisKeys<u64>,
    rk: &RelinKey<u64>,
    refresh: &mut dyn Refresh<E>,
    weights: &mut ProgramWeights<'_>,
    input: Ct,
) -> Result<Ct> {
    let program = weights.program;
    let plan = weights.plan;
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
                linear::linear(ev, gk, plan.geometry(i)?, i, weights, xs, 0.0)?
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
