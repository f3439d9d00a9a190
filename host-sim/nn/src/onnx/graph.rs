//! The graph walk: the input, the symbolic value of every ONNX name, the
//! dispatch by operator, and the output.

use super::tensor::{self, Constant};
use super::{
    attrs, elementwise, layout, linear, ImportOptions, Imported, ReluPolicy, SUPPORTED_OPS,
};
use crate::error::{Error, Result};
use crate::ir::{Network, Op, Polynomial, ValueId};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tract_onnx::pb::{
    tensor_shape_proto::dimension::Value as Dim, type_proto, GraphProto, NodeProto,
};

/// The symbolic value of an ONNX name.
#[derive(Debug, Clone)]
pub enum Sym {
    /// A constant.
    Const(Constant),
    /// `poly(value)` element-wise; the identity polynomial for the value
    /// itself.
    Value(ValueId, Polynomial),
}

impl Sym {
    /// The value itself.
    pub fn value(id: ValueId) -> Sym {
        Sym::Value(id, identity())
    }
}

/// The polynomial `x`.
pub fn identity() -> Polynomial {
    Polynomial::new(vec![0.0, 1.0])
}

/// The importer's state.
pub struct Importer<'a> {
    /// The file, for messages.
    pub path: PathBuf,
    /// The network built so far.
    pub net: Network,
    syms: HashMap<&'a str, Sym>,
    /// How many nodes (and graph outputs) read each ONNX name.
    readers: HashMap<&'a str, usize>,
    /// The ONNX names bound to each IR value as itself (for folding).
    names_of: HashMap<ValueId, Vec<&'a str>>,
    /// Materialised polynomials, so one `p(v)` becomes one node.
    materialised: Vec<(ValueId, Polynomial, ValueId)>,
    options: ImportOptions,
}

/// The name used for a node in messages.
pub fn node_name(node: &NodeProto) -> String {
    if !node.name.is_empty() {
        node.name.clone()
    } else {
        format!(
            "{} → {}",
            node.op_type,
            node.output.first().map_or("?", |s| s.as_str())
        )
    }
}

impl<'a> Importer<'a> {
    /// Imports `graph`.
    pub fn run(path: &Path, graph: &'a GraphProto, options: ImportOptions) -> Result<Imported> {
        let mut syms = HashMap::new();
        for init in &graph.initializer {
            let c = tensor::decode(init).map_err(|m| Error::OnnxNode {
                path: path.to_path_buf(),
                node: format!("initializer `{}`", init.name),
                message: m,
            })?;
            syms.insert(init.name.as_str(), Sym::Const(c));
        }
        let inputs: Vec<_> = graph
            .input
            .iter()
            .filter(|i| !syms.contains_key(i.name.as_str()))
            .collect();
        let [input] = inputs.as_slice() else {
            let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(Error::OnnxNode {
                path: path.to_path_buf(),
                node: "graph".into(),
                message: format!(
                    "the graph needs exactly one non-constant input, it has {names:?}"
                ),
            });
        };
        let shape = input_shape(path, input)?;
        let mut readers: HashMap<&str, usize> = HashMap::new();
        for n in &graph.node {
            for i in n.input.iter().filter(|i| !i.is_empty()) {
                *readers.entry(i.as_str()).or_default() += 1;
            }
        }
        for o in &graph.output {
            *readers.entry(o.name.as_str()).or_default() += 1;
        }
        let mut imp = Importer {
            path: path.to_path_buf(),
            net: Network::new(shape)?,
            syms,
            readers,
            names_of: HashMap::from([(0, vec![input.name.as_str()])]),
            materialised: Vec::new(),
            options,
        };
        imp.syms.insert(input.name.as_str(), Sym::value(0));
        for node in &graph.node {
            imp.node(node)?;
        }
        let [output] = graph.output.as_slice() else {
            return Err(imp.err_graph(format!(
                "the graph needs exactly one output, it has {}",
                graph.output.len()
            )));
        };
        let sym = imp.get(&output.name, "graph output")?;
        let id = imp.materialise(&sym, "graph output")?;
        if id != imp.net.output() || id == 0 {
            let shape = imp.net.value_shape(id).map(<[usize]>::to_vec);
            imp.net
                .push(output.name.clone(), Op::Reshape, &[id], shape)?;
        }
        Ok(Imported {
            network: imp.net,
            input: input.name.clone(),
            output: output.name.clone(),
            opset: 0,
        })
    }

