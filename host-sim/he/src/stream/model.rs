//! The generated network the encrypted stream runs: `layers` dense layers of
//! `width × width` with the square activation between them, stored as plain
//! `f32` tensors in the format of [`hearth_nn::stream::gen`].
//!
//! Weights are drawn uniformly from `[−1, 1]` by the seeded
//! [`hearth_nn::rng::Prng`], then each layer is rescaled so that its pre-activations have a
//! root mean square of 1 over the calibration rows (data-dependent
//! initialisation, Mishkin & Matas, "All you need is a good init", ICLR
//! 2016). Without it, repeated squaring drives the values to 0 or to
//! infinity within a few layers, and CKKS, whose error is absolute, would
//! return noise.

use crate::error::{Error, Result};
use hearth_nn::rng::Prng;
use hearth_nn::stream::gen::{decode, layer_name, Layer};
use hearth_pmem::store::{ObjectStore, RecordKind};

/// The value ranges of a generated network over its calibration rows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Ranges {
    /// Largest `|output|` of the last layer.
    pub logits: f64,
    /// Largest `|value|` anywhere (pre-activations and their squares).
    pub largest: f64,
}

/// The deterministic input rows of `hearth stream`, plaintext and encrypted
/// (values in `[0, 1)`).
#[must_use]
pub fn rows(count: usize, width: usize) -> Vec<Vec<f32>> {
    (0..count)
        .map(|r| {
            (0..width)
                .map(|j| ((r * 31 + j * 7) % 13) as f32 / 13.0)
                .collect()
        })
        .collect()
}

/// Writes a `layers`-deep, `width`-wide network named `model`, normalised
/// on `calibration`; returns its value ranges there.
pub fn generate(
    store: &mut ObjectStore,
    model: &str,
    layers: usize,
    width: usize,
    seed: u64,
    calibration: &[Vec<f32>],
) -> Result<Ranges> {
    if layers == 0 || width == 0 || calibration.is_empty() {
        return Err(Error::Invalid(
            "a generated network needs at least one layer, one neuron and one calibration row"
                .into(),
        ));
    }
    let mut rng = Prng::new(seed);
    let mut x: Vec<Vec<f64>> = calibration
        .iter()
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();
    let mut ranges = Ranges {
        logits: 0.0,
        largest: 0.0,
    };
    for i in 0..layers {
        let raw: Vec<f64> = (0..width * (width + 1))
            .map(|_| 2.0 * rng.uniform() - 1.0)
            .collect();
        let z: Vec<Vec<f64>> = x.iter().map(|r| affine(&raw, width, r)).collect();
        let count = (z.len() * width) as f64;
        let rms = (z.iter().flatten().map(|v| v * v).sum::<f64>() / count).sqrt();
        let gain = if rms > 0.0 { 1.0 / rms } else { 1.0 };
        let w: Vec<f32> = raw.iter().map(|&v| (v * gain) as f32).collect();
        let mut b = Vec::with_capacity(8 + 4 * w.len());
        b.extend_from_slice(&(width as u32).to_le_bytes());
        b.extend_from_slice(&(width as u32).to_le_bytes());
        for v in &w {
            b.extend_from_slice(&v.to_le_bytes());
        }
        store.put(&layer_name(model, i), RecordKind::Tensor, &b)?;
        let wf: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
        let last = i + 1 == layers;
        x = x
            .iter()
            .map(|r| {
                let z = affine(&wf, width, r);
                for v in &z {
                    ranges.largest = ranges.largest.max(v.abs()).max(v * v);
                    if last {
                        ranges.logits = ranges.logits.max(v.abs());
                    }
                }
                if last {
                    z
                } else {
                    z.iter().map(|v| v * v).collect()
                }
            })
            .collect();
    }
    Ok(ranges)
}

/// `W·x + b` with `W` row-major `width × width` followed by `width` biases.
fn affine(wb: &[f64], width: usize, x: &[f64]) -> Vec<f64> {
    (0..width)
        .map(|o| {
            let row = &wb[o * width..(o + 1) * width];
            row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + wb[width * width + o]
        })
        .collect()
}

/// The network's outputs on `x` in `f64`, reading one layer at a time from
/// the store (the plaintext reference the encrypted result is checked
/// against).
pub fn reference(
    store: &mut ObjectStore,
    model: &str,
    layers: usize,
    x: &[f32],
) -> Result<Vec<f64>> {
    let mut v: Vec<f64> = x.iter().map(|&a| f64::from(a)).collect();
    for i in 0..layers {
        let l = load(store, model, i)?;
        let wf: Vec<f64> = l.data.iter().map(|&a| f64::from(a)).collect();
        if l.inp != v.len() {
            return Err(Error::Invalid(format!(
                "layer {i} takes {} inputs, not {}",
                l.inp,
                v.len()
            )));
        }
        let z = affine(&wf, l.out, &v);
        v = if i + 1 == layers {
            z
        } else {
            z.iter().map(|a| a * a).collect()
        };
    }
    Ok(v)
}

/// Reads and decodes layer `i` of `model` (square `width × width` layers).
pub fn load(store: &mut ObjectStore, model: &str, i: usize) -> Result<Layer> {
    let name = layer_name(model, i);
    let l = decode(&name, &store.get(&name)?)?;
    if l.out != l.inp {
        return Err(Error::Invalid(format!(
            "layer {i} of `{model}` is {}×{}; the encrypted stream runs square layers",
            l.out, l.inp
        )));
    }
    Ok(l)
}
