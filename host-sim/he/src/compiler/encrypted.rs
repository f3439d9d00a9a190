//! A [`Program`] evaluated on ciphertexts in the throughput packing, with
//! the relinearization key alone (what a server holding no secret key runs)
//! and, for a program with bootstrap steps, a [`Refresh`].

use super::{Program, Refresh, Step};
use crate::error::{Error, Result};
use crate::layers::{target_scale, Ct};
use hearth_kernels::ckks::{Evaluator, RelinKey};
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
    let mut sources: Vec<Vec<Ct>> = vec![Vec::new(); program.widths.len()];
    sources[0] = inputs;
    for (i, step) in program.steps().iter().enumerate() {
        let y = match step {
            Step::Linear { parts, bias, .. } => linear(ev, &sources, parts, bias)?,
            Step::Product { left, right, .. } => {
                let (a, b) = (&sources[*left], &sources[*right]);
                a.iter()
                    .zip(b)
                    .map(|(x, z)| product(ev, rk, x, z, left == right))
                    .collect::<Result<Vec<_>>>()?
            }
            Step::Bootstrap { source, range, .. } => sources[*source]
                .iter()
                .map(|x| refresh.refresh(ev, x, *range))
                .collect::<Result<Vec<_>>>()?,
        };
        sources[step.out()] = y;
        for (s, l) in last.iter().enumerate() {
            if *l == Some(i) {
                sources[s] = Vec::new();
            }
        }
    }
    Ok(std::mem::take(&mut sources[program.output()]))
}

/// `x·z` relinearized and rescaled, at the lower of their levels (`x²`
/// when `square`).
pub(super) fn product<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    x: &Ct,
    z: &Ct,
    square: bool,
) -> Result<Ct> {
    let p = if square {
        ev.square_relin(x, rk)?
    } else {
        let level = x.level().min(z.level());
        let x = ev.drop_to_level(x, level)?;
        let z = ev.drop_to_level(z, level)?;
        ev.multiply_relin(&x, &z, rk)?
    };
    Ok(ev.rescale(&p)?)
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
    // The parts' inputs in one list; part `p`'s column `k` is `offsets[p] + k`.
    let xs: Vec<&Ct> = aligned.iter().flatten().map(|c| &**c).collect();
    let offsets: Vec<usize> = aligned
        .iter()
        .scan(0, |at, xs| {
            let start = *at;
            *at += xs.len();
            Some(start)
        })
        .collect();
    let rows: Vec<Vec<(usize, f64)>> = (0..bias.len())
        .map(|o| {
            parts
                .iter()
                .zip(&offsets)
                .flat_map(|((_, m), &at)| m.row(o).iter().map(move |&(k, w)| (at + k as usize, w)))
                .collect()
        })
        .collect();
    let sums = ev.mul_const_sums(&xs, &rows, target)?;
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