    fn err_graph(&self, message: String) -> Error {
        Error::OnnxNode {
            path: self.path.clone(),
            node: "graph".into(),
            message,
        }
    }

    /// An [`Error::OnnxNode`] for `node`.
    pub fn err(&self, node: &NodeProto, message: impl Into<String>) -> Error {
        Error::OnnxNode {
            path: self.path.clone(),
            node: node_name(node),
            message: message.into(),
        }
    }

    /// The symbolic value of `name`.
    pub fn get(&self, name: &str, node: &str) -> Result<Sym> {
        self.syms.get(name).cloned().ok_or_else(|| Error::OnnxNode {
            path: self.path.clone(),
            node: node.to_string(),
            message: format!("reads `{name}`, which no earlier node, initializer or input defines"),
        })
    }

    /// Input `i` of `node` (an error when absent).
    pub fn input(&self, node: &NodeProto, i: usize) -> Result<Sym> {
        match node.input.get(i).filter(|s| !s.is_empty()) {
            Some(name) => self.get(name, &node_name(node)),
            None => Err(self.err(node, format!("input {i} is missing"))),
        }
    }

    /// Input `i` of `node`, which must be a constant.
    pub fn constant(&self, node: &NodeProto, i: usize, what: &str) -> Result<Constant> {
        match self.input(node, i)? {
            Sym::Const(c) => Ok(c),
            Sym::Value(..) => Err(self.err(
                node,
                format!("{what} (input {i}) must be a constant (an initializer or a Constant node), not computed from the input"),
            )),
        }
    }

    /// Input `i` of `node`, which must be computed from the network's input;
    /// its IR value (polynomials materialised).
    pub fn value(&mut self, node: &NodeProto, i: usize) -> Result<ValueId> {
        let sym = self.input(node, i)?;
        if let Sym::Const(_) = sym {
            return Err(self.err(
                node,
                format!("input {i} must be computed from the network's input, not a constant"),
            ));
        }
        self.materialise(&sym, &node_name(node))
    }

    /// The IR value of `sym`: `p(v)` becomes a [`Op::Square`] / [`Op::Poly`]
    /// node (once per distinct `(v, p)`).
    pub fn materialise(&mut self, sym: &Sym, node: &str) -> Result<ValueId> {
        let (id, p) = match sym {
            Sym::Value(id, p) => (*id, p),
            Sym::Const(_) => {
                return Err(Error::OnnxNode {
                    path: self.path.clone(),
                    node: node.to_string(),
                    message: "the value is a constant, independent of the network's input".into(),
                })
            }
        };
        if *p == identity() {
            return Ok(id);
        }
        if let Some(&(_, _, out)) = self
            .materialised
            .iter()
            .find(|(v, q, _)| *v == id && q == p)
        {
            return Ok(out);
        }
        let op = if p.coefficients() == [0.0, 0.0, 1.0] {
            Op::Square
        } else {
            Op::Poly(p.clone())
        };
        let name = format!("{node}.activation");
        let out = self.net.push(name, op, &[id], None)?;
        self.materialised.push((id, p.clone(), out));
        Ok(out)
    }

    /// Whether IR value `id` is read by exactly one ONNX reader, so a
    /// following affine map may be folded into the layer producing it.
    pub fn single_reader(&self, id: ValueId) -> bool {
        let readers: usize = self.names_of.get(&id).map_or(0, |names| {
            names
                .iter()
                .map(|n| self.readers.get(n).copied().unwrap_or(0))
                .sum()
        });
        readers == 1 && !self.net.nodes().iter().any(|n| n.inputs.contains(&id))
    }

    /// Binds output `i` of `node` to `sym`.
    pub fn bind(&mut self, node: &'a NodeProto, i: usize, sym: Sym) {
        if let Some(name) = node.output.get(i).filter(|s| !s.is_empty()) {
            if let Sym::Value(id, p) = &sym {
                if *p == identity() {
                    self.names_of.entry(*id).or_default().push(name.as_str());
                }
            }
            self.syms.insert(name.as_str(), sym);
        }
    }

