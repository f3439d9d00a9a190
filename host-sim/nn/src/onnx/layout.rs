//! `AveragePool`, `GlobalAveragePool`, `Flatten`, `Reshape`.

use super::attrs;
use super::graph::{node_name, Importer, Sym};
use super::linear::window;
use crate::error::Result;
use crate::ir::{numel, Op, Pool2d};
use tract_onnx::pb::NodeProto;

/// `AveragePool` in 2-D, `ceil_mode = 0`.
pub fn average_pool<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let x = imp.value(node, 0)?;
    let input = imp
        .net
        .value_shape(x)
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    if attrs::int(node, "ceil_mode", 0) != 0 {
        return Err(imp.err(
            node,
            "ceil_mode = 1 is not supported (export with ceil_mode=False)",
        ));
    }
    let (kernel, stride, padding) = window(imp, node, None, &input)?;
    let pool = Pool2d {
        kernel,
        stride,
        padding,
        count_include_pad: attrs::int(node, "count_include_pad", 0) != 0,
    };
    Ok(Sym::value(imp.net.push(
        node_name(node),
        Op::AvgPool(pool),
        &[x],
        None,
    )?))
}

/// `GlobalAveragePool`: `[C, H, W] → [C, 1, 1]`.
pub fn global_average_pool<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let x = imp.value(node, 0)?;
    Ok(Sym::value(imp.net.push(
        node_name(node),
        Op::GlobalAvgPool,
        &[x],
        None,
    )?))
}

/// `Flatten` with `axis = 1` (the batch axis kept, the rest one axis).
pub fn flatten<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let x = imp.value(node, 0)?;
    let shape = imp
        .net
        .value_shape(x)
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    let axis = attrs::int(node, "axis", 1);
    if axis != 1 && axis != -(shape.len() as i64) {
        return Err(imp.err(
            node,
            format!(
                "Flatten with axis {axis} would mix the batch axis in; only axis 1 is supported"
            ),
        ));
    }
    reshape_to(imp, node, x, vec![numel(&shape)])
}

/// `Reshape(x, shape)` with a constant `shape` whose first entry is the
/// batch axis (`0`, `-1`, or the batch size) and whose `-1` is inferred.
pub fn reshape<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let target = imp.constant(node, 1, "the shape")?;
    let x = imp.value(node, 0)?;
    let shape = imp
        .net
        .value_shape(x)
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    let n = numel(&shape);
    let dims: Vec<i64> = target.data.iter().map(|&v| v as i64).collect();
    let Some((_, rest)) = dims.split_first() else {
        return Err(imp.err(node, "an empty target shape would drop the batch axis"));
    };
    if attrs::int(node, "allowzero", 0) != 0 && rest.contains(&0) {
        return Err(imp.err(node, "allowzero = 1 with a zero dimension is not supported"));
    }
    let mut out = Vec::with_capacity(rest.len());
    let mut infer = None;
    for (i, &d) in rest.iter().enumerate() {
        match d {
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            0 => out.push(shape.get(i).copied().unwrap_or(0)),
            d if d > 0 => out.push(d as usize),
            _ => return Err(imp.err(node, format!("target shape {dims:?} is not supported"))),
        }
    }
    if let Some(i) = infer {
        let known: usize = out.iter().product();
        if known == 0 || !n.is_multiple_of(known) {
            return Err(imp.err(
                node,
                format!("cannot reshape [batch, {shape:?}] to {dims:?}"),
            ));
        }
        out[i] = n / known;
    }
    reshape_to(imp, node, x, out)
}

fn reshape_to<'a>(
    imp: &mut Importer<'a>,
    node: &'a NodeProto,
    x: usize,
    out: Vec<usize>,
) -> Result<Sym> {
    if imp.net.value_shape(x) == Some(out.as_slice()) {
        return Ok(Sym::value(x));
    }
    Ok(Sym::value(imp.net.push(
        node_name(node),
        Op::Reshape,
        &[x],
        Some(out),
    )?))
}

/// `Pad` that pads nothing (PyTorch writes one before every `AveragePool`):
/// an alias. Non-zero padding outside a convolution or pooling window is
/// not supported.
pub fn pad<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let mode = attrs::string(node, "mode", "constant");
    let pads = imp.constant(node, 1, "the pads")?;
    if mode != "constant" || pads.data.iter().any(|&p| p != 0.0) {
        return Err(imp.err(
            node,
            format!("Pad (mode `{mode}`, pads {:?}) is supported only when it pads nothing; put the padding in the Conv or AveragePool `pads`", pads.data),
        ));
    }
    imp.input(node, 0)
}
