//! Throughput packing: sample `j` of a batch sits in slot `j` of every
//! ciphertext; feature `k` of the whole batch is one ciphertext. A dense layer
//! is then, per output neuron, `Σ_k W[o][k]·x_k` with plaintext constants —
//! no rotations at all (the layout of CryptoNets, Gilad-Bachrach et al.,
//! ICML 2016). One batch holds `N/2` samples.

use super::layers::{activate, target_scale, Ct, Terms};
use super::session::Session;
use crate::error::{Error, Result};
use hearth_kernels::ckks::{Evaluator, RelinKey, SeededCiphertext};
use hearth_kernels::ntt::NttEngine;
use hearth_nn::{Layer, Mlp};

/// Encrypts a batch (≤ N/2 standardised rows): one ciphertext per feature.
pub fn encrypt_batch<E: NttEngine<u64>>(
    sess: &mut Session,
    engine: &mut E,
    rows: &[Vec<f64>],
    features: usize,
) -> Result<Vec<Ct>> {
    columns(sess, rows, features)?
        .iter()
        .map(|col| sess.encrypt(engine, col))
        .collect()
}

/// [`encrypt_batch`] in the compact form a client uploads
/// ([`Session::encrypt_seeded`]).
pub fn encrypt_batch_seeded<E: NttEngine<u64>>(
    sess: &mut Session,
    engine: &mut E,
    rows: &[Vec<f64>],
    features: usize,
) -> Result<Vec<SeededCiphertext<u64>>> {
    columns(sess, rows, features)?
        .iter()
        .map(|col| sess.encrypt_seeded(engine, col))
        .collect()
}

/// Feature `k` of every row, per feature: the slots of its ciphertext.
fn columns(sess: &Session, rows: &[Vec<f64>], features: usize) -> Result<Vec<Vec<f64>>> {
    if rows.len() > sess.slots() {
        return Err(Error::TooMany {
            values: rows.len(),
            room: sess.slots(),
            unit: "slots of one ciphertext",
        });
    }
    Ok((0..features)
        .map(|k| rows.iter().map(|r| r[k]).collect())
        .collect())
}

/// Evaluates the network on encrypted features; returns one ciphertext per logit.
pub fn evaluate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sess: &Session,
    mlp: &Mlp,
    inputs: Vec<Ct>,
) -> Result<Vec<Ct>> {
    evaluate_with(ev, sess.relin()?, mlp, inputs)
}

/// [`evaluate`] with the relinearization key alone: what a server that
/// holds no secret key runs.
pub fn evaluate_with<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    mlp: &Mlp,
    inputs: Vec<Ct>,
) -> Result<Vec<Ct>> {
    let mut terms = Terms::input(inputs);
    let last = mlp.layers.len().checked_sub(1).ok_or(Error::NoLayers)?;
    for (i, layer) in mlp.layers.iter().enumerate() {
        let h = linear(ev, i, layer, &mut terms)?;
        if i == last {
            return Ok(h);
        }
        terms = activate(ev, rk, &mlp.activation, h)?;
    }
    Err(Error::NoLayers)
}

fn linear<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    index: usize,
    layer: &Layer,
    terms: &mut Terms,
) -> Result<Vec<Ct>> {
    let level = terms.align(ev)?;
    let target = target_scale(ev, level);
    let mut out = Vec::with_capacity(layer.outputs);
    for o in 0..layer.outputs {
        let mut acc: Option<Ct> = None;
        for (c, cts) in &terms.parts {
            for (k, x) in cts.iter().enumerate() {
                let w = layer.w(o, k) * c;
                let p = ev.mul_const(x, w, target / x.scale())?;
                acc = Some(match acc {
                    Some(a) => ev.add(&a, &p)?,
                    None => p,
                });
            }
        }
        let acc = acc.ok_or(Error::EmptyLayer { layer: index })?;
        let y = ev.rescale(&acc)?;
        let row_sum: f64 = (0..layer.inputs).map(|k| layer.w(o, k)).sum();
        out.push(ev.add_const(&y, layer.bias[o] + terms.constant * row_sum)?);
    }
    Ok(out)
}
