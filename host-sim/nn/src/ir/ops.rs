//! The layers' parameters, their shape rules and their plaintext
//! definitions, each written as the plain sum it stands for (ONNX operator
//! specification, opset 13: `Gemm`, `Conv`, `AveragePool`).

use super::{numel, Op, Shape};
use crate::error::{Error, Result};

/// `y = W·x + b`: `weight` row-major `[outputs][inputs]`, `bias` `[outputs]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// Row-major `[outputs][inputs]`.
    pub weight: Vec<f64>,
    /// `[outputs]`.
    pub bias: Vec<f64>,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
}

impl Dense {
    /// `W·x + b`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.weight
            .chunks_exact(self.inputs)
            .zip(&self.bias)
            .map(|(row, b)| row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + b)
            .collect()
    }
}

/// 2-D cross-correlation: `y[o][i][j] = b[o] + Σ_{c,u,v} w[o][c][u][v] ·
/// x[c][i·sh + u − top][j·sw + v − left]`, reading zero outside the image.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d {
    /// Row-major `[out_channels][in_channels][kernel.0][kernel.1]`.
    pub weight: Vec<f64>,
    /// `[out_channels]`.
    pub bias: Vec<f64>,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel `(height, width)`.
    pub kernel: (usize, usize),
    /// Stride `(vertical, horizontal)`, each ≥ 1.
    pub stride: (usize, usize),
    /// Zero padding `[top, left, bottom, right]` (ONNX `pads` order).
    pub padding: [usize; 4],
}

/// Average pooling over `kernel` windows moved by `stride`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool2d {
    /// Window `(height, width)`.
    pub kernel: (usize, usize),
    /// Stride `(vertical, horizontal)`, each ≥ 1.
    pub stride: (usize, usize),
    /// Zero padding `[top, left, bottom, right]`.
    pub padding: [usize; 4],
    /// Whether padded cells count in the divisor (ONNX
    /// `count_include_pad`); without padding both agree.
    pub count_include_pad: bool,
}

/// `y = scale[c]·x + shift[c]` along the first axis; a vector of length 1
/// applies to every channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    /// Per-channel factors (length 1 or the channel count).
    pub scale: Vec<f64>,
    /// Per-channel offsets (length 1 or the channel count).
    pub shift: Vec<f64>,
}

/// The output size of a window of `k` moved by `s` over `n + pad` cells.
fn window_out(n: usize, pad: usize, k: usize, s: usize) -> Option<usize> {
    (s > 0 && k > 0 && n + pad >= k).then(|| (n + pad - k) / s + 1)
}

fn spatial(
    name: &str,
    what: &str,
    x: &[usize],
    kernel: (usize, usize),
    stride: (usize, usize),
    pad: [usize; 4],
) -> Result<(usize, usize)> {
    let err = |m: String| Error::Network(format!("node `{name}` ({what}): {m}"));
    if x.len() != 3 {
        return Err(err(format!("needs a [C, H, W] input, got {x:?}")));
    }
    let h = window_out(x[1], pad[0] + pad[2], kernel.0, stride.0);
    let w = window_out(x[2], pad[1] + pad[3], kernel.1, stride.1);
    match (h, w) {
        (Some(h), Some(w)) => Ok((h, w)),
        _ => Err(err(format!(
            "kernel {kernel:?}, stride {stride:?}, pads {pad:?} do not fit the input {x:?}"
        ))),
    }
}

