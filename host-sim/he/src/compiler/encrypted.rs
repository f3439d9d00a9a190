//! A [`Program`] evaluated on ciphertexts in the throughput packing, with
//! the relinearization key alone (what a server holding no secret key runs)
//! and, for a program with bootstrap steps, a [`Refresh`].
//!
//! Products read only by linear steps stay unrelinearized and unrescaled:
//! the linear step sums the degree-two ciphertexts part by part at the
//! products' level, with constants encoded so that the sums land on
//! `Δ·q_l·q_{l−1}` ([`Evaluator::mul_const_sums_unrelinearized`]), then
//! relinearizes each output once and rescales it twice. A square layer of
//! 256 values followed by a dense layer of 64 outputs costs 64 key
//! switches instead of 256, and the same two rescales per path from
//! product to output as relinearizing every product. Rescaling happens
//! after relinearization, so its rounding error stays `e_0 + e_1·s` (a
//! rescaled degree-two ciphertext would carry `e_2·s²`, and the layer's
//! weights would multiply it).

use super::schedule::{Region, Role, Schedule};
use super::{Program, Refresh, SparseMap, Step};
use crate::error::{Error, Result};
use crate::layers::{target_scale, Ct};
use hearth_kernels::ckks::{CkksError, Evaluator, RelinKey, Unrelinearized};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// Evaluates `program` on `inputs` (one ciphertext per input value, each
/// holding a batch across its slots) in the order of
/// [`Schedule::new`]; returns one ciphertext per logit.
pub fn evaluate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    refresh: &mut dyn Refresh<E>,
    program: &Program,
    inputs: Vec<Ct>,
) -> Result<Vec<Ct>> {
    evaluate_scheduled(ev, rk, refresh, program, &Schedule::new(program), inputs)
}

/// [`evaluate`] in the order of `schedule`: steps alone in program order,
/// each region a slice at a time at its sum step (bit for bit the same
/// ciphertexts whatever the schedule). Sources are freed after their last
/// use; a bootstrap step refreshes each ciphertext of its source with
/// `refresh`.
pub fn evaluate_scheduled<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    refresh: &mut dyn Refresh<E>,
    program: &Program,
    schedule: &Schedule,
    inputs: Vec<Ct>,
) -> Result<Vec<Ct>> {
    if inputs.len() != program.inputs() {
        return Err(Error::TooMany {
            values: inputs.len(),
            room: program.inputs(),
            unit: "inputs of the network",
        });
    }
    if !schedule.fits(program) {
        return Err(Error::Session(
            "the evaluation order was made for another program",
        ));
    }
    let last = schedule.last_uses(program);
    let lazy = unrelinearized_sources(program);
    let mut sources: Vec<Vec<Ct>> = vec![Vec::new(); program.widths.len()];
    // The sources kept unrelinearized (`lazy`), in place of `sources`.
    let mut pending: Vec<Vec<Unrelinearized<u64>>> = vec![Vec::new(); program.widths.len()];
    sources[0] = inputs;
    for (i, step) in program.steps().iter().enumerate() {
        match (schedule.role(i), step) {
            (Role::Member(_), _) => continue,
            (Role::Sum(r), _) => {
                let region = &schedule.regions()[r];
                sources[step.out()] = sliced(ev, rk, program, region, &sources, &lazy)?;
            }
            (Role::Alone, Step::Linear { parts, bias, out }) => {
                let all = 0..bias.len();
                sources[*out] = if parts.iter().all(|(s, _)| lazy[*s]) {
                    let xs: Vec<&[Unrelinearized<u64>]> =
                        parts.iter().map(|(s, _)| pending[*s].as_slice()).collect();
                    let rows = rows(parts, &all_cols(&xs), all, true);
                    let sums = sum_unrelinearized(ev, &xs, &rows, None)?;
                    finish_unrelinearized(ev, rk, sums, bias)?
                } else {
                    let xs: Vec<&[Ct]> =
                        parts.iter().map(|(s, _)| sources[*s].as_slice()).collect();
                    linear(ev, &xs, &rows(parts, &all_cols(&xs), all, true), bias)?
                };
            }
            (Role::Alone, Step::Product { left, right, out }) => {
                let (a, b) = (&sources[*left], &sources[*right]);
                if lazy[*out] {
                    pending[*out] = products_unrelinearized(ev, a, b)?;
                } else {
                    sources[*out] = products(ev, rk, a, b)?;
                }
            }
            (Role::Alone, Step::Bootstrap { source, range, out }) => {
                sources[*out] = refresh.refresh_all(ev, &sources[*source], *range)?;
            }
        }
        for (s, l) in last.iter().enumerate() {
            if *l == Some(i) {
                sources[s] = Vec::new();
                pending[s] = Vec::new();
            }
        }
    }
    Ok(std::mem::take(&mut sources[program.output()]))
}

