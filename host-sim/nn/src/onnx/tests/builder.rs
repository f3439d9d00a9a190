//! Builds small ONNX models in memory (tract-onnx's `prost` types, encoded
//! with `prost`), so every op is tested on random weights without a Python
//! exporter.

use crate::rng::Prng;
use tract_onnx::pb::{
    attribute_proto::AttributeType, tensor_proto::DataType,
    tensor_shape_proto::dimension::Value as Dim, tensor_shape_proto::Dimension, type_proto,
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, ValueInfoProto,
};

/// Seeded test numbers.
pub struct Rng(Prng);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(Prng::new(seed))
    }

    /// `n` values uniform in `[lo, hi)`, rounded to f32.
    pub fn vec(&mut self, n: usize, lo: f64, hi: f64) -> Vec<f32> {
        (0..n)
            .map(|_| (lo + (hi - lo) * self.0.uniform()) as f32)
            .collect()
    }
}

/// An attribute value.
pub enum Attr {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f32),
    /// Integers.
    Ints(Vec<i64>),
    /// A string.
    Str(&'static str),
}

/// A model under construction.
pub struct Builder {
    graph: GraphProto,
    opset: i64,
}

impl Builder {
    /// A graph whose input `x` has `dims` (a `None` is a symbolic dimension).
    pub fn new(dims: &[Option<i64>], opset: i64) -> Self {
        let dim = dims
            .iter()
            .enumerate()
            .map(|(i, d)| Dimension {
                value: Some(match d {
                    Some(v) => Dim::DimValue(*v),
                    None => Dim::DimParam(format!("d{i}")),
                }),
                ..Default::default()
            })
            .collect();
        let input = ValueInfoProto {
            name: "x".into(),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: DataType::Float as i32,
                    shape: Some(TensorShapeProto { dim }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        Builder {
            graph: GraphProto {
                name: "test".into(),
                input: vec![input],
                ..Default::default()
            },
            opset,
        }
    }

    /// Adds an f32 initializer.
    pub fn init(&mut self, name: &str, dims: &[i64], data: &[f32]) -> &mut Self {
        self.graph.initializer.push(TensorProto {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: DataType::Float as i32,
            raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Default::default()
        });
        self
    }

    /// Adds an int64 initializer.
    pub fn init_i64(&mut self, name: &str, data: &[i64]) -> &mut Self {
        self.graph.initializer.push(TensorProto {
            name: name.into(),
            dims: vec![data.len() as i64],
            data_type: DataType::Int64 as i32,
            int64_data: data.to_vec(),
            ..Default::default()
        });
        self
    }

    /// Adds a node.
    pub fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        output: &str,
        attrs: Vec<(&str, Attr)>,
    ) -> &mut Self {
        let attribute = attrs
            .into_iter()
            .map(|(name, a)| {
                let mut p = AttributeProto {
                    name: name.into(),
                    ..Default::default()
                };
                match a {
                    Attr::Int(i) => (p.i, p.r#type) = (i, AttributeType::Int as i32),
                    Attr::Float(f) => (p.f, p.r#type) = (f, AttributeType::Float as i32),
                    Attr::Ints(v) => (p.ints, p.r#type) = (v, AttributeType::Ints as i32),
                    Attr::Str(s) => {
                        (p.s, p.r#type) = (s.as_bytes().to_vec(), AttributeType::String as i32)
                    }
                }
                p
            })
            .collect();
        self.graph.node.push(NodeProto {
            name: format!("{op}_{output}"),
            op_type: op.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            attribute,
            ..Default::default()
        });
        self
    }

    /// Adds a `Constant` node holding an f32 tensor.
    pub fn constant(&mut self, output: &str, dims: &[i64], data: &[f32]) -> &mut Self {
        let t = TensorProto {
            dims: dims.to_vec(),
            data_type: DataType::Float as i32,
            float_data: data.to_vec(),
            ..Default::default()
        };
        let attr = AttributeProto {
            name: "value".into(),
            t: Some(t),
            r#type: AttributeType::Tensor as i32,
            ..Default::default()
        };
        self.graph.node.push(NodeProto {
            name: format!("Constant_{output}"),
            op_type: "Constant".into(),
            output: vec![output.into()],
            attribute: vec![attr],
            ..Default::default()
        });
        self
    }

    /// The model with graph output `y`.
    pub fn model(&self, output: &str) -> ModelProto {
        let mut graph = self.graph.clone();
        graph.output.push(ValueInfoProto {
            name: output.into(),
            ..Default::default()
        });
        ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: self.opset,
            }],
            producer_name: "hearth-test".into(),
            graph: Some(graph),
            ..Default::default()
        }
    }

    /// The encoded model file with graph output `output`.
    pub fn bytes(&self, output: &str) -> Vec<u8> {
        prost::Message::encode_to_vec(&self.model(output))
    }
}