/// The output shape of `op` on inputs of `shapes`; `target` is a reshape's
/// output shape.
pub(super) fn output_shape(
    name: &str,
    op: &Op,
    shapes: &[Shape],
    target: Option<Shape>,
) -> Result<Shape> {
    let err = |m: String| Error::Network(format!("node `{name}` ({}): {m}", op.kind()));
    let want = if matches!(op, Op::Add) { 2 } else { 1 };
    if shapes.len() != want {
        return Err(err(format!("takes {want} inputs, got {}", shapes.len())));
    }
    let x = &shapes[0];
    match op {
        Op::Dense(d) => {
            let ok = d.inputs > 0
                && d.outputs > 0
                && d.weight.len() == d.inputs * d.outputs
                && d.bias.len() == d.outputs;
            if !ok || numel(x) != d.inputs || x.len() != 1 {
                return Err(err(format!(
                    "weight {}×{} (bias {}) does not fit the input {x:?}",
                    d.outputs,
                    d.inputs,
                    d.bias.len()
                )));
            }
            Ok(vec![d.outputs])
        }
        Op::Conv2d(c) => {
            let (kh, kw) = c.kernel;
            if c.weight.len() != c.out_channels * c.in_channels * kh * kw
                || c.bias.len() != c.out_channels
                || c.out_channels == 0
                || x.first() != Some(&c.in_channels)
            {
                return Err(err(format!(
                    "weight [{}, {}, {kh}, {kw}] (bias {}) does not fit the input {x:?}",
                    c.out_channels,
                    c.in_channels,
                    c.bias.len()
                )));
            }
            let (h, w) = spatial(name, "conv2d", x, c.kernel, c.stride, c.padding)?;
            Ok(vec![c.out_channels, h, w])
        }
        Op::AvgPool(p) => {
            let (h, w) = spatial(name, "avgpool", x, p.kernel, p.stride, p.padding)?;
            Ok(vec![x[0], h, w])
        }
        Op::GlobalAvgPool => match x.as_slice() {
            [c, _, _] => Ok(vec![*c, 1, 1]),
            _ => Err(err(format!("needs a [C, H, W] input, got {x:?}"))),
        },
        Op::Affine(a) => {
            let c = x[0];
            let fits = |v: &[f64]| v.len() == 1 || v.len() == c;
            if !fits(&a.scale) || !fits(&a.shift) {
                return Err(err(format!(
                    "{} factors and {} offsets for {c} channels",
                    a.scale.len(),
                    a.shift.len()
                )));
            }
            Ok(x.clone())
        }
        Op::Reshape => {
            let t = target.ok_or_else(|| err("no target shape".into()))?;
            if numel(&t) != numel(x) || t.is_empty() || t.contains(&0) {
                return Err(err(format!("cannot reshape {x:?} to {t:?}")));
            }
            Ok(t)
        }
        Op::Add => {
            if shapes[0] != shapes[1] {
                return Err(err(format!(
                    "adds tensors of shapes {:?} and {:?}",
                    shapes[0], shapes[1]
                )));
            }
            Ok(x.clone())
        }
        Op::Poly(p) if p.coefficients().is_empty() => Err(err("empty polynomial".into())),
        Op::Square | Op::Poly(_) | Op::Relu => Ok(x.clone()),
    }
}

impl Conv2d {
    /// The output `[out_channels, h, w]` for an input `[in_channels, height,
    /// width]` whose shape was checked by [`super::Network::push`].
    pub fn apply(&self, x: &[f64], height: usize, width: usize, out: &[usize]) -> Vec<f64> {
        let (kh, kw) = self.kernel;
        let (oh, ow) = (out[1], out[2]);
        let [top, left, _, _] = self.padding;
        let mut y = vec![0.0; self.out_channels * oh * ow];
        for o in 0..self.out_channels {
            for i in 0..oh {
                for j in 0..ow {
                    let mut acc = self.bias[o];
                    for c in 0..self.in_channels {
                        for u in 0..kh {
                            let Some(r) = (i * self.stride.0 + u).checked_sub(top) else {
                                continue;
                            };
                            if r >= height {
                                continue;
                            }
                            for v in 0..kw {
                                let Some(s) = (j * self.stride.1 + v).checked_sub(left) else {
                                    continue;
                                };
                                if s < width {
                                    let w =
                                        self.weight[((o * self.in_channels + c) * kh + u) * kw + v];
                                    acc += w * x[(c * height + r) * width + s];
                                }
                            }
                        }
                    }
                    y[(o * oh + i) * ow + j] = acc;
                }
            }
        }
        y
    }
}

impl Pool2d {
    /// The pooled `[C, h, w]` of an input `[C, height, width]` checked by
    /// [`super::Network::push`].
    pub fn apply(&self, x: &[f64], height: usize, width: usize, out: &[usize]) -> Vec<f64> {
        let (kh, kw) = self.kernel;
        let (ch, oh, ow) = (out[0], out[1], out[2]);
        let [top, left, _, _] = self.padding;
        let mut y = vec![0.0; ch * oh * ow];
        for c in 0..ch {
            for i in 0..oh {
                for j in 0..ow {
                    let (mut acc, mut inside) = (0.0, 0usize);
                    for u in 0..kh {
                        for v in 0..kw {
                            let r = (i * self.stride.0 + u).checked_sub(top);
                            let s = (j * self.stride.1 + v).checked_sub(left);
                            if let (Some(r), Some(s)) = (r, s) {
                                if r < height && s < width {
                                    acc += x[(c * height + r) * width + s];
                                    inside += 1;
                                }
                            }
                        }
                    }
                    let n = if self.count_include_pad {
                        kh * kw
                    } else {
                        inside
                    };
                    y[(c * oh + i) * ow + j] = acc / n.max(1) as f64;
                }
            }
        }
        y
    }
}

impl Affine {
    /// `scale[c]·x + shift[c]` for `x` of `channels` equal blocks.
    pub fn apply(&self, x: &[f64], channels: usize) -> Vec<f64> {
        let per = x.len() / channels.max(1);
        let pick = |v: &[f64], c: usize| if v.len() == 1 { v[0] } else { v[c] };
        x.iter()
            .enumerate()
            .map(|(k, &v)| {
                let c = k / per.max(1);
                pick(&self.scale, c) * v + pick(&self.shift, c)
            })
            .collect()
    }
}
