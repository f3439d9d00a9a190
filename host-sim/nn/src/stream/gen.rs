//! A generated dense network stored layer by layer in the object store:
//! `stream/<model>/layer<i>` holds `out` (u32 LE), `in` (u32 LE), then
//! `out·in` weights and `out` biases as `f32` LE. Weights are drawn from a
//! seeded splitmix64 generator, scaled by `1/√in` so activations stay
//! bounded through the square activation.

use crate::error::{Error, Result};
use hearth_kernels::splitmix::splitmix64 as splitmix;
use hearth_pmem::store::{ObjectStore, RecordKind};

/// The name of layer `i` of `model`.
#[must_use]
pub fn layer_name(model: &str, i: usize) -> String {
    format!("stream/{model}/layer{i}")
}

/// Writes a `layers`-deep, `width`-wide network named `model`; returns the
/// bytes of its tensors.
pub fn generate(
    store: &mut ObjectStore,
    model: &str,
    layers: usize,
    width: usize,
    seed: u64,
) -> Result<u64> {
    let mut s = seed;
    let mut total = 0;
    let scale = 1.0 / (width as f32).sqrt();
    for i in 0..layers {
        let mut b = Vec::with_capacity(8 + 4 * width * (width + 1));
        b.extend_from_slice(&(width as u32).to_le_bytes());
        b.extend_from_slice(&(width as u32).to_le_bytes());
        for _ in 0..width * (width + 1) {
            let u = (splitmix(&mut s) >> 40) as f32 / (1u64 << 24) as f32;
            b.extend_from_slice(&((2.0 * u - 1.0) * scale).to_le_bytes());
        }
        total += b.len() as u64;
        store.put(&layer_name(model, i), RecordKind::Tensor, &b)?;
    }
    Ok(total)
}

/// A decoded layer.
#[derive(Debug)]
pub struct Layer {
    /// Outputs.
    pub out: usize,
    /// Inputs.
    pub inp: usize,
    /// Row-major weights then biases.
    pub data: Vec<f32>,
}

/// Decodes the layer tensor stored as `name`: its shape is checked against
/// the bytes (with overflow-checked arithmetic) before anything is
/// allocated.
pub fn decode(name: &str, bytes: &[u8]) -> Result<Layer> {
    let bad = || Error::StreamLayer {
        name: name.to_string(),
        what: "the tensor's shape does not match its bytes".into(),
    };
    let (o, rest) = bytes.split_first_chunk::<4>().ok_or_else(bad)?;
    let (i, rest) = rest.split_first_chunk::<4>().ok_or_else(bad)?;
    let (out, inp) = (
        u32::from_le_bytes(*o) as usize,
        u32::from_le_bytes(*i) as usize,
    );
    let words = inp
        .checked_add(1)
        .and_then(|w| w.checked_mul(out))
        .and_then(|w| w.checked_mul(4));
    if words != Some(rest.len()) {
        return Err(bad());
    }
    let data = rest
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(Layer { out, inp, data })
}

impl Layer {
    /// `square(W·x + b)` (or without the square for the last layer).
    #[must_use]
    pub fn apply(&self, x: &[f32], square: bool) -> Vec<f32> {
        (0..self.out)
            .map(|o| {
                let row = &self.data[o * self.inp..(o + 1) * self.inp];
                let z: f32 = row.iter().zip(x).map(|(w, v)| w * v).sum::<f32>()
                    + self.data[self.out * self.inp + o];
                if square {
                    z * z
                } else {
                    z
                }
            })
            .collect()
    }
}
