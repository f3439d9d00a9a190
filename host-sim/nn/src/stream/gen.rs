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

/// Bytes of one stored `out × inp` layer tensor (shape words, weights,
/// biases), or `None` when the shape does not fit a `u32` header or the
/// size overflows. The one size formula of the format: [`decode`] checks
/// stored tensors against it, [`generate`] sizes its tensors with it.
#[must_use]
pub fn layer_bytes(out: usize, inp: usize) -> Option<usize> {
    u32::try_from(out).ok()?;
    u32::try_from(inp).ok()?;
    inp.checked_add(1)?
        .checked_mul(out)?
        .checked_mul(4)?
        .checked_add(8)
}

/// Writes a `layers`-deep, `width`-wide network named `model`; returns the
/// bytes of its tensors. A width whose layer does not fit a `u32` shape or
/// the store's free space is refused before anything is allocated.
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
    let size = layer_bytes(width, width)
        .filter(|&b| b as u64 <= store.free_bytes())
        .ok_or_else(|| Error::OutOfRange {
            what: "the stream layer width",
            value: width.to_string(),
            range: "small enough that one width×(width+1) f32 layer fits the store",
        })?;
    for i in 0..layers {
        let mut b = Vec::with_capacity(size);
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
/// allocated, and has at least one input and one output.
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
    if layer_bytes(out, inp) != Some(bytes.len()) {
        return Err(bad());
    }
    if out == 0 || inp == 0 {
        return Err(Error::StreamLayer {
            name: name.to_string(),
            what: format!("the tensor is {out}×{inp}: a layer needs an input and an output"),
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored layer is its two shape words then `out·(in+1)` f32s.
    fn tensor(out: u32, inp: u32, words: usize) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&out.to_le_bytes());
        b.extend_from_slice(&inp.to_le_bytes());
        b.resize(8 + 4 * words, 0);
        b
    }

    #[test]
    fn decode_refuses_a_shape_whose_size_wraps() {
        // 4·2^31·(2^31−1+1) = 2^64 wraps to 0 in u64 arithmetic: a header with
        // no data after it must not pass as an empty layer.
        let b = tensor(1 << 31, (1 << 31) - 1, 0);
        assert!(matches!(decode("l", &b), Err(Error::StreamLayer { .. })));
        // Nor with data that matches a wrapped (truncated) count.
        let b = tensor(1 << 31, (1 << 31) - 1, 3);
        assert!(matches!(decode("l", &b), Err(Error::StreamLayer { .. })));
    }

    #[test]
    fn decode_accepts_exact_shapes_only() {
        let mut b = tensor(2, 3, 8);
        b[8..12].copy_from_slice(&1.5f32.to_le_bytes());
        let l = decode("l", &b).unwrap();
        assert_eq!((l.out, l.inp, l.data.len(), l.data[0]), (2, 3, 8, 1.5));
        assert!(decode("l", &tensor(2, 3, 7)).is_err());
        assert!(decode("l", &tensor(2, 3, 9)).is_err());
        assert!(decode("l", &b[..7]).is_err());
    }

    #[test]
    fn decode_refuses_empty_shapes() {
        // 0×2^32−1 is 8 bytes and "fits", but would make the next layer
        // read 0 activations (and a caller sizing an input from `inp`
        // allocate 16 GiB).
        for (o, i, words) in [(0, u32::MAX, 0), (3, 0, 3), (0, 0, 0)] {
            let e = decode("l", &tensor(o, i, words)).unwrap_err();
            assert!(matches!(e, Error::StreamLayer { .. }), "{o}×{i}: {e}");
        }
    }

    #[test]
    fn layer_bytes_matches_the_format_and_refuses_overflow() {
        assert_eq!(layer_bytes(2, 3), Some(8 + 4 * 2 * 4));
        // 4·2^31·2^31 = 2^64: does not fit a 64-bit size.
        assert_eq!(layer_bytes(1 << 31, (1 << 31) - 1), None);
        assert_eq!(layer_bytes(1 << 32, 1), None);
        assert_eq!(layer_bytes(usize::MAX, usize::MAX), None);
    }

    #[test]
    fn generate_refuses_a_width_that_cannot_fit() {
        let path = std::env::temp_dir().join(format!("hearth-gen-{}.pmem", std::process::id()));
        let mut store = ObjectStore::create(&path, 1 << 16).unwrap();
        for width in [1usize << 31, 1 << 40, usize::MAX] {
            let e = generate(&mut store, "m", 1, width, 1).unwrap_err();
            assert!(matches!(e, Error::OutOfRange { .. }), "{width}: {e}");
        }
        // One that fits is written and decodes to its shape.
        let bytes = generate(&mut store, "m", 2, 8, 1).unwrap();
        assert_eq!(bytes, 2 * (8 + 4 * 8 * 9));
        let l = decode("l", &store.get(&layer_name("m", 1)).unwrap()).unwrap();
        assert_eq!((l.out, l.inp, l.data.len()), (8, 8, 72));
        drop(store);
        std::fs::remove_file(&path).unwrap();
    }
}
