//! Seeds of the host targets ([`crate::host`]), made by the writers of the
//! formats they parse.

use std::io::Write;

use hearth_he::container::{self, CiphertextFile, EvalKeyFile, KeyFile, Payload};
use hearth_he::files::default_params;
use hearth_he::stream::eval::geometry;
use hearth_he::stream::records::{to_bytes, Meta};
use hearth_kernels::ntt::SoftwareNtt;
use hearth_nn::model::{Activation, Layer, Mlp};
use hearth_nn::stream::gen::layer_bytes;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::kernels::fixture64;
use crate::seeds::Seed;

/// Container seeds: each file whole (mode = kind, raw) and its payload
/// alone (mode = kind | 4, wrapped by the target; flags in bits 3–4).
fn containers(out: &mut Vec<Seed>) {
    fn push<T: Payload>(out: &mut Vec<Seed>, name: &str, kind: u8, v: &T) {
        let sealed = container::seal(v).expect("seal");
        let mut raw = vec![kind];
        raw.extend(sealed.iter());
        out.push(("host_containers", format!("{name}-file"), raw));
        let mut payload = vec![kind | 4 | (u8::from(v.insecure()) << 3)];
        payload.extend(postcard::to_allocvec(v).expect("serialize"));
        out.push(("host_containers", format!("{name}-payload"), payload));
    }
    let key = KeyFile {
        params: default_params(),
        seed: [7; 32],
        insecure: true,
    };
    push(out, "key", 1, &key);
    let f = fixture64();
    let mut rng = ChaCha20Rng::from_seed([23; 32]);
    let enc = hearth_kernels::ckks::Encryptor::new(&f.ctx);
    let pt = enc
        .encode_real(&mut SoftwareNtt, &[0.25, -2.0], f.ctx.params().scale(), 1)
        .expect("encode");
    let ct = enc
        .encrypt_sk(&mut SoftwareNtt, &f.sk, &pt, &mut rng)
        .expect("encrypt");
    let cts = CiphertextFile {
        params: default_params(),
        key_id: [1, 2, 3, 4, 5, 6, 7, 8],
        columns: vec!["mean radius".into(), "label".into()],
        rows: 2,
        ciphertexts: vec![ct.to_le_bytes(&f.ctx), vec![9; 12]],
        insecure: false,
    };
    push(out, "ciphertexts", 2, &cts);
    let rk = hearth_kernels::ckks::RelinKey::generate(&f.ctx, &mut SoftwareNtt, &f.sk, &mut rng)
        .expect("relin key");
    let evk = EvalKeyFile {
        params: default_params(),
        key_id: [8; 8],
        relin: postcard::to_allocvec(&rk).expect("serialize"),
        insecure: false,
    };
    push(out, "evalkeys", 3, &evk);
}

/// A compiled stream model's description, and plaintext stream layers.
fn stream_meta(out: &mut Vec<Seed>) {
    let params = default_params().params().expect("default parameters");
    for (layers, width) in [(1, 16), (2, 100)] {
        let meta = Meta::new(&params, layers, width, geometry(width)).expect("meta");
        let mut v = vec![0];
        v.extend(to_bytes(&meta).expect("serialize"));
        out.push(("host_stream_meta", format!("he-meta-{layers}x{width}"), v));
    }
    for (o, i) in [(3usize, 2usize), (1, 5)] {
        let mut v = vec![1];
        v.extend((o as u32).to_le_bytes());
        v.extend((i as u32).to_le_bytes());
        for k in 0..o * (i + 1) {
            v.extend((k as f32 * 0.25 - 1.0).to_le_bytes());
        }
        assert_eq!(layer_bytes(o, i), Some(v.len() - 1));
        out.push(("host_stream_meta", format!("layer-{o}x{i}"), v));
    }
}

/// CSV files with and without labels, plain and gzipped.
fn csv(out: &mut Vec<Seed>) {
    let files: [(&str, &[u8]); 3] = [
        ("labels", b"a,label,b\n1,0,2\n3.5,1,-4\n-0.25,2,1e3\n"),
        ("features", b"p0,p1,p2\n0,0.5,1\n1,1,1\n"),
        (
            "quoted",
            b"\"x\",\"y z\",label\n 1.5 , -2 ,3\n\"4\",5e-3,0\n",
        ),
    ];
    for (name, text) in files {
        let mut plain = vec![0];
        plain.extend(text);
        out.push(("host_csv", name.into(), plain));
        let mut gz = flate2::write::GzEncoder::new(vec![1], flate2::Compression::default());
        gz.write_all(text).expect("gzip");
        out.push(("host_csv", format!("{name}.gz"), gz.finish().expect("gzip")));
    }
}

