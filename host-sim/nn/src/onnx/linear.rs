//! `Gemm`, `MatMul`, `Conv`, `BatchNormalization`, and folding a
//! per-channel affine map into the linear layer before it.
//!
//! Folding: for `y = s ⊙ (W·x + b) + t` the layer becomes `W' = diag(s)·W`,
//! `b' = s ⊙ b + t` (per output channel for a convolution). Batch
//! normalisation in inference form is that map with
//! `s = γ / √(σ² + ε)`, `t = β − μ·s` (S. Ioffe and C. Szegedy, "Batch
//! normalization", ICML 2015, §3.1).

use super::attrs;
use super::graph::{node_name, Importer, Sym};
use super::tensor::Constant;
use crate::error::Result;
use crate::ir::{Affine, Conv2d, Dense, Op, ValueId};
use tract_onnx::pb::NodeProto;

/// `scale[c]·v + shift[c]`: folded into the dense or convolution layer that
/// produced `v` when nothing else reads `v`, an [`Op::Affine`] otherwise.
pub fn affine(
    imp: &mut Importer<'_>,
    node: &NodeProto,
    v: ValueId,
    scale: Vec<f64>,
    shift: Vec<f64>,
) -> Result<Sym> {
    let pick = |s: &[f64], c: usize| if s.len() == 1 { s[0] } else { s[c] };
    let producer = v
        .checked_sub(1)
        .and_then(|i| imp.net.nodes().get(i))
        .map(|n| n.op.clone());
    if imp.single_reader(v) {
        let folded = match producer {
            Some(Op::Dense(mut d)) if fits(&scale, d.outputs) && fits(&shift, d.outputs) => {
                for o in 0..d.outputs {
                    let s = pick(&scale, o);
                    d.weight[o * d.inputs..(o + 1) * d.inputs]
                        .iter_mut()
                        .for_each(|w| *w *= s);
                    d.bias[o] = s * d.bias[o] + pick(&shift, o);
                }
                Some(Op::Dense(d))
            }
            Some(Op::Conv2d(mut c))
                if fits(&scale, c.out_channels) && fits(&shift, c.out_channels) =>
            {
                let per = c.weight.len() / c.out_channels;
                for o in 0..c.out_channels {
                    let s = pick(&scale, o);
                    c.weight[o * per..(o + 1) * per]
                        .iter_mut()
                        .for_each(|w| *w *= s);
                    c.bias[o] = s * c.bias[o] + pick(&shift, o);
                }
                Some(Op::Conv2d(c))
            }
            _ => None,
        };
        if let Some(op) = folded {
            imp.net.replace_op(v - 1, op)?;
            return Ok(Sym::value(v));
        }
    }
    let id = imp.net.push(
        node_name(node),
        Op::Affine(Affine { scale, shift }),
        &[v],
        None,
    )?;
    Ok(Sym::value(id))
}

fn fits(v: &[f64], channels: usize) -> bool {
    v.len() == 1 || v.len() == channels
}

/// The per-sample width of `v`, which must be a vector (`[batch, n]` in ONNX).
fn vector_width(imp: &Importer<'_>, node: &NodeProto, v: ValueId) -> Result<usize> {
    match imp.net.value_shape(v) {
        Some([n]) => Ok(*n),
        other => Err(imp.err(
            node,
            format!(
                "needs a [batch, n] input, got [batch, {other:?}] (fix: add a Flatten before it)"
            ),
        )),
    }
}

/// `Gemm(A, B, C) = α·A'·B' + β·C` with `A` the value, `B` and `C` constants.
pub fn gemm<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    if attrs::int(node, "transA", 0) != 0 {
        return Err(imp.err(
            node,
            "transA = 1 is not supported (the batch axis must come first)",
        ));
    }
    let x = imp.value(node, 0)?;
    let inputs = vector_width(imp, node, x)?;
    let b = imp.constant(node, 1, "the weight B")?;
    let alpha = f64::from(attrs::float(node, "alpha", 1.0));
    let beta = f64::from(attrs::float(node, "beta", 1.0));
    let trans_b = attrs::int(node, "transB", 0) != 0;
    let (rows, cols) = match b.shape.as_slice() {
        [r, c] => (*r, *c),
        s => {
            return Err(imp.err(
                node,
                format!("weight B has shape {s:?}, needs 2 dimensions"),
            ))
        }
    };
    let (outputs, k) = if trans_b { (rows, cols) } else { (cols, rows) };
    if k != inputs {
        return Err(imp.err(
            node,
            format!(
                "weight B {:?} (transB = {}) does not fit an input of width {inputs}",
                b.shape, trans_b as u8
            ),
        ));
    }
    let weight = (0..outputs)
        .flat_map(|o| (0..inputs).map(move |i| (o, i)))
        .map(|(o, i)| {
            alpha
                * if trans_b {
                    b.data[o * inputs + i]
                } else {
                    b.data[i * outputs + o]
                }
        })
        .collect();
    let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
        None => vec![0.0; outputs],
        Some(_) => {
            let c = imp.constant(node, 2, "the bias C")?;
            bias_vector(imp, node, &c, outputs)?
                .iter()
                .map(|v| beta * v)
                .collect()
        }
    };
    let dense = Dense {
        weight,
        bias,
        inputs,
        outputs,
    };
    Ok(Sym::value(imp.net.push(
        node_name(node),
        Op::Dense(dense),
        &[x],
        None,
    )?))
}

