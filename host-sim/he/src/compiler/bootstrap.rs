//! Bootstrapping placed by the compiler, for networks deeper than a chain.
//!
//! ## Placement
//! A bootstrapping preset leaves `L` *user levels* below its own (the
//! bootstrap's output level, [`hearth_kernels::ckks::boot::Bootstrapper::output_level`]):
//! fresh ciphertexts are encrypted there and every bootstrap returns there.
//! Each [`Step::Linear`] and [`Step::Product`] consumes one level of the
//! sources it reads, so it needs them at level ≥ 1. A placement walks the
//! steps in order, tracking every source's level, and refreshes a source
//! (a [`Step::Bootstrap`], after which later steps read the refreshed copy)
//! when a step is about to read it at level `≤ k`. With `k = 0` a refresh
//! comes as late as possible, which is optimal on a chain of steps but not
//! on a polynomial activation `c_0 + c_1·x + c_2·x²`: the next layer reads
//! `x` and `x²` one level apart, and refreshing `x²` alone leaves the layer's
//! output at level 0, to be refreshed again one step later, where refreshing
//! `x` once (`k = 1`) serves both. Which `k` fits depends on where the
//! levels run out, which differs between the first segment (from the
//! input) and the later ones (from a refresh), so [`Program::with_bootstraps`]
//! places with every pair (`k` before the first bootstrap, `k` after it),
//! `k < L`, and keeps the placement that bootstraps the fewest ciphertexts.
//! Every placement satisfies `levels_used ≤ L` everywhere
//! ([`Program::chain_depth`]).
//!
//! ## Scaling the refreshed values
//! A bootstrap's EvalMod approximates `x ↦ x` only for messages in about
//! `[−1, 1]` (Cheon, Han, Kim, Kim, Song, EUROCRYPT 2018, §4), and network
//! values are larger. Each bootstrap step carries a `range`: a power of two
//! at least the calibrated largest |value| of the source times a margin. A
//! CKKS ciphertext of scale `Δ` holding `m` holds `m/R` when its scale is
//! *read* as `R·Δ`, with no computation; the refresh bootstraps it so
//! (as long as `R·Δ` stays within the largest input scale the bootstrap
//! accepts; above it, that largest scale is taken, a slightly smaller `R`),
//! and divides the output's scale by the same `R`: the refreshed ciphertext
//! holds `m` again, its bootstrap error multiplied by `R`.

use super::{Program, Step};
use crate::error::{Error, Result};
use crate::layers::Ct;
use hearth_kernels::ckks::Evaluator;
use hearth_kernels::ntt::NttEngine;

