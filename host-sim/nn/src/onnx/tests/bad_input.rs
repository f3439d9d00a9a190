//! Malformed and unsupported models: each a typed error naming the node or
//! the file, never a panic.

use super::builder::{Attr, Builder, Rng};
use super::{check, TempModel};
use crate::error::Error;
use crate::onnx::{import, ImportOptions, ReluPolicy};

fn relu_model() -> Builder {
    let mut r = Rng::new(9);
    let mut b = Builder::new(&[Some(1), Some(4)], 13);
    b.init("w", &[4, 6], &r.vec(24, -1.0, 1.0))
        .init("v", &[6, 3], &r.vec(18, -1.0, 1.0));
    b.node("MatMul", &["x", "w"], "h", vec![])
        .node("Relu", &["h"], "a", vec![])
        .node("MatMul", &["a", "v"], "y", vec![]);
    b
}

#[test]
fn relu_is_refused_by_name_with_the_fix() {
    let file = TempModel::new(&relu_model().bytes("y"));
    let e = import(&file.0, ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::Relu { node } if node == "Relu_a"),
        "{e:?}"
    );
    assert!(e.to_string().contains("--relu poly:"), "{e}");
}

#[test]
fn relu_kept_then_replaced_by_a_fitted_polynomial() {
    let file = TempModel::new(&relu_model().bytes("y"));
    let mut imported = import(
        &file.0,
        ImportOptions {
            relu: ReluPolicy::Keep,
        },
    )
    .unwrap();
    assert!(imported.has_relu());
    assert!(imported.encryptable().is_err());
    // Exact ReLU in plaintext agrees with tract.
    let oracle = crate::oracle::Oracle::load(&file.0, &[4]).unwrap();
    let mut r = Rng::new(10);
    let samples: Vec<Vec<f64>> = (0..64)
        .map(|_| r.vec(4, -1.0, 1.0).into_iter().map(f64::from).collect())
        .collect();
    for s in &samples[..4] {
        let (a, t) = (imported.network.forward(s).unwrap(), oracle.run(s).unwrap());
        assert!(
            a.iter().zip(&t).all(|(a, t)| (a - t).abs() < 1e-5),
            "{a:?} {t:?}"
        );
    }
    let exact: Vec<Vec<f64>> = samples
        .iter()
        .map(|s| imported.network.forward(s).unwrap())
        .collect();
    let fits = imported.network.approximate_relu(6, &samples).unwrap();
    assert_eq!(fits.len(), 1);
    assert!(imported.encryptable().is_ok());
    let f = &fits[0];
    assert!(f.range > 0.0 && f.max_error < 0.1 * f.range, "{f:?}");
    // The logits move by at most the fit error times the last layer's norm.
    let bound: f64 = f.max_error * 6.0;
    for (s, e) in samples.iter().zip(&exact) {
        let a = imported.network.forward(s).unwrap();
        assert!(
            a.iter().zip(e).all(|(a, e)| (a - e).abs() <= bound),
            "{a:?} {e:?}"
        );
    }
}

#[test]
fn unsupported_op_names_node_and_op() {
    let mut b = Builder::new(&[Some(1), Some(4)], 13);
    b.node("Sigmoid", &["x"], "y", vec![]);
    let file = TempModel::new(&b.bytes("y"));
    let e = import(&file.0, ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::UnsupportedOp { node, op, .. } if node == "Sigmoid_y" && op == "Sigmoid"),
        "{e:?}"
    );
    assert!(e.to_string().contains(&file.0.display().to_string()), "{e}");
}

#[test]
fn dynamic_shape_is_refused_but_a_symbolic_batch_is_fine() {
    let mut b = Builder::new(&[Some(1), Some(1), None, Some(4)], 13);
    b.node("GlobalAveragePool", &["x"], "y", vec![]);
    let file = TempModel::new(&b.bytes("y"));
    let e = import(&file.0, ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::DynamicShape { input, shape, .. } if input == "x" && shape == "[1, 1, d2, 4]"),
        "{e:?}"
    );
    let mut b = Builder::new(&[None, Some(1), Some(3), Some(4)], 13);
    b.node("GlobalAveragePool", &["x"], "y", vec![]);
    check(&b, "y", 1);
}

#[test]
fn truncated_and_non_onnx_files() {
    let mut r = Rng::new(11);
    let mut b = Builder::new(&[Some(1), Some(8)], 13);
    b.init("w", &[8, 8], &r.vec(64, -1.0, 1.0))
        .node("MatMul", &["x", "w"], "y", vec![]);
    let bytes = b.bytes("y");
    for cut in [bytes.len() / 2, bytes.len() - 3, 7] {
        let file = TempModel::new(&bytes[..cut]);
        let e = import(&file.0, ImportOptions::default()).unwrap_err();
        assert!(
            matches!(e, Error::NotOnnx { .. } | Error::OnnxNode { .. }),
            "cut {cut}: {e:?}"
        );
        assert!(e.to_string().contains(&file.0.display().to_string()), "{e}");
    }
    for junk in [&b"label,p0\n1,0.5\n"[..], b"", &[0xff; 64]] {
        let file = TempModel::new(junk);
        let e = import(&file.0, ImportOptions::default()).unwrap_err();
        assert!(matches!(e, Error::NotOnnx { .. }), "{e:?}");
    }
    let e = import("/nonexistent/model.onnx", ImportOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
}

#[test]
fn old_opsets_bad_attributes_and_non_constant_weights() {
    let mut b = Builder::new(&[Some(1), Some(4)], 11);
    b.node("Identity", &["x"], "y", vec![]);
    let file = TempModel::new(&b.bytes("y"));
    assert!(matches!(
        import(&file.0, ImportOptions::default()),
        Err(Error::Opset { version: 11, .. })
    ));
    let mut b = Builder::new(&[Some(1), Some(1), Some(6), Some(6)], 13);
    b.init("w", &[1, 1, 3, 3], &[0.5; 9]);
    b.node(
        "Conv",
        &["x", "w"],
        "y",
        vec![("dilations", Attr::Ints(vec![2, 2]))],
    );
    let file = TempModel::new(&b.bytes("y"));
    let e = import(&file.0, ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::OnnxNode { node, message, .. } if node == "Conv_y" && message.contains("dilations")),
        "{e:?}"
    );
    let mut b = Builder::new(&[Some(1), Some(4)], 13);
    b.node("MatMul", &["x", "x"], "y", vec![]);
    let file = TempModel::new(&b.bytes("y"));
    let e = import(&file.0, ImportOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::OnnxNode { node, .. } if node == "MatMul_y"),
        "{e:?}"
    );
}
