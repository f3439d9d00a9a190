//! `Add`, `Sub`, `Mul`, `Div`, `Neg`, `Pow`: polynomial algebra on values,
//! per-channel affine maps by constants, residual sums, and constant folding.

use super::graph::{node_name, Importer, Sym};
use super::linear;
use super::tensor::Constant;
use crate::error::Result;
use crate::ir::{Op, Polynomial};
use tract_onnx::pb::NodeProto;

/// The largest integer exponent `Pow` accepts.
const MAX_POWER: f64 = 16.0;

/// How a constant broadcasts against one sample of a value.
enum Bcast {
    /// One number for every element.
    Scalar(f64),
    /// One number per channel (index along the sample's first axis).
    Channel(Vec<f64>),
}

/// Classifies `c` against a per-sample shape by ONNX (NumPy) broadcasting
/// over `[batch, sample…]`.
fn broadcast(c: &Constant, sample: &[usize]) -> Option<Bcast> {
    let rank = sample.len() + 1;
    if c.shape.len() > rank {
        return None;
    }
    let mut dims = vec![1; rank - c.shape.len()];
    dims.extend(&c.shape);
    if dims[0] != 1 {
        return None;
    }
    let dims = &dims[1..];
    if dims.iter().all(|&d| d == 1) {
        return c.as_scalar().map(Bcast::Scalar);
    }
    let per_channel = dims[0] == sample[0] && dims[1..].iter().all(|&d| d == 1);
    per_channel.then(|| Bcast::Channel(c.data.clone()))
}

/// Element-wise ops on two constants (same shape, or one a scalar).
fn fold(a: &Constant, b: &Constant, f: impl Fn(f64, f64) -> f64) -> Option<Constant> {
    let (shape, n) = if a.data.len() >= b.data.len() {
        (&a.shape, a.data.len())
    } else {
        (&b.shape, b.data.len())
    };
    if !(a.data.len() == b.data.len() || a.data.len() == 1 || b.data.len() == 1) {
        return None;
    }
    let at = |c: &Constant, i: usize| {
        if c.data.len() == 1 {
            c.data[0]
        } else {
            c.data[i]
        }
    };
    Some(Constant {
        shape: shape.clone(),
        data: (0..n).map(|i| f(at(a, i), at(b, i))).collect(),
    })
}

/// Imports one element-wise node.
pub fn apply<'a>(imp: &mut Importer<'a>, node: &'a NodeProto) -> Result<Sym> {
    let op = node.op_type.as_str();
    let a = imp.input(node, 0)?;
    if op == "Neg" {
        return Ok(match a {
            Sym::Const(c) => Sym::Const(Constant {
                data: c.data.iter().map(|v| -v).collect(),
                ..c
            }),
            Sym::Value(id, p) => Sym::Value(id, p.scale(-1.0)),
        });
    }
    let b = imp.input(node, 1)?;
    if op == "Pow" {
        return power(imp, node, a, b);
    }
    let f = |x: f64, y: f64| match op {
        "Add" => x + y,
        "Sub" => x - y,
        "Mul" => x * y,
        _ => x / y,
    };
    match (a, b) {
        (Sym::Const(x), Sym::Const(y)) => fold(&x, &y, f)
            .map(Sym::Const)
            .ok_or_else(|| imp.err(node, format!("constant shapes {:?} and {:?} do not broadcast", x.shape, y.shape))),
        (Sym::Value(i, p), Sym::Value(j, q)) if i == j => match op {
            "Add" => Ok(Sym::Value(i, p.add(&q))),
            "Sub" => Ok(Sym::Value(i, p.add(&q.scale(-1.0)))),
            "Mul" => Ok(Sym::Value(i, p.mul(&q))),
            _ => Err(imp.err(node, "division by a value computed from the input is not supported (encryption cannot divide)")),
        },
        (Sym::Value(i, p), Sym::Value(j, q)) => match op {
            "Add" | "Sub" => {
                let q = if op == "Sub" { q.scale(-1.0) } else { q };
                let name = node_name(node);
                let x = imp.materialise(&Sym::Value(i, p), &name)?;
                let y = imp.materialise(&Sym::Value(j, q), &name)?;
                Ok(Sym::value(imp.net.push(name, Op::Add, &[x, y], None)?))
            }
            _ => Err(imp.err(
                node,
                format!("`{op}` of two different tensors computed from the input is not supported (only x·x of one tensor)"),
            )),
        },
        (Sym::Value(i, p), Sym::Const(c)) => by_constant(imp, node, (i, p), &c, false),
        (Sym::Const(c), Sym::Value(i, p)) => by_constant(imp, node, (i, p), &c, true),
    }
}

