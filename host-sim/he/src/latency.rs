//! Latency packing: one sample per ciphertext. The input vector, zero-padded
//! to `n` (the next power of two above every layer width), is repeated
//! across all `N/2` slots, so a slot rotation is a cyclic rotation of the
//! vector. A dense layer is the diagonal method of Halevi and Shoup
//! ("Algorithms in HElib", CRYPTO 2014): `W·x = Σ_k diag_k(W) ⊙ rot(x, k)`,
//! `diag_k[j] = W[j][(j+k) mod n]`, evaluated baby-step giant-step with
//! `B·G = n`: `Σ_g rot(Σ_b rot(diag_{gB+b}, −gB) ⊙ rot(x, b), gB)`, which
//! needs `B − 1 + G − 1` rotations instead of `n − 1`. The diagonals are
//! periodic too, so the output comes out repeated across the slots, ready
//! for the next layer. Diagonal plaintexts are encoded once per session.

use super::layers::{activate, target_scale, Ct, Terms};
use super::session::Session;
use crate::error::{Error, Result};
use hearth_kernels::ckks::{Encryptor, Evaluator, Plaintext};
use hearth_kernels::ntt::NttEngine;
use hearth_nn::{Layer, Mlp};
use std::collections::HashMap;

/// The geometry of a latency-packed network.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Padded vector length (power of two).
    pub n: usize,
    /// Baby steps.
    pub baby: usize,
    /// Giant steps.
    pub giant: usize,
}

impl Geometry {
    /// The geometry for `mlp`.
    pub fn of(mlp: &Mlp) -> Self {
        let widest = mlp
            .layers
            .iter()
            .map(|l| l.inputs.max(l.outputs))
            .max()
            .unwrap_or(1);
        let n = widest.next_power_of_two();
        let log = n.trailing_zeros();
        let baby = 1usize << log.div_ceil(2);
        Geometry {
            n,
            baby,
            giant: n / baby,
        }
    }

    /// The rotation steps the evaluation uses (keys to generate).
    pub fn rotations(&self) -> Vec<i64> {
        let mut r: Vec<i64> = (1..self.baby as i64).collect();
        r.extend((1..self.giant).map(|g| (g * self.baby) as i64));
        r
    }
}

/// `pt[g][b]` per giant and baby step (`None`: an all-zero diagonal).
type Diagonals = Vec<Vec<Option<Plaintext<u64>>>>;

/// Encoded diagonals and biases, built on first use.
#[derive(Debug, Default)]
pub struct Cache {
    diagonals: HashMap<(usize, usize), (f64, Diagonals)>,
    biases: HashMap<usize, (f64, Plaintext<u64>)>,
}

/// Encrypts one standardised sample, repeated across the slots.
pub fn encrypt_sample<E: NttEngine<u64>>(
    sess: &mut Session,
    engine: &mut E,
    geo: Geometry,
    x: &[f64],
) -> Result<Ct> {
    let v: Vec<f64> = (0..sess.slots())
        .map(|j| x.get(j % geo.n).copied().unwrap_or(0.0))
        .collect();
    sess.encrypt(engine, &v)
}

/// Evaluates the network on one encrypted sample; logits are slots `0..out`.
pub fn evaluate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sess: &Session,
    mlp: &Mlp,
    geo: Geometry,
    cache: &mut Cache,
    input: Ct,
) -> Result<Ct> {
    let mut terms = Terms::input(vec![input]);
    let last = mlp.layers.len() - 1;
    for (i, layer) in mlp.layers.iter().enumerate() {
        let h = linear(ev, sess, geo, cache, i, layer, &mut terms)?;
        if i == last {
            return Ok(h);
        }
        terms = activate(ev, sess.relin()?, &mlp.activation, vec![h])?;
    }
    Err(Error::Invalid("the model has no layers".into()))
}

