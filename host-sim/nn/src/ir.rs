//! The network IR: one graph of typed layers with shapes, the form every
//! model takes inside hearth, whatever file it came from (`hearth-mlp-v1`
//! safetensors through [`Network::from_mlp`], ONNX through
//! [`crate::onnx::import`]).
//!
//! A [`Network`] maps one sample (a tensor of shape [`Network::input_shape`],
//! row-major, no batch axis) to its logits. Values are numbered: value 0 is
//! the input, value `i + 1` the output of node `i`; nodes are stored in
//! topological order and each names the values it reads, so a residual
//! branch is a node that reads two earlier values. Every node records the
//! shape it produces, checked when it is added ([`Network::push`]).
//!
//! The ops are the ones an encrypted evaluator can compute with additions,
//! plaintext multiplications, rotations and ciphertext products: dense and
//! 2-D convolution layers (batch normalisation folded into them at import),
//! average pooling, per-channel affine maps, reshapes, the sum of two
//! branches, and polynomial activations. [`Op::Relu`] is the one exception:
//! it exists so that an imported network can be run in plaintext to calibrate
//! a polynomial replacement ([`relu`]), and [`Network::encryptable`] refuses
//! it.
//!
//! Plaintext evaluation ([`eval`]) is in `f64`, directly from the
//! definitions (convolution as the six-fold sum, activations by Horner's
//! rule); it is the reference the encrypted evaluator and the ONNX oracle are
//! compared with.

mod eval;
mod mlp;
mod ops;
pub mod poly;
pub mod relu;

pub use ops::{Affine, Conv2d, Dense, Pool2d};
pub use poly::Polynomial;

use crate::error::{Error, Result};

/// The index of a value: 0 is the network's input, `i + 1` the output of
/// node `i`.
pub type ValueId = usize;

/// A tensor shape without the batch axis, e.g. `[1, 28, 28]` (channels,
/// height, width) or `[10]`.
pub type Shape = Vec<usize>;

/// The number of elements of a shape.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// One layer of a network.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `y = W·x + b` on a vector.
    Dense(Dense),
    /// 2-D cross-correlation (ONNX `Conv`) on `[C, H, W]`.
    Conv2d(Conv2d),
    /// Average pooling on `[C, H, W]`.
    AvgPool(Pool2d),
    /// The mean of each channel: `[C, H, W] → [C, 1, 1]`.
    GlobalAvgPool,
    /// `y = scale[c]·x + shift[c]` with `c` the index along the first axis
    /// (a per-channel affine map: a batch normalisation that follows no
    /// linear layer, a product with or sum of a constant).
    Affine(Affine),
    /// The same elements in a new shape (flatten, reshape).
    Reshape,
    /// The element-wise sum of the node's two inputs (a residual join).
    Add,
    /// `y = x²`.
    Square,
    /// `y = p(x)` element-wise.
    Poly(Polynomial),
    /// `y = max(x, 0)`: plaintext only, for calibrating its replacement.
    Relu,
}

impl Op {
    /// A short name for messages and summaries (`dense`, `conv2d`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Dense(_) => "dense",
            Op::Conv2d(_) => "conv2d",
            Op::AvgPool(_) => "avgpool",
            Op::GlobalAvgPool => "global-avgpool",
            Op::Affine(_) => "affine",
            Op::Reshape => "reshape",
            Op::Add => "add",
            Op::Square => "square",
            Op::Poly(_) => "poly",
            Op::Relu => "relu",
        }
    }

    /// The multiplicative depth of the op under CKKS, counting a plaintext
    /// product as one level (dense, convolution, pooling, affine) and a
    /// polynomial as its evaluation plan's depth (see [`poly::Plan`]).
    pub fn depth(&self) -> u32 {
        match self {
            Op::Dense(_) | Op::Conv2d(_) | Op::AvgPool(_) | Op::GlobalAvgPool | Op::Affine(_) => 1,
            Op::Reshape | Op::Add | Op::Relu => 0,
            Op::Square => 1,
            Op::Poly(p) => p.plan().depth,
        }
    }
}

