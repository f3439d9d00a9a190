//! Compiling a model for the encrypted stream: the evaluation keys go into
//! the store, and every diagonal and bias is encoded at the level and scale
//! the evaluation will use it at and written as its own record.
//!
//! Those levels and scales are whatever the evaluation's exact scale
//! bookkeeping ([`crate::layers`]) produces, so compilation *is* one
//! evaluation, on a ciphertext the client supplies, with a source that
//! encodes on demand (`Encoder`). It holds the keys and one layer of plain
//! weights at a time, never the encoded model. Its output ciphertext is the
//! in-memory result the streamed run must reproduce bit for bit. The model
//! description is written last: a crash during compilation leaves no
//! runnable model.

use super::eval::{evaluate, geometry};
use super::model::load;
use super::records::{bias_name, diagonal_name, name, to_bytes, Meta};
use crate::error::{Error, Result};
use crate::latency::encode_repeated;
use crate::layers::Ct;
use crate::linear::{diagonal_period, Diagonal, Geometry, WeightSource};
use crate::session::Session;
use hearth_kernels::ckks::{Evaluator, Plaintext};
use hearth_kernels::ntt::NttEngine;
use hearth_nn::stream::gen::Layer;
use hearth_pmem::store::{ObjectStore, RecordKind};
use std::borrow::Cow;
use std::time::Instant;

/// What compilation wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CompileReport {
    /// Plaintext records written (diagonals and biases).
    pub plaintexts: usize,
    /// Bytes of those records.
    pub weight_bytes: u64,
    /// Bytes of the evaluation-key records.
    pub key_bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Encodes plaintexts from the plain layers and writes them to the store.
struct Encoder<'s> {
    store: &'s mut ObjectStore,
    model: String,
    geo: Geometry,
    layer: Option<(usize, Layer)>,
    written: usize,
    bytes: u64,
}

impl Encoder<'_> {
    fn layer(&mut self, l: usize) -> Result<&Layer> {
        if self.layer.as_ref().is_none_or(|(i, _)| *i != l) {
            self.layer = None;
            let layer = load(self.store, &self.model, l)?;
            if layer.out > self.geo.n {
                return Err(Error::LayerShape {
                    model: self.model.clone(),
                    layer: l,
                    outputs: layer.out,
                    inputs: layer.inp,
                    need: format!("the compiled geometry holds {} rows", self.geo.n),
                });
            }
            self.layer = Some((l, layer));
        }
        self.layer
            .as_ref()
            .map(|(_, layer)| layer)
            .ok_or(Error::EmptyLayer { layer: l })
    }

    /// Encodes `period` repeated over the slots and writes it as `record`.
    fn write<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        record: &str,
        period: &[f64],
        level: usize,
        scale: f64,
    ) -> Result<Plaintext<u64>> {
        let pt = encode_repeated(ev, period, scale, level)?;
        let bytes = to_bytes(&pt)?;
        self.store.put(record, RecordKind::Tensor, &bytes)?;
        self.written += 1;
        self.bytes += bytes.len() as u64;
        Ok(pt)
    }
}

impl WeightSource for Encoder<'_> {
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<Cow<'_, Plaintext<u64>>>> {
        let geo = self.geo;
        let l = self.layer(at.layer)?;
        let w = |r: usize, c: usize| {
            if r < l.out && c < l.inp {
                f64::from(l.data[r * l.inp + c])
            } else {
                0.0
            }
        };
        let period = diagonal_period(geo, at.g, at.b, at.coeff, w);
        let record = diagonal_name(&self.model, at.layer, at.g, at.b);
        Ok(Some(Cow::Owned(
            self.write(ev, &record, &period, level, scale)?,
        )))
    }

    fn bias<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        _constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>> {
        let n = self.geo.n;
        let l = self.layer(layer)?;
        let (out, inp) = (l.out, l.inp);
        let biases: Vec<f64> = (0..n)
            .map(|o| {
                if o < out {
                    f64::from(l.data[out * inp + o])
                } else {
                    0.0
                }
            })
            .collect();
        let record = bias_name(&self.model, layer);
        Ok(Cow::Owned(self.write(ev, &record, &biases, level, scale)?))
    }
}

/// Compiles `layers` layers `width` wide of `model` (already in the store)
/// with `session`'s evaluation keys, evaluating them once on `input` (a
/// sample encrypted by [`super::encrypt_input`]); returns the output
/// ciphertext and what was written.
pub fn compile<E: NttEngine<u64>>(
    store: &mut ObjectStore,
    model: &str,
    layers: usize,
    width: usize,
    session: &Session,
    input: &Ct,
    engine: &mut E,
) -> Result<(Ct, CompileReport)> {
    let t = Instant::now();
    let geo = geometry(width);
    let ctx = &session.ctx;
    if geo.n > ctx.degree() / 2 {
        return Err(Error::TooMany {
            values: geo.n,
            room: ctx.degree() / 2,
            unit: "slots (the padded width)",
        });
    }
    let rk = session.relin()?;
    let mut key_bytes = 0u64;
    for (rest, bytes) in [
        ("key/relin", to_bytes(rk)?),
        ("key/galois", to_bytes(&session.gk)?),
    ] {
        key_bytes += bytes.len() as u64;
        store.put(&name(model, rest), RecordKind::PublicKey, &bytes)?;
    }
    let mut source = Encoder {
        store,
        model: model.to_string(),
        geo,
        layer: None,
        written: 0,
        bytes: 0,
    };
    let mut ev = Evaluator::new(ctx, engine);
    let out = evaluate(
        &mut ev,
        rk,
        &session.gk,
        geo,
        layers,
        &mut source,
        input.clone(),
    )?;
    let (plaintexts, weight_bytes) = (source.written, source.bytes);
    let meta = Meta::new(ctx.params(), layers, width, geo)?;
    store.put(&name(model, "meta"), RecordKind::Blob, &to_bytes(&meta)?)?;
    Ok((
        out,
        CompileReport {
            plaintexts,
            weight_bytes,
            key_bytes,
            seconds: t.elapsed().as_secs_f64(),
        },
    ))
}