/// A region evaluated a slice of `region.chunk` indices at a time: the
/// members' values of the slice, summed into the sum step's outputs
/// ([`Evaluator::mul_const_sums_into`]) and dropped; then each output
/// finished as the step alone finishes it.
fn sliced<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    program: &Program,
    region: &Region,
    sources: &[Vec<Ct>],
    lazy: &[bool],
) -> Result<Vec<Ct>> {
    let steps = program.steps();
    let Step::Linear { parts, bias, .. } = &steps[region.sum] else {
        return Err(Error::Session(
            "a region is summed by a step that is not linear",
        ));
    };
    let lazy_sum = parts.iter().all(|(s, _)| lazy[*s]);
    let mut sums: Vec<Option<Ct>> = vec![None; bias.len()];
    let mut sums_unrelinearized: Vec<Option<Unrelinearized<u64>>> = vec![None; bias.len()];
    // The sources the members define; the level of the sums (the lowest
    // of all the step's inputs, found with the first slice).
    let made: Vec<usize> = region.members.iter().map(|&m| steps[m].out()).collect();
    let mut level = None;
    for lo in (0..region.width).step_by(region.chunk.max(1)) {
        let cols = lo..(lo + region.chunk).min(region.width);
        // The members' values of this slice, by source.
        let mut cts: HashMap<usize, Vec<Ct>> = HashMap::new();
        let mut unrelinearized: HashMap<usize, Vec<Unrelinearized<u64>>> = HashMap::new();
        for &m in &region.members {
            let slice = |s: usize| -> &[Ct] {
                cts.get(&s)
                    .map_or_else(|| &sources[s][cols.clone()], Vec::as_slice)
            };
            match &steps[m] {
                Step::Linear {
                    parts: inner,
                    bias: inner_bias,
                    out,
                } => {
                    let xs: Vec<&[Ct]> =
                        inner.iter().map(|(s, _)| sources[*s].as_slice()).collect();
                    let rows = rows(inner, &all_cols(&xs), cols.clone(), true);
                    let values = linear(ev, &xs, &rows, &inner_bias[cols.clone()])?;
                    cts.insert(*out, values);
                }
                Step::Product { left, right, out } => {
                    let (a, b) = (slice(*left), slice(*right));
                    if lazy[*out] {
                        let values = products_unrelinearized(ev, a, b)?;
                        unrelinearized.insert(*out, values);
                    } else {
                        let values = products(ev, rk, a, b)?;
                        cts.insert(*out, values);
                    }
                }
                Step::Bootstrap { .. } => {
                    return Err(Error::Session("a region holds a bootstrap step"));
                }
            }
        }
        // The members' values are summed over this slice's columns, the
        // step's other inputs whole with the first slice.
        let first = lo == 0;
        let part_cols: Vec<Range<usize>> = parts
            .iter()
            .map(|(s, _)| match (made.contains(s), first) {
                (true, _) => cols.clone(),
                (false, true) => 0..program.width(*s),
                (false, false) => 0..0,
            })
            .collect();
        let rows = rows(parts, &part_cols, 0..bias.len(), first);
        if lazy_sum {
            let xs: Vec<&[Unrelinearized<u64>]> = parts
                .iter()
                .map(|(s, _)| unrelinearized.get(s).map_or(&[][..], Vec::as_slice))
                .collect();
            sums_unrelinearized = sum_unrelinearized(ev, &xs, &rows, Some(sums_unrelinearized))?;
        } else {
            let xs: Vec<&[Ct]> = parts
                .iter()
                .zip(&part_cols)
                .map(|((s, _), c)| {
                    cts.get(s)
                        .map_or_else(|| &sources[*s][c.clone()], Vec::as_slice)
                })
                .collect();
            let (at, into) = sum_aligned(ev, &xs, &rows, Some(sums), level)?;
            (level, sums) = (Some(at), into);
        }
    }
    if lazy_sum {
        finish_unrelinearized(ev, rk, sums_unrelinearized, bias)
    } else {
        finish(ev, sums, bias, level.ok_or(Error::NoLayers)?)
    }
}

