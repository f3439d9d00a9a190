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

use super::{Program, Refresh, Step};
use crate::error::{Error, Result};
use crate::layers::{target_scale, Ct};
use hearth_kernels::ckks::{CkksError, Evaluator, RelinKey, Unrelinearized};
use hearth_kernels::ntt::NttEngine;
use std::borrow::Cow;

/// Evaluates `program` on `inputs` (one ciphertext per input value, each
/// holding a batch across its slots); returns one ciphertext per logit.
/// Sources are freed after their last use; a bootstrap step refreshes each
/// ciphertext of its source with `refresh`.
pub fn evaluate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    refresh: &mut dyn Refresh<E>,
    program: &Program,
    inputs: Vec<Ct>,
) -> Result<Vec<Ct>> {
    if inputs.len() != program.inputs() {
        return Err(Error::TooMany {
            values: inputs.len(),
            room: program.inputs(),
            unit: "inputs of the network",
        });
    }
    let last = program.last_uses();
    let lazy = unrelinearized_sources(program);
    let mut sources: Vec<Vec<Ct>> = vec![Vec::new(); program.widths.len()];
    // The sources kept unrelinearized (`lazy`), in place of `sources`.
    let mut pending: Vec<Vec<Unrelinearized<u64>>> = vec![Vec::new(); program.widths.len()];
    sources[0] = inputs;
    for (i, step) in program.steps().iter().enumerate() {
        match step {
            Step::Linear { parts, bias, out } => {
                sources[*out] = if parts.iter().all(|(s, _)| lazy[*s]) {
                    let xs: Vec<Vec<&Unrelinearized<u64>>> = parts
                        .iter()
                        .map(|(s, _)| pending[*s].iter().collect())
                        .collect();
                    linear_unrelinearized(ev, rk, &xs, parts, bias)?
                } else {
                    linear(ev, &sources, parts, bias)?
                };
            }
            Step::Product { left, right, out } => {
                let (a, b) = (&sources[*left], &sources[*right]);
                if lazy[*out] {
                    pending[*out] = a
                        .iter()
                        .zip(b)
                        .map(|(x, z)| product_unrelinearized(ev, x, z))
                        .collect::<Result<Vec<_>>>()?;
                } else {
                    sources[*out] = a
                        .iter()
                        .zip(b)
                        .map(|(x, z)| product(ev, rk, x, z))
                        .collect::<Result<Vec<_>>>()?;
                }
            }
            Step::Bootstrap { source, range, out } => {
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

/// The rows of a linear step over its parts' inputs listed one part after
/// another (`widths[p]` inputs for part `p`): row `o` holds
/// `(input index, weight)` for every non-zero of output `o`.
fn rows(
    parts: &[(usize, super::SparseMap)],
    widths: &[usize],
    outputs: usize,
) -> Vec<Vec<(usize, f64)>> {
    let offsets: Vec<usize> = widths
        .iter()
        .scan(0, |at, w| {
            let start = *at;
            *at += w;
            Some(start)
        })
        .collect();
    (0..outputs)
        .map(|o| {
            parts
                .iter()
                .zip(&offsets)
                .flat_map(|((_, m), &at)| m.row(o).iter().map(move |&(k, w)| (at + k as usize, w)))
                .collect()
        })
        .collect()
}

/// `Σ_t M_t·source_t + bias` at the lowest level of the sources read, every
/// product landing on the scale `Δ·q_l` (all outputs in one fused
/// multiply–accumulate pass over the inputs, [`Evaluator::mul_const_sums`]),
/// then one rescale per output.
fn linear<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sources: &[Vec<Ct>],
    parts: &[(usize, super::SparseMap)],
    bias: &[f64],
) -> Result<Vec<Ct>> {
    let level = parts
        .iter()
        .flat_map(|(s, _)| sources[*s].iter().map(Ct::level))
        .min()
        .ok_or(Error::NoLayers)?;
    let aligned: Vec<Vec<Cow<'_, Ct>>> = parts
        .iter()
        .map(|(s, _)| {
            sources[*s]
                .iter()
                .map(|c| {
                    if c.level() > level {
                        ev.drop_to_level(c, level).map(Cow::Owned)
                    } else {
                        Ok(Cow::Borrowed(c))
                    }
                })
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .collect::<std::result::Result<_, _>>()?;
    let target = target_scale(ev, level);
    let xs: Vec<&Ct> = aligned.iter().flatten().map(|c| &**c).collect();
    let widths: Vec<usize> = aligned.iter().map(Vec::len).collect();
    let sums = ev.mul_const_sums(&xs, &rows(parts, &widths, bias.len()), target)?;
    let mut out = Vec::with_capacity(bias.len());
    for (sum, b) in sums.into_iter().zip(bias) {
        let acc = match sum {
            Some(acc) => acc,
            // A row of zeros: the output is the bias alone, carried by a
            // ciphertext of zero at the same level and scale.
            None => {
                let x = xs.first().ok_or(Error::NoLayers)?;
                ev.mul_const(x, 0.0, target / x.scale())?
            }
        };
        let y = ev.rescale(&acc)?;
        out.push(ev.add_const(&y, *b)?);
    }
    Ok(out)
}

/// [`linear`] of unrelinearized, unrescaled products (`xs[p]`: part `p`'s
/// source), which share one level `l`: the sums stay of degree two, on the
/// scale `Δ·q_l·q_{l−1}`, and each output is relinearized once, then
/// rescaled twice (module docs). A row of zeros is summed as the first
/// input times zero (its relinearization is the zero ciphertext).
fn linear_unrelinearized<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    xs: &[Vec<&Unrelinearized<u64>>],
    parts: &[(usize, super::SparseMap)],
    bias: &[f64],
) -> Result<Vec<Ct>> {
    let level = xs
        .iter()
        .flatten()
        .map(|x| x.level())
        .min()
        .ok_or(Error::NoLayers)?;
    if let Some(x) = xs.iter().flatten().find(|x| x.level() != level) {
        return Err(CkksError::LevelMismatch {
            left: level,
            right: x.level(),
        }
        .into());
    }
    let below = level.checked_sub(1).ok_or(CkksError::LevelExhausted)?;
    let target = target_scale(ev, level) * ev.context().ring().modulus(below).value() as f64;
    let widths: Vec<usize> = xs.iter().map(Vec::len).collect();
    let mut rows = rows(parts, &widths, bias.len());
    for row in rows.iter_mut().filter(|r| r.is_empty()) {
        row.push((0, 0.0));
    }
    let flat: Vec<&Unrelinearized<u64>> = xs.iter().flatten().copied().collect();
    let sums = ev.mul_const_sums_unrelinearized(&flat, &rows, target)?;
    let mut out = Vec::with_capacity(bias.len());
    for (sum, b) in sums.into_iter().zip(bias) {
        let acc = sum.ok_or(Error::NoLayers)?;
        let y = ev.relinearize(acc, rk)?;
        let y = ev.rescale(&y)?;
        let y = ev.rescale(&y)?;
        out.push(ev.add_const(&y, *b)?);
    }
    Ok(out)
}