/// One node: an op, the values it reads, and the shape it produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// A name for messages (the ONNX node name, or `layers.{i}`).
    pub name: String,
    /// The op.
    pub op: Op,
    /// The values read: one, or two for [`Op::Add`].
    pub inputs: Vec<ValueId>,
    /// The shape of the output.
    pub shape: Shape,
}

/// A network: an input shape and nodes in topological order; the last node's
/// output is the logits.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    input_shape: Shape,
    nodes: Vec<Node>,
}

impl Network {
    /// An empty network over inputs of `input_shape` (no zero dimension).
    pub fn new(input_shape: Shape) -> Result<Self> {
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(Error::Network(format!(
                "input shape {input_shape:?} must be non-empty with no zero dimension"
            )));
        }
        Ok(Network {
            input_shape,
            nodes: Vec::new(),
        })
    }

    /// The shape of one input sample.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// The nodes, in evaluation order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The shape of value `v` (`None` past the last node).
    pub fn value_shape(&self, v: ValueId) -> Option<&[usize]> {
        match v {
            0 => Some(&self.input_shape),
            _ => self.nodes.get(v - 1).map(|n| n.shape.as_slice()),
        }
    }

    /// The shape of the output (the input's for a network with no node).
    pub fn output_shape(&self) -> &[usize] {
        self.nodes.last().map_or(&self.input_shape, |n| &n.shape)
    }

    /// The output value's id.
    pub fn output(&self) -> ValueId {
        self.nodes.len()
    }

    /// Appends a node reading `inputs`, checks the op against the input
    /// shapes (`target` is the output shape of a [`Op::Reshape`] and ignored
    /// otherwise), and returns the new value's id.
    pub fn push(
        &mut self,
        name: impl Into<String>,
        op: Op,
        inputs: &[ValueId],
        target: Option<Shape>,
    ) -> Result<ValueId> {
        let name = name.into();
        let mut shapes = Vec::with_capacity(inputs.len());
        for &v in inputs {
            let s = self.value_shape(v).ok_or_else(|| {
                Error::Network(format!(
                    "node `{name}` reads value {v}, which is not yet computed"
                ))
            })?;
            shapes.push(s.to_vec());
        }
        let shape = ops::output_shape(&name, &op, &shapes, target)?;
        self.nodes.push(Node {
            name,
            op,
            inputs: inputs.to_vec(),
            shape,
        });
        Ok(self.nodes.len())
    }

    /// Replaces node `i`'s op by `op` of the same output shape (used when
    /// folding a following affine map into a linear layer).
    pub fn replace_op(&mut self, i: usize, op: Op) -> Result<()> {
        let node = self
            .nodes
            .get(i)
            .ok_or_else(|| Error::Network(format!("no node {i}")))?;
        let shapes: Vec<Shape> = node
            .inputs
            .iter()
            .map(|&v| {
                self.value_shape(v)
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default()
            })
            .collect();
        let shape = ops::output_shape(&node.name, &op, &shapes, Some(node.shape.clone()))?;
        if shape != node.shape {
            return Err(Error::Network(format!(
                "node `{}`: replacement changes the shape {:?} to {shape:?}",
                node.name, node.shape
            )));
        }
        self.nodes[i].op = op;
        Ok(())
    }

    /// Ok when every op can be evaluated under encryption; otherwise the
    /// first node that cannot ([`Op::Relu`]), by name.
    pub fn encryptable(&self) -> Result<()> {
        match self.nodes.iter().find(|n| n.op == Op::Relu) {
            Some(n) => Err(Error::Relu {
                node: n.name.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The multiplicative depth of the network: the longest path from the
    /// input to the output, summing [`Op::depth`].
    pub fn depth(&self) -> u32 {
        let mut d = vec![0u32; self.nodes.len() + 1];
        for (i, n) in self.nodes.iter().enumerate() {
            let start = n.inputs.iter().map(|&v| d[v]).max().unwrap_or(0);
            d[i + 1] = start + n.op.depth();
        }
        d[self.nodes.len()]
    }

    /// One line per node: `name: kind shape`, then the input shape first,
    /// e.g. `[1, 28, 28] → conv2d [4, 8, 8] → square → …`.
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.input_shape);
        for n in &self.nodes {
            s += &format!(" → {} {:?}", n.op.kind(), n.shape);
        }
        s
    }
}