/// Which sources are kept unrelinearized: those a product step defines
/// that only linear steps of one part read (a sum of two sources, whose
/// levels may differ, relinearizes both; the output is always
/// relinearized).
pub(super) fn unrelinearized_sources(program: &Program) -> Vec<bool> {
    let mut lazy = vec![false; program.widths.len()];
    for step in program.steps() {
        if let Step::Product { out, .. } = step {
            lazy[*out] = *out != program.output();
        }
    }
    for step in program.steps() {
        let reads = step.reads();
        if !matches!(step, Step::Linear { .. }) || reads.len() > 1 {
            for s in reads {
                lazy[s] = false;
            }
        }
    }
    lazy
}

/// `x·z` relinearized and rescaled, at the lower of their levels.
pub(super) fn product<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    x: &Ct,
    z: &Ct,
) -> Result<Ct> {
    let p = product_unrelinearized(ev, x, z)?;
    let p = ev.relinearize(p, rk)?;
    Ok(ev.rescale(&p)?)
}

/// [`product`] element by element.
fn products<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    a: &[Ct],
    b: &[Ct],
) -> Result<Vec<Ct>> {
    a.iter()
        .zip(b)
        .map(|(x, z)| product(ev, rk, x, z))
        .collect()
}

/// [`product_unrelinearized`] element by element.
fn products_unrelinearized<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    a: &[Ct],
    b: &[Ct],
) -> Result<Vec<Unrelinearized<u64>>> {
    a.iter()
        .zip(b)
        .map(|(x, z)| product_unrelinearized(ev, x, z))
        .collect()
}

/// `x·z` of degree two, at the lower of their levels, not rescaled.
fn product_unrelinearized<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    x: &Ct,
    z: &Ct,
) -> Result<Unrelinearized<u64>> {
    let level = x.level().min(z.level());
    let at_level = |c: &Ct| -> Result<Ct> { Ok(ev.drop_to_level(c, level)?) };
    let (x, z) = match (x.level() == level, z.level() == level) {
        (true, true) => return Ok(ev.multiply_unrelinearized(x, z)?),
        (true, false) => (Cow::Borrowed(x), Cow::Owned(at_level(z)?)),
        (false, _) => (Cow::Owned(at_level(x)?), Cow::Borrowed(z)),
    };
    Ok(ev.multiply_unrelinearized(&x, &z)?)
}

/// Rows `outputs` of a linear step over its parts' inputs listed one part
/// after another, part `p` the inputs `cols[p]` of its source renumbered
/// from the range's start: row `o` holds `(input index, weight)` for every
/// non-zero of output `o` in those columns. With `pad`, a row with no term
/// in any column of the step gets the term `(0, 0.0)`, so that its sum is
/// the zero ciphertext at the level and scale of the others, to which the
/// bias is added.
fn rows(
    parts: &[(usize, SparseMap)],
    cols: &[Range<usize>],
    outputs: Range<usize>,
    pad: bool,
) -> Vec<Vec<(usize, f64)>> {
    let offsets: Vec<usize> = cols
        .iter()
        .scan(0, |at, c| {
            let start = *at;
            *at += c.len();
            Some(start)
        })
        .collect();
    outputs
        .map(|o| {
            let mut row: Vec<(usize, f64)> = Vec::new();
            let mut empty = true;
            for (((_, m), c), &at) in parts.iter().zip(cols).zip(&offsets) {
                let entries = m.row(o);
                empty &= entries.is_empty();
                let from = entries.partition_point(|&(k, _)| (k as usize) < c.start);
                let to = entries.partition_point(|&(k, _)| (k as usize) < c.end);
                row.extend(
                    entries[from..to]
                        .iter()
                        .map(|&(k, w)| (at + k as usize - c.start, w)),
                );
            }
            if empty && pad {
                row.push((0, 0.0));
            }
            row
        })
        .collect()
}

/// Every column of each part's inputs.
fn all_cols<T>(xs: &[&[T]]) -> Vec<Range<usize>> {
    xs.iter().map(|x| 0..x.len()).collect()
}