/// `hearth-mlp-v1` models: a small one of each activation, with and
/// without standardisation.
fn models(out: &mut Vec<Seed>) {
    let layer = |outputs: usize, inputs: usize| Layer {
        outputs,
        inputs,
        weight: (0..outputs * inputs)
            .map(|k| f64::from(k as u8) * 0.125 - 0.5)
            .collect(),
        bias: (0..outputs).map(|k| f64::from(k as u8) * 0.25).collect(),
    };
    let square = Mlp {
        layers: vec![layer(3, 2), layer(2, 3)],
        activation: Activation::Square,
        standardise: Some((vec![0.5, -1.0], vec![2.0, 0.25])),
    };
    let poly = Mlp {
        layers: vec![layer(2, 4), layer(2, 2), layer(1, 2)],
        activation: Activation::parse("[0.1, 0.5, 0.25, -0.01]").expect("activation"),
        standardise: None,
    };
    for (name, m) in [("square", square), ("poly", poly)] {
        out.push(("host_model", name.into(), m.to_bytes().expect("serialize")));
    }
}

/// ONNX seeds (built with tract-onnx's `prost` types).
#[cfg(feature = "onnx")]
mod onnx {
    use super::Seed;
    use hearth_nn::onnx::{import_bytes, ImportOptions};
    use tract_onnx::pb::{
        tensor_proto::DataType, tensor_shape_proto::dimension::Value as Dim,
        tensor_shape_proto::Dimension, type_proto, AttributeProto, GraphProto, ModelProto,
        NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
    };

    fn value_info(name: &str, dims: &[i64]) -> ValueInfoProto {
        ValueInfoProto {
            name: name.into(),
            r#type: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: DataType::Float as i32,
                    shape: Some(TensorShapeProto {
                        dim: dims
                            .iter()
                            .map(|&d| Dimension {
                                value: Some(Dim::DimValue(d)),
                                ..Default::default()
                            })
                            .collect(),
                    }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn tensor(name: &str, dims: &[i64]) -> TensorProto {
        let n = dims.iter().product::<i64>();
        TensorProto {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: DataType::Float as i32,
            float_data: (0..n).map(|k| k as f32 * 0.125 - 0.25).collect(),
            ..Default::default()
        }
    }

    fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            input: inputs.iter().map(|s| (*s).into()).collect(),
            output: vec![output.into()],
            name: output.into(),
            attribute,
            ..Default::default()
        }
    }

    /// A small ONNX model: `x[1,4]` → Gemm(3) → Mul (square) → Gemm(2).
    pub fn seeds(out: &mut Vec<Seed>) {
        let trans_b = AttributeProto {
            name: "transB".into(),
            i: 1,
            r#type: tract_onnx::pb::attribute_proto::AttributeType::Int as i32,
            ..Default::default()
        };
        let graph = GraphProto {
            name: "seed".into(),
            input: vec![value_info("x", &[1, 4])],
            output: vec![value_info("y", &[1, 2])],
            initializer: vec![
                tensor("w1", &[3, 4]),
                tensor("b1", &[3]),
                tensor("w2", &[2, 3]),
                tensor("b2", &[2]),
            ],
            node: vec![
                node("Gemm", &["x", "w1", "b1"], "h", vec![trans_b.clone()]),
                node("Mul", &["h", "h"], "s", vec![]),
                node("Gemm", &["s", "w2", "b2"], "y", vec![trans_b]),
            ],
            ..Default::default()
        };
        let model = ModelProto {
            ir_version: 8,
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: 13,
            }],
            graph: Some(graph),
            ..Default::default()
        };
        let bytes = prost::Message::encode_to_vec(&model);
        import_bytes("seed.onnx", &bytes, ImportOptions::default())
            .expect("the seed model imports");
        out.push(("host_onnx_import", "gemm-square-gemm".into(), bytes));
    }
}

/// Every host seed.
pub fn all(out: &mut Vec<Seed>) {
    containers(out);
    stream_meta(out);
    csv(out);
    models(out);
    #[cfg(feature = "onnx")]
    onnx::seeds(out);
}