    fn node(&mut self, node: &'a NodeProto) -> Result<()> {
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(self.unsupported(node));
        }
        let out = match node.op_type.as_str() {
            "Constant" => Sym::Const(self.constant_node(node)?),
            "Identity" => self.input(node, 0)?,
            "Add" | "Sub" | "Mul" | "Div" | "Neg" | "Pow" => elementwise::apply(self, node)?,
            "Gemm" => linear::gemm(self, node)?,
            "MatMul" => linear::matmul(self, node)?,
            "Conv" => linear::conv(self, node)?,
            "BatchNormalization" => linear::batch_norm(self, node)?,
            "AveragePool" => layout::average_pool(self, node)?,
            "GlobalAveragePool" => layout::global_average_pool(self, node)?,
            "Flatten" => layout::flatten(self, node)?,
            "Reshape" => layout::reshape(self, node)?,
            "Pad" => layout::pad(self, node)?,
            "Relu" => match self.options.relu {
                ReluPolicy::Refuse => {
                    return Err(Error::Relu {
                        node: node_name(node),
                    })
                }
                ReluPolicy::Keep => {
                    let x = self.value(node, 0)?;
                    Sym::value(self.net.push(node_name(node), Op::Relu, &[x], None)?)
                }
            },
            _ => return Err(self.unsupported(node)),
        };
        self.bind(node, 0, out);
        Ok(())
    }

    fn unsupported(&self, node: &NodeProto) -> Error {
        let op = if node.domain.is_empty() {
            node.op_type.clone()
        } else {
            format!("{}:{}", node.domain, node.op_type)
        };
        Error::UnsupportedOp {
            path: self.path.clone(),
            node: node_name(node),
            op,
            supported: SUPPORTED_OPS,
        }
    }

    fn constant_node(&self, node: &NodeProto) -> Result<Constant> {
        if let Some(t) = attrs::raw(node, "value").and_then(|a| a.t.as_ref()) {
            return tensor::decode(t).map_err(|m| self.err(node, m));
        }
        if let Some(a) = attrs::raw(node, "value_float") {
            return Ok(Constant::scalar(f64::from(a.f)));
        }
        if let Some(a) = attrs::raw(node, "value_int") {
            return Ok(Constant::scalar(a.i as f64));
        }
        if let Some(a) = attrs::raw(node, "value_floats") {
            return Ok(Constant {
                shape: vec![a.floats.len()],
                data: a.floats.iter().map(|&v| f64::from(v)).collect(),
            });
        }
        if let Some(a) = attrs::raw(node, "value_ints") {
            return Ok(Constant {
                shape: vec![a.ints.len()],
                data: a.ints.iter().map(|&v| v as f64).collect(),
            });
        }
        Err(self.err(
            node,
            "Constant without a value, value_float(s) or value_int(s) attribute",
        ))
    }
}

/// The per-sample shape of the graph input: every dimension but the first
/// (the batch axis) fixed and positive.
fn input_shape(path: &Path, input: &tract_onnx::pb::ValueInfoProto) -> Result<Vec<usize>> {
    let dynamic = |shape: String| Error::DynamicShape {
        path: path.to_path_buf(),
        input: input.name.clone(),
        shape,
    };
    let tensor = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => t,
        _ => return Err(dynamic("(not declared)".into())),
    };
    if tensor.elem_type != 1 && tensor.elem_type != 11 {
        return Err(Error::OnnxNode {
            path: path.to_path_buf(),
            node: format!("input `{}`", input.name),
            message: format!("element type {} is not float or double", tensor.elem_type),
        });
    }
    let dims = tensor
        .shape
        .as_ref()
        .map(|s| s.dim.as_slice())
        .unwrap_or_default();
    let shown: Vec<String> = dims
        .iter()
        .map(|d| match &d.value {
            Some(Dim::DimValue(v)) => v.to_string(),
            Some(Dim::DimParam(p)) => p.clone(),
            None => "?".into(),
        })
        .collect();
    let shown = format!("[{}]", shown.join(", "));
    if dims.len() < 2 {
        return Err(dynamic(shown));
    }
    let mut shape = Vec::with_capacity(dims.len() - 1);
    for d in &dims[1..] {
        match d.value {
            Some(Dim::DimValue(v)) if v > 0 && v < 1 << 31 => shape.push(v as usize),
            _ => return Err(dynamic(shown)),
        }
    }
    Ok(shape)
}