fn linear<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sess: &Session,
    geo: Geometry,
    cache: &mut Cache,
    index: usize,
    layer: &Layer,
    terms: &mut Terms,
) -> Result<Ct> {
    let level = terms.align(ev)?;
    let target = target_scale(ev, level);
    let mut giants: Vec<Option<Ct>> = vec![None; geo.giant];
    for (t, (c, cts)) in terms.parts.iter().enumerate() {
        let x = &cts[0];
        let pt_scale = target / x.scale();
        let key = (index, t);
        if cache
            .diagonals
            .get(&key)
            .is_none_or(|(s, _)| *s != pt_scale)
        {
            let d = encode_diagonals(ev, sess, geo, layer, *c, pt_scale, level)?;
            cache.diagonals.insert(key, (pt_scale, d));
        }
        let diags = &cache.diagonals[&key].1;
        let mut baby = vec![x.clone()];
        for b in 1..geo.baby {
            baby.push(ev.rotate(x, b as i64, &sess.gk)?);
        }
        for (g, row) in diags.iter().enumerate() {
            for (b, pt) in row.iter().enumerate() {
                let Some(pt) = pt else { continue };
                let p = ev.mul_plain(&baby[b], pt)?;
                giants[g] = Some(match giants[g].take() {
                    Some(a) => ev.add(&a, &p)?,
                    None => p,
                });
            }
        }
    }
    let mut acc: Option<Ct> = None;
    for (g, inner) in giants.into_iter().enumerate() {
        let Some(inner) = inner else { continue };
        let r = if g == 0 {
            inner
        } else {
            ev.rotate(&inner, (g * geo.baby) as i64, &sess.gk)?
        };
        acc = Some(match acc {
            Some(a) => ev.add(&a, &r)?,
            None => r,
        });
    }
    let acc = acc.ok_or_else(|| Error::Invalid(format!("layer {index} has only zero weights")))?;
    let y = ev.rescale(&acc)?;
    if cache
        .biases
        .get(&index)
        .is_none_or(|(s, _)| *s != y.scale())
    {
        let v: Vec<f64> = (0..sess.slots())
            .map(|j| {
                let o = j % geo.n;
                if o >= layer.outputs {
                    return 0.0;
                }
                let row_sum: f64 = (0..layer.inputs).map(|k| layer.w(o, k)).sum();
                layer.bias[o] + terms.constant * row_sum
            })
            .collect();
        let pt = Encryptor::new(ev.context()).encode_real(ev.engine(), &v, y.scale(), y.level())?;
        cache.biases.insert(index, (y.scale(), pt));
    }
    ev.add_plain(&y, &cache.biases[&index].1)
        .map_err(Error::Ckks)
}

/// `pt[g][b]` = `c·rot(diag_{gB+b}, −gB)` repeated over the slots, or `None` when zero.
fn encode_diagonals<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sess: &Session,
    geo: Geometry,
    layer: &Layer,
    c: f64,
    scale: f64,
    level: usize,
) -> Result<Diagonals> {
    let n = geo.n;
    let w = |r: usize, col: usize| {
        if r < layer.outputs && col < layer.inputs {
            layer.w(r, col)
        } else {
            0.0
        }
    };
    let ctx = ev.context();
    let mut out = Vec::with_capacity(geo.giant);
    for g in 0..geo.giant {
        let mut row = Vec::with_capacity(geo.baby);
        for b in 0..geo.baby {
            let (shift, k) = (g * geo.baby, g * geo.baby + b);
            let period: Vec<f64> = (0..n)
                .map(|j| {
                    let r = (j + n - shift % n) % n;
                    c * w(r, (r + k) % n)
                })
                .collect();
            if period.iter().all(|&v| v == 0.0) {
                row.push(None);
                continue;
            }
            let v: Vec<f64> = (0..sess.slots()).map(|j| period[j % n]).collect();
            let pt = Encryptor::new(ctx).encode_real(ev.engine(), &v, scale, level)?;
            row.push(Some(pt));
        }
        out.push(row);
    }
    Ok(out)
}