/// What a [`Step::Bootstrap`] does to one ciphertext: a refresh to the top
/// user level.
pub trait Refresh<E: NttEngine<u64>> {
    /// `ct` refreshed, its values (of magnitude at most `range`, a power of
    /// two) unchanged up to the bootstrap's error.
    fn refresh(&mut self, ev: &mut Evaluator<'_, u64, E>, ct: &Ct, range: f64) -> Result<Ct>;

    /// Every ciphertext of `cts` (one source's, same level and scale)
    /// refreshed, in order: one [`Refresh::refresh`] each unless the
    /// refresh does several at once.
    fn refresh_all(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        cts: &[Ct],
        range: f64,
    ) -> Result<Vec<Ct>> {
        cts.iter().map(|x| self.refresh(ev, x, range)).collect()
    }
}

/// The refresh of a run without bootstrapping keys: refuses.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRefresh;

impl<E: NttEngine<u64>> Refresh<E> for NoRefresh {
    fn refresh(&mut self, _: &mut Evaluator<'_, u64, E>, _: &Ct, _: f64) -> Result<Ct> {
        Err(Error::NoBootstrapKeys)
    }
}

/// `range·margin` rounded up to a power of two (at least 1).
fn bootstrap_range(range: f64, margin: f64) -> f64 {
    let r = (range * margin).max(1.0);
    2f64.powi(r.log2().ceil() as i32)
}

impl Program {
    /// The program with [`Step::Bootstrap`]s placed so that no source is
    /// read with no level left, for ciphertexts that start (and are
    /// refreshed) at level `user_levels`: the placement, over every pair of
    /// thresholds, that bootstraps the fewest ciphertexts (see the module
    /// docs); each bootstrap's range from the largest |value| its source
    /// reaches on `calibration`, times `margin`. Same values
    /// ([`Program::trace`]) as `self`.
    ///
    /// Errors with [`Error::DepthExceeded`] when `user_levels` is 0 (no
    /// step could ever run).
    pub fn with_bootstraps(
        &self,
        user_levels: usize,
        calibration: &[Vec<f64>],
        margin: f64,
    ) -> Result<Program> {
        if user_levels == 0 {
            return Err(Error::DepthExceeded {
                needed: 1,
                available: 0,
            });
        }
        let ranges: Vec<f64> = self
            .source_ranges(calibration)
            .into_iter()
            .map(|r| bootstrap_range(r, margin))
            .collect();
        (0..user_levels)
            .flat_map(|first| (0..user_levels).map(move |rest| (first, rest)))
            .map(|thresholds| self.place(user_levels, thresholds, &ranges))
            .min_by_key(|p| {
                let (steps, ciphertexts) = p.bootstraps();
                (ciphertexts, steps)
            })
            .ok_or(Error::NoLayers)
    }

    /// One placement: a source is refreshed when a step is about to read
    /// it at level `≤ k`, `k` the first of `thresholds` until a bootstrap
    /// is placed and the second after; `ranges` per source of `self`.
    fn place(&self, user_levels: usize, thresholds: (usize, usize), ranges: &[f64]) -> Program {
        // The newest copy of each of `self`'s sources, and every new
        // source's level.
        let mut current: Vec<usize> = (0..self.widths.len()).collect();
        let mut widths = vec![self.widths[0]];
        let mut grids = vec![self.grids[0]];
        let mut level = vec![user_levels];
        let mut steps = Vec::with_capacity(self.steps.len());
        let mut placed = false;
        for step in &self.steps {
            let refreshes = !matches!(step, Step::Bootstrap { .. });
            for s in step.reads() {
                let threshold = if placed { thresholds.1 } else { thresholds.0 };
                if refreshes && level[current[s]] <= threshold {
                    placed = true;
                    let out = widths.len();
                    steps.push(Step::Bootstrap {
                        source: current[s],
                        range: ranges[s],
                        out,
                    });
                    widths.push(self.widths[s]);
                    grids.push(self.grids[s]);
                    level.push(user_levels);
                    current[s] = out;
                }
            }
            let out = widths.len();
            let renamed = remap(step, &current, out);
            let lowest = renamed.reads().iter().map(|&r| level[r]).min();
            level.push(match renamed {
                Step::Bootstrap { .. } => user_levels,
                _ => lowest.unwrap_or(user_levels).saturating_sub(1),
            });
            widths.push(self.widths[step.out()]);
            grids.push(self.grids[step.out()]);
            current[step.out()] = out;
            steps.push(renamed);
        }
        Program {
            widths,
            grids,
            steps,
            output: current[self.output],
        }
    }
}

/// `step` reading the newest copies `current` of its sources and defining
/// source `out`.
fn remap(step: &Step, current: &[usize], out: usize) -> Step {
    match step {
        Step::Linear { parts, bias, .. } => Step::Linear {
            parts: parts
                .iter()
                .map(|(s, m)| (current[*s], m.clone()))
                .collect(),
            bias: bias.clone(),
            out,
        },
        Step::Product { left, right, .. } => Step::Product {
            left: current[*left],
            right: current[*right],
            out,
        },
        Step::Bootstrap { source, range, .. } => Step::Bootstrap {
            source: current[*source],
            range: *range,
            out,
        },
    }
}
