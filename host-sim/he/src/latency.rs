//! Latency packing: one sample per ciphertext. The input vector, zero-padded
//! to `n` (the next power of two above every layer width), is repeated
//! across all `N/2` slots, so a slot rotation is a cyclic rotation of the
//! vector, and each dense layer is [`crate::linear`]'s diagonal evaluation
//! with [`Plan::Square`] (the fewest rotations at this width) over weights
//! held in memory ([`Resident`]): diagonal plaintexts are encoded on first
//! use and kept for the session.

use super::layers::{activate, Ct, Terms};
use super::linear::{
    diagonal_period, linear, repeat, Diagonal, Diagonals, Geometry, Plan, WeightSource,
};
use super::session::Session;
use crate::error::{Error, Result};
use hearth_kernels::ckks::{Encryptor, Evaluator, Plaintext, SeededCiphertext};
use hearth_kernels::ntt::NttEngine;
use hearth_nn::{Layer, Mlp};
use std::borrow::Cow;
use std::collections::hash_map::{Entry, HashMap};
use std::hash::Hash;

/// The geometry of a latency-packed network: [`Plan::Square`] over its
/// widest layer.
#[must_use]
pub fn geometry(mlp: &Mlp) -> Geometry {
    let widest = mlp
        .layers
        .iter()
        .map(|l| l.inputs.max(l.outputs))
        .max()
        .unwrap_or(1);
    Geometry::of(widest, Plan::Square)
}

/// The weights of an [`Mlp`] as a [`WeightSource`]: diagonals and biases
/// encoded on first use, per layer and input term, and kept while their
/// level and scale stay the same (they do from one sample to the next).
#[derive(Debug)]
pub struct Resident<'m> {
    mlp: &'m Mlp,
    geo: Geometry,
    diagonals: Kept<(usize, usize), Diagonals>,
    biases: Kept<usize, Plaintext<u64>>,
}

/// Plaintexts encoded on first use and kept while the level and scale they
/// were encoded at stay the same (they do from one sample to the next): the
/// cache of every in-memory [`WeightSource`].
#[derive(Debug)]
pub(crate) struct Kept<K, V> {
    map: HashMap<K, (usize, f64, V)>,
}

impl<K: Eq + Hash, V> Kept<K, V> {
    /// Nothing kept yet.
    pub(crate) fn new() -> Self {
        Kept {
            map: HashMap::new(),
        }
    }

    /// The value of `key` at `level` and `scale`: the kept one, or
    /// `encode()`'s, kept in its place.
    pub(crate) fn get_or_encode(
        &mut self,
        key: K,
        level: usize,
        scale: f64,
        encode: impl FnOnce() -> Result<V>,
    ) -> Result<&V> {
        match self.map.entry(key) {
            Entry::Occupied(mut o) => {
                if (o.get().0, o.get().1) != (level, scale) {
                    o.insert((level, scale, encode()?));
                }
                Ok(&o.into_mut().2)
            }
            Entry::Vacant(v) => Ok(&v.insert((level, scale, encode()?)).2),
        }
    }

    /// Every value kept.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values().map(|(_, _, v)| v)
    }
}

/// `p_{g,b}` of `at` in a layer's diagonals, `None` when zero.
pub(crate) fn pick(d: &Diagonals, at: Diagonal) -> Option<Cow<'_, Plaintext<u64>>> {
    d.get(at.g)
        .and_then(|row| row.get(at.b)?.as_ref())
        .map(Cow::Borrowed)
}

impl<'m> Resident<'m> {
    /// The weights of `mlp`, laid out for `geo`.
    #[must_use]
    pub fn new(mlp: &'m Mlp, geo: Geometry) -> Self {
        Resident {
            mlp,
            geo,
            diagonals: Kept::new(),
            biases: Kept::new(),
        }
    }

    fn layer(&self, index: usize) -> Result<&'m Layer> {
        self.mlp.layers.get(index).ok_or(Error::LayerIndex {
            layer: index,
            layers: self.mlp.layers.len(),
        })
    }
}

impl Resident<'_> {
    /// The diagonals of `at`'s layer and part at `level` and `scale`.
    fn encoded<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<&Diagonals> {
        let layer = self.layer(at.layer)?;
        let geo = self.geo;
        let w = |r: usize, col: usize| {
            if r < layer.outputs && col < layer.inputs {
                layer.w(r, col)
            } else {
                0.0
            }
        };
        self.diagonals
            .get_or_encode((at.layer, at.part), level, scale, || {
                encode_diagonals(ev, geo, at.coeff, scale, level, w)
            })
    }
}

