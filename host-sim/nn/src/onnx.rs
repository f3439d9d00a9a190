//! ONNX import: a model file becomes a [`Network`].
//!
//! The file is decoded by `tract-onnx` (its `prost` types for the ONNX
//! protobuf schema, `onnx().proto_model_for_path`), opsets 13 to 21 of the
//! default domain. The importer walks the graph in order, keeping for every
//! ONNX value a symbolic form ([`graph::Sym`]):
//!
//! - a constant (initializers, `Constant`, and anything computed from
//!   constants only), as `f64`;
//! - `p(v)`: a polynomial `p` of an IR value `v`. Element-wise `Add`, `Sub`,
//!   `Mul`, `Div`, `Neg` and `Pow` with scalar constants, and `Mul(x, x)`,
//!   compose polynomials of the same value, so whatever subgraph an exporter
//!   writes for `c0 + c1·x + c2·x² + …` (PyTorch writes Horner's form as
//!   alternating `Mul` and `Add`; `x**2` as `Pow`) becomes one
//!   [`Op::Poly`] (or [`Op::Square`] for exactly `x²`) when a layer reads it.
//!
//! Linear ops become IR layers: `Gemm` and `MatMul` by a constant
//! [`Op::Dense`], `Conv` [`Op::Conv2d`]; a following per-channel `Add` /
//! `Mul` / `BatchNormalization` is folded into that layer's weights and bias
//! when the layer's output has no other reader, and is an [`Op::Affine`]
//! otherwise. `AveragePool`, `GlobalAveragePool`, `Flatten`, `Reshape` and
//! `Identity` map one to one; the sum of two different values is a residual
//! [`Op::Add`]. `Relu` is refused with [`Error::Relu`] unless
//! [`ReluPolicy::Keep`] is chosen, which keeps [`Op::Relu`] nodes for
//! [`Network::approximate_relu`] to replace.
//!
//! The batch axis: the graph's single input must have a fixed shape but for
//! its first axis (any size, or symbolic), which is dropped; IR shapes are
//! per sample.

mod attrs;
mod elementwise;
mod graph;
mod layout;
mod linear;
pub mod tensor;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::ir::{Network, Op};
use std::path::Path;
use tract_onnx::pb::ModelProto;
use tract_onnx::prelude::Framework;

/// The opsets of the default domain the importer accepts.
pub const OPSETS: std::ops::RangeInclusive<i64> = 13..=21;

/// The operators the importer accepts, for messages.
pub const SUPPORTED_OPS: &str = "Gemm, MatMul, Add, Sub, Mul, Div, Neg, Pow, Conv, AveragePool, \
    GlobalAveragePool, BatchNormalization, Flatten, Reshape, Pad (of nothing), Identity, Constant, Relu (with --relu poly:DEGREE)";

/// What to do with `Relu` nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReluPolicy {
    /// Refuse the model with [`Error::Relu`] naming the first ReLU node.
    #[default]
    Refuse,
    /// Keep [`Op::Relu`] nodes (plaintext only) for
    /// [`Network::approximate_relu`] to replace.
    Keep,
}

/// Options of [`import`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// What to do with `Relu` nodes.
    pub relu: ReluPolicy,
}

/// An imported model: the network and the names of its input and output.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The network.
    pub network: Network,
    /// The graph input's name.
    pub input: String,
    /// The graph output's name.
    pub output: String,
    /// The default-domain opset the file declares.
    pub opset: i64,
}

/// Reads and imports an ONNX model file.
pub fn import(path: impl AsRef<Path>, options: ImportOptions) -> Result<Imported> {
    let path = path.as_ref();
    std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let proto = tract_onnx::onnx()
        .proto_model_for_path(path)
        .map_err(|e| Error::NotOnnx {
            path: path.to_path_buf(),
            message: format!("{e:#}"),
        })?;
    import_proto(path, &proto, options)
}

/// Imports a model from its bytes; `name` names it in errors.
pub fn import_bytes(
    name: impl AsRef<Path>,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<Imported> {
    let path = name.as_ref();
    let proto = tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| Error::NotOnnx {
            path: path.to_path_buf(),
            message: format!("{e:#}"),
        })?;
    import_proto(path, &proto, options)
}

/// Imports a decoded model; `path` names it in errors.
pub fn import_proto(path: &Path, model: &ModelProto, options: ImportOptions) -> Result<Imported> {
    let not_onnx = |message: String| Error::NotOnnx {
        path: path.to_path_buf(),
        message,
    };
    let graph = model
        .graph
        .as_ref()
        .filter(|g| !g.node.is_empty() || !g.output.is_empty())
        .ok_or_else(|| not_onnx("the file holds no graph".into()))?;
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .ok_or_else(|| not_onnx("no opset of the default domain is declared".into()))?;
    if !OPSETS.contains(&opset) {
        return Err(Error::Opset {
            path: path.to_path_buf(),
            version: opset,
        });
    }
    let imported = graph::Importer::run(path, graph, options)?;
    Ok(Imported { opset, ..imported })
}

impl Imported {
    /// Ok when the network has no [`Op::Relu`] left.
    pub fn encryptable(&self) -> Result<()> {
        self.network.encryptable()
    }

    /// Whether the network holds ReLU nodes.
    pub fn has_relu(&self) -> bool {
        self.network.nodes().iter().any(|n| n.op == Op::Relu)
    }
}