/// A bias broadcast to `[outputs]` (a scalar, `[outputs]` or `[1, outputs]`).
fn bias_vector(
    imp: &Importer<'_>,
    node: &NodeProto,
    c: &Constant,
    outputs: usize,
) -> Result<Vec<f64>> {
    if c.data.len() == 1 {
        return Ok(vec![c.data[0]; outputs]);
    }
    let last = c.shape.last().copied().unwrap_or(0);
    if c.data.len() == outputs && last == outputs {
        return Ok(c.data.clone());
    }
    Err(imp.err(
        node,
        format!(
            "bias of shape {:?} does not broadcast to [batch, {outputs}]",
            c.shape
        ),
    ))
}

/// `MatMul(x, W)` with `W` a constant `[inputs, outputs]`.
pub fn matmul<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    if let Sym::Const(_) = imp.input(node, 0)? {
        return Err(imp.err(
            node,
            "a constant times the input (W·x with W first) is not supported; export x @ W",
        ));
    }
    let x = imp.value(node, 0)?;
    let inputs = vector_width(imp, node, x)?;
    let w = imp.constant(node, 1, "the weight")?;
    let [k, outputs] = w.shape[..] else {
        return Err(imp.err(
            node,
            format!("weight has shape {:?}, needs [inputs, outputs]", w.shape),
        ));
    };
    if k != inputs {
        return Err(imp.err(
            node,
            format!(
                "weight {:?} does not fit an input of width {inputs}",
                w.shape
            ),
        ));
    }
    let weight = (0..outputs)
        .flat_map(|o| (0..inputs).map(move |i| (o, i)))
        .map(|(o, i)| w.data[i * outputs + o])
        .collect();
    let dense = Dense {
        weight,
        bias: vec![0.0; outputs],
        inputs,
        outputs,
    };
    Ok(Sym::value(imp.net.push(
        node_name(node),
        Op::Dense(dense),
        &[x],
        None,
    )?))
}

/// A window's kernel `(h, w)`, strides `(h, w)` and pads `[top, left, bottom, right]`.
pub type Window = ((usize, usize), (usize, usize), [usize; 4]);