/// `p(v) ∘ c` (or `c ∘ p(v)` when `swapped`).
fn by_constant<'a>(
    imp: &mut Importer<'a>,
    node: &'a NodeProto,
    (id, p): (usize, Polynomial),
    c: &Constant,
    swapped: bool,
) -> Result<Sym> {
    let op = node.op_type.as_str();
    let sample = imp
        .net
        .value_shape(id)
        .map(<[usize]>::to_vec)
        .unwrap_or_default();
    let bc = broadcast(c, &sample).ok_or_else(|| {
        imp.err(
            node,
            format!(
                "a constant of shape {:?} does not broadcast per channel against a value of shape [batch, {}]",
                c.shape,
                sample.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    if op == "Div" && swapped {
        return Err(imp.err(node, "division by a value computed from the input is not supported (encryption cannot divide)"));
    }
    let v = match bc {
        Bcast::Channel(v) => v,
        Bcast::Scalar(s) => return scalar(imp, node, (id, p), s, swapped),
    };
    let x = imp.materialise(&Sym::Value(id, p), &node_name(node))?;
    let ones = vec![1.0];
    let zeros = vec![0.0];
    let neg = |v: &[f64]| v.iter().map(|x| -x).collect::<Vec<_>>();
    let (scale, shift) = match (op, swapped) {
        ("Add", _) => (ones, v),
        ("Sub", false) => (ones, neg(&v)),
        ("Sub", true) => (vec![-1.0], v),
        ("Mul", _) => (v, zeros),
        _ => {
            if v.contains(&0.0) {
                return Err(imp.err(node, "division by zero"));
            }
            (v.iter().map(|x| 1.0 / x).collect(), zeros)
        }
    };
    linear::affine(imp, node, x, scale, shift)
}

/// `p(v) ∘ s` (or `s ∘ p(v)`) for a scalar `s`: a new polynomial of `v`.
fn scalar(
    imp: &Importer<'_>,
    node: &NodeProto,
    (id, p): (usize, Polynomial),
    s: f64,
    swapped: bool,
) -> Result<Sym> {
    let k = Polynomial::new(vec![s]);
    let q = match (node.op_type.as_str(), swapped) {
        ("Add", _) => p.add(&k),
        ("Sub", false) => p.add(&k.scale(-1.0)),
        ("Sub", true) => p.scale(-1.0).add(&k),
        ("Mul", _) => p.scale(s),
        _ if s != 0.0 => p.scale(1.0 / s),
        _ => return Err(imp.err(node, "division by zero")),
    };
    Ok(Sym::Value(id, q))
}

fn power<'a>(imp: &mut Importer<'a>, node: &'a NodeProto, a: Sym, b: Sym) -> Result<Sym> {
    let e = match &b {
        Sym::Const(c) => c.as_scalar(),
        Sym::Value(..) => None,
    };
    let e = e
        .filter(|e| e.fract() == 0.0 && (1.0..=MAX_POWER).contains(e))
        .ok_or_else(|| {
            imp.err(
                node,
                format!("`Pow` needs a constant integer exponent from 1 to {MAX_POWER}"),
            )
        })?;
    match a {
        Sym::Const(c) => Ok(Sym::Const(Constant {
            data: c.data.iter().map(|v| v.powi(e as i32)).collect(),
            ..c
        })),
        Sym::Value(id, p) => {
            let mut out = p.clone();
            for _ in 1..e as usize {
                out = out.mul(&p);
            }
            Ok(Sym::Value(id, out))
        }
    }
}
