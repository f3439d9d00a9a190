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

/// One dense layer: per output neuron `Σ_k W[o][k]·x_k` over every term,
/// all outputs in one pass ([`Evaluator::mul_const_sums`], bit for bit the
/// products and sums term by term), rescaled, plus the bias.
fn linear<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    index: usize,
    layer: &Layer,
    terms: &mut Terms,
) -> Result<Vec<Ct>> {
    let level = terms.align(ev)?;
    let target = target_scale(ev, level);
    // Every term's ciphertexts in order, each with its input index and its
    // part's coefficient.
    let (xs, inputs): (Vec<&Ct>, Vec<(usize, f64)>) = terms
        .parts
        .iter()
        .flat_map(|(c, cts)| cts.iter().enumerate().map(move |(k, x)| (x, (k, *c))))
        .unzip();
    let rows: Vec<Vec<(usize, f64)>> = (0..layer.outputs)
        .map(|o| {
            inputs
                .iter()
                .enumerate()
                .map(|(i, &(k, c))| (i, layer.w(o, k) * c))
                .collect()
        })
        .collect();
    let sums = ev.mul_const_sums(&xs, &rows, target)?;
    let mut out = Vec::with_capacity(layer.outputs);
    for (o, acc) in sums.into_iter().enumerate() {
        let acc = acc.ok_or(Error::EmptyLayer { layer: index })?;
        let y = ev.rescale(&acc)?;
        let row_sum: f64 = (0..layer.inputs).map(|k| layer.w(o, k)).sum();
        out.push(ev.add_const(&y, layer.bias[o] + terms.constant * row_sum)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass dense layer gives, byte for byte, the ciphertexts of
    /// the products and sums taken term by term (`mul_const`, `add`), over
    /// two parts (an activation's `x` and `x²` terms).
    #[test]
    fn one_pass_layer_is_the_term_by_term_sum() {
        let (mut s, mut e) = crate::tests::session();
        let xs: Vec<Ct> = (0..3)
            .map(|k| {
                s.encrypt(&mut e, &[0.5 - k as f64, 0.25 * k as f64])
                    .unwrap()
            })
            .collect();
        let layer = Layer {
            weight: vec![0.5, -1.25, 2.0, 0.0, 3.5, -0.75],
            bias: vec![0.125, -2.0],
            inputs: 3,
            outputs: 2,
        };
        let parts = vec![(1.0, xs.clone()), (-0.5, xs)];
        let mut ev = Evaluator::new(&s.ctx, &mut e);
        let mut terms = Terms {
            parts: parts.clone(),
            constant: 0.25,
        };
        let got = linear(&mut ev, 0, &layer, &mut terms).unwrap();
        let target = target_scale(&ev, terms.parts[0].1[0].level());
        for (o, y) in got.iter().enumerate() {
            let mut acc: Option<Ct> = None;
            for (c, cts) in &parts {
                for (k, x) in cts.iter().enumerate() {
                    let p = ev
                        .mul_const(x, layer.w(o, k) * c, target / x.scale())
                        .unwrap();
                    acc = Some(match acc {
                        Some(a) => ev.add(&a, &p).unwrap(),
                        None => p,
                    });
                }
            }
            let want = ev.rescale(&acc.unwrap()).unwrap();
            let row_sum: f64 = (0..3).map(|k| layer.w(o, k)).sum();
            let want = ev.add_const(&want, layer.bias[o] + 0.25 * row_sum).unwrap();
            assert_eq!(y.digest(&s.ctx), want.digest(&s.ctx), "output {o}");
        }
    }
}