/// `Σ_t M_t·source_t + bias` at the lowest level of the inputs (`xs[p]`:
/// part `p`'s), every product landing on the scale `Δ·q_l` (all outputs
/// in one fused multiply–accumulate pass over the inputs,
/// [`Evaluator::mul_const_sums`]), then one rescale per output.
fn linear<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    xs: &[&[Ct]],
    rows: &[Vec<(usize, f64)>],
    bias: &[f64],
) -> Result<Vec<Ct>> {
    let (level, sums) = sum_aligned(ev, xs, rows, None, None)?;
    finish(ev, sums, bias, level)
}

/// The sums of `rows` over the inputs `xs` (part by part) brought to
/// `level` (their lowest when `None`), added into `into` when given; with
/// that level.
fn sum_aligned<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    xs: &[&[Ct]],
    rows: &[Vec<(usize, f64)>],
    into: Option<Vec<Option<Ct>>>,
    level: Option<usize>,
) -> Result<(usize, Vec<Option<Ct>>)> {
    let lowest = xs.iter().flat_map(|x| x.iter().map(Ct::level)).min();
    let level = level.or(lowest).ok_or(Error::NoLayers)?;
    let aligned: Vec<Cow<'_, Ct>> = xs
        .iter()
        .flat_map(|x| x.iter())
        .map(|c| {
            if c.level() > level {
                ev.drop_to_level(c, level).map(Cow::Owned)
            } else {
                Ok(Cow::Borrowed(c))
            }
        })
        .collect::<std::result::Result<_, _>>()?;
    let flat: Vec<&Ct> = aligned.iter().map(|c| &**c).collect();
    let mut sums = into.unwrap_or_else(|| vec![None; rows.len()]);
    ev.mul_const_sums_into(&flat, rows, target_scale(ev, level), &mut sums)?;
    Ok((level, sums))
}

/// Each sum (on `Δ·q_level`) rescaled, plus its bias.
fn finish<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sums: Vec<Option<Ct>>,
    bias: &[f64],
    level: usize,
) -> Result<Vec<Ct>> {
    debug_assert!(sums.iter().flatten().all(|s| s.level() == level));
    sums.into_iter()
        .zip(bias)
        .map(|(sum, b)| {
            let y = ev.rescale(&sum.ok_or(Error::NoLayers)?)?;
            Ok(ev.add_const(&y, *b)?)
        })
        .collect()
}

/// The sums of `rows` over unrelinearized, unrescaled products (`xs[p]`:
/// part `p`'s source), which share one level `l`, on the scale
/// `Δ·q_l·q_{l−1}` (module docs); added into `into` when given.
fn sum_unrelinearized<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    xs: &[&[Unrelinearized<u64>]],
    rows: &[Vec<(usize, f64)>],
    into: Option<Vec<Option<Unrelinearized<u64>>>>,
) -> Result<Vec<Option<Unrelinearized<u64>>>> {
    let level = xs
        .iter()
        .flat_map(|x| x.iter())
        .map(|x| x.level())
        .min()
        .ok_or(Error::NoLayers)?;
    if let Some(x) = xs
        .iter()
        .flat_map(|x| x.iter())
        .find(|x| x.level() != level)
    {
        return Err(CkksError::LevelMismatch {
            left: level,
            right: x.level(),
        }
        .into());
    }
    let below = level.checked_sub(1).ok_or(CkksError::LevelExhausted)?;
    let target = target_scale(ev, level) * ev.context().ring().modulus(below).value() as f64;
    let flat: Vec<&Unrelinearized<u64>> = xs.iter().flat_map(|x| x.iter()).collect();
    let mut sums = into.unwrap_or_else(|| vec![None; rows.len()]);
    ev.mul_const_sums_unrelinearized_into(&flat, rows, target, &mut sums)?;
    Ok(sums)
}

/// Each unrelinearized sum relinearized once, rescaled twice, plus its
/// bias.
fn finish_unrelinearized<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    sums: Vec<Option<Unrelinearized<u64>>>,
    bias: &[f64],
) -> Result<Vec<Ct>> {
    sums.into_iter()
        .zip(bias)
        .map(|(sum, b)| {
            let y = ev.relinearize(sum.ok_or(Error::NoLayers)?, rk)?;
            let y = ev.rescale(&y)?;
            let y = ev.rescale(&y)?;
            Ok(ev.add_const(&y, *b)?)
        })
        .collect()
}