/// Reads a window op's `kernel_shape`, `strides`, `pads` / `auto_pad`
/// (and rejects dilations other than 1) for an input of `[C, h, w]`.
pub fn window(
    imp: &Importer<'_>,
    node: &NodeProto,
    kernel: Option<(usize, usize)>,
    input: &[usize],
) -> Result<Window> {
    let pair = |name: &str, v: Option<Vec<i64>>| -> Result<Option<(usize, usize)>> {
        match v.as_deref() {
            None => Ok(None),
            Some([a, b]) if *a > 0 && *b > 0 => Ok(Some((*a as usize, *b as usize))),
            Some(other) => Err(imp.err(
                node,
                format!("`{name}` = {other:?}: only 2-D windows with positive sizes are supported"),
            )),
        }
    };
    let declared = pair("kernel_shape", attrs::ints(node, "kernel_shape"))?;
    let kernel = match (declared, kernel) {
        (Some(d), Some(k)) if d != k => {
            return Err(imp.err(
                node,
                format!("kernel_shape {d:?} disagrees with the weight's {k:?}"),
            ))
        }
        (Some(d), _) => d,
        (None, Some(k)) => k,
        (None, None) => return Err(imp.err(node, "`kernel_shape` is missing")),
    };
    let stride = pair("strides", attrs::ints(node, "strides"))?.unwrap_or((1, 1));
    if let Some(d) = attrs::ints(node, "dilations") {
        if d.iter().any(|&v| v != 1) {
            return Err(imp.err(node, format!("dilations {d:?} are not supported (only 1)")));
        }
    }
    let [_, h, w] = input[..] else {
        return Err(imp.err(
            node,
            format!("needs a [batch, C, H, W] input, got [batch, {input:?}]"),
        ));
    };
    let auto = attrs::string(node, "auto_pad", "NOTSET");
    let pads = match auto.as_str() {
        "NOTSET" => match attrs::ints(node, "pads").as_deref() {
            None => [0; 4],
            Some(p) if p.len() == 4 && p.iter().all(|&v| (0..1 << 16).contains(&v)) => {
                [p[0] as usize, p[1] as usize, p[2] as usize, p[3] as usize]
            }
            Some(p) => {
                return Err(imp.err(
                    node,
                    format!("`pads` = {p:?}: need four non-negative values"),
                ))
            }
        },
        "VALID" => [0; 4],
        "SAME_UPPER" | "SAME_LOWER" => {
            let total = |n: usize, k: usize, s: usize| {
                (n.div_ceil(s) - 1) * s + k - n.min((n.div_ceil(s) - 1) * s + k)
            };
            let (th, tw) = (total(h, kernel.0, stride.0), total(w, kernel.1, stride.1));
            if auto == "SAME_UPPER" {
                [th / 2, tw / 2, th - th / 2, tw - tw / 2]
            } else {
                [th - th / 2, tw - tw / 2, th / 2, tw / 2]
            }
        }
        other => return Err(imp.err(node, format!("auto_pad `{other}` is not an ONNX value"))),
    };
    Ok((kernel, stride, pads))
}

/// `Conv(X, W, B)` in 2-D with `group = 1`.
pub fn conv<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let x = imp.value(node, 0)?;
    let input = imp
        .net
        .value_shape(x)
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    if attrs::int(node, "group", 1) != 1 {
        return Err(imp.err(node, "grouped convolution (group ≠ 1) is not supported"));
    }
    let w = imp.constant(node, 1, "the weight")?;
    let [out_channels, in_channels, kh, kw] = w.shape[..] else {
        return Err(imp.err(
            node,
            format!(
                "weight has shape {:?}; only 2-D convolution ([O, C, kh, kw]) is supported",
                w.shape
            ),
        ));
    };
    let (kernel, stride, padding) = window(imp, node, Some((kh, kw)), &input)?;
    let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
        None => vec![0.0; out_channels],
        Some(_) => {
            let b = imp.constant(node, 2, "the bias")?;
            if b.data.len() != out_channels {
                return Err(imp.err(
                    node,
                    format!(
                        "bias of shape {:?} for {out_channels} output channels",
                        b.shape
                    ),
                ));
            }
            b.data
        }
    };
    let conv = Conv2d {
        weight: w.data,
        bias,
        in_channels,
        out_channels,
        kernel,
        stride,
        padding,
    };
    Ok(Sym::value(imp.net.push(
        node_name(node),
        Op::Conv2d(conv),
        &[x],
        None,
    )?))
}

/// `BatchNormalization(X, γ, β, μ, σ²)` in inference mode.
pub fn batch_norm<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    if attrs::int(node, "training_mode", 0) != 0
        || node.output.iter().skip(1).any(|o| !o.is_empty())
    {
        return Err(imp.err(
            node,
            "training-mode batch normalisation is not supported (export the model in eval mode)",
        ));
    }
    let x = imp.value(node, 0)?;
    let channels = imp
        .net
        .value_shape(x)
        .and_then(|s| s.first().copied())
        .unwrap_or(0);
    let eps = f64::from(attrs::float(node, "epsilon", 1e-5));
    let mut p = Vec::with_capacity(4);
    for (i, what) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "variance")] {
        let c = imp.constant(node, i, what)?;
        if c.data.len() != channels {
            return Err(imp.err(
                node,
                format!("{what} has {} values for {channels} channels", c.data.len()),
            ));
        }
        p.push(c.data);
    }
    if p[3].iter().any(|&v| v + eps <= 0.0) {
        return Err(imp.err(node, "variance + epsilon must be positive"));
    }
    let scale: Vec<f64> = p[0]
        .iter()
        .zip(&p[3])
        .map(|(g, v)| g / (v + eps).sqrt())
        .collect();
    let shift = p[1]
        .iter()
        .zip(&p[2])
        .zip(&scale)
        .map(|((b, m), s)| b - m * s)
        .collect();
    affine(imp, node, x, scale, shift)
}