impl WeightSource for Resident<'_> {
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
        index: usize,
        constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>> {
        let layer = self.layer(index)?;
        let n = self.geo.n;
        let pt = self.biases.get_or_encode(index, level, scale, || {
            let period: Vec<f64> = (0..n)
                .map(|o| {
                    if o >= layer.outputs {
                        return 0.0;
                    }
                    let row_sum: f64 = (0..layer.inputs).map(|k| layer.w(o, k)).sum();
                    layer.bias[o] + constant * row_sum
                })
                .collect();
            encode_repeated(ev, &period, scale, level)
        })?;
        Ok(Cow::Borrowed(pt))
    }
}

/// `period` repeated over the slots, encoded at `scale` and `level`.
pub(crate) fn encode_repeated<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    period: &[f64],
    scale: f64,
    level: usize,
) -> Result<Plaintext<u64>> {
    let v = repeat(period, ev.context().degree() / 2);
    Ok(Encryptor::new(ev.context()).encode_real(ev.engine(), &v, scale, level)?)
}

/// Encrypts one standardised sample, repeated across the slots.
pub fn encrypt_sample<E: NttEngine<u64>>(
    sess: &mut Session,
    engine: &mut E,
    geo: Geometry,
    x: &[f64],
) -> Result<Ct> {
    let v = sample_slots(sess.slots(), geo, x);
    sess.encrypt(engine, &v)
}

/// [`encrypt_sample`] in the compact form a client uploads
/// ([`Session::encrypt_seeded`]).
pub fn encrypt_sample_seeded<E: NttEngine<u64>>(
    sess: &mut Session,
    engine: &mut E,
    geo: Geometry,
    x: &[f64],
) -> Result<SeededCiphertext<u64>> {
    let v = sample_slots(sess.slots(), geo, x);
    sess.encrypt_seeded(engine, &v)
}

/// The sample repeated across `slots` slots with period `geo.n`.
fn sample_slots(slots: usize, geo: Geometry, x: &[f64]) -> Vec<f64> {
    (0..slots)
        .map(|j| x.get(j % geo.n).copied().unwrap_or(0.0))
        .collect()
}

/// Evaluates the network on one encrypted sample; logits are slots `0..out`.
pub fn evaluate<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    sess: &Session,
    weights: &mut Resident<'_>,
    input: Ct,
) -> Result<Ct> {
    let mlp = weights.mlp;
    let geo = weights.geo;
    let mut terms = Terms::input(vec![input]);
    let last = mlp.layers.len().checked_sub(1).ok_or(Error::NoLayers)?;
    for i in 0..mlp.layers.len() {
        terms.align(ev)?;
        let parts: Vec<(f64, Ct)> = terms
            .parts
            .drain(..)
            .filter_map(|(c, mut cts)| cts.pop().map(|x| (c, x)))
            .collect();
        let h = linear(ev, &mut &sess.gk, geo, i, weights, parts, terms.constant)?;
        if i == last {
            return Ok(h);
        }
        terms = activate(ev, sess.relin()?, &mlp.activation, vec![h])?;
    }
    Err(Error::NoLayers)
}

/// `pt[g][b]` = `c·p_{g,b}` of the matrix `w` (zero outside it) repeated
/// over the slots, or `None` when zero.
pub(crate) fn encode_diagonals<E: NttEngine<u64>>(
    ev: &mut Evaluator<'_, u64, E>,
    geo: Geometry,
    c: f64,
    scale: f64,
    level: usize,
    w: impl Fn(usize, usize) -> f64,
) -> Result<Diagonals> {
    let mut out = Vec::with_capacity(geo.giant);
    for g in 0..geo.giant {
        let mut row = Vec::with_capacity(geo.baby);
        for b in 0..geo.baby {
            let period = diagonal_period(geo, g, b, c, &w);
            if period.iter().all(|&v| v == 0.0) {
                row.push(None);
                continue;
            }
            row.push(Some(encode_repeated(ev, &period, scale, level)?));
        }
        out.push(row);
    }
    Ok(out)
}
