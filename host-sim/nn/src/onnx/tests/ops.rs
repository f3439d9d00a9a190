//! One small random model per op (or per form of an op), imported and
//! compared with tract.

use super::builder::{Attr, Builder, Rng};
use super::check;
use crate::ir::Op;

fn kinds(i: &super::Imported) -> Vec<&'static str> {
    i.network.nodes().iter().map(|n| n.op.kind()).collect()
}

#[test]
fn gemm_with_alpha_beta_and_transposed_weight() {
    let mut r = Rng::new(1);
    let mut b = Builder::new(&[Some(1), Some(6)], 13);
    b.init("w", &[4, 6], &r.vec(24, -1.0, 1.0))
        .init("c", &[4], &r.vec(4, -1.0, 1.0));
    b.node(
        "Gemm",
        &["x", "w", "c"],
        "y",
        vec![
            ("transB", Attr::Int(1)),
            ("alpha", Attr::Float(0.5)),
            ("beta", Attr::Float(2.0)),
        ],
    );
    assert_eq!(kinds(&check(&b, "y", 11)), ["dense"]);
    let mut b = Builder::new(&[None, Some(6)], 17);
    b.init("w", &[6, 3], &r.vec(18, -1.0, 1.0));
    b.node("Gemm", &["x", "w"], "y", vec![]);
    check(&b, "y", 12);
}

#[test]
fn matmul_then_bias_add_folds_into_one_dense() {
    let mut r = Rng::new(2);
    let mut b = Builder::new(&[Some(1), Some(5)], 21);
    b.init("w", &[5, 7], &r.vec(35, -1.0, 1.0))
        .init("bias", &[7], &r.vec(7, -1.0, 1.0));
    b.node("MatMul", &["x", "w"], "m", vec![])
        .node("Add", &["bias", "m"], "y", vec![]);
    assert_eq!(kinds(&check(&b, "y", 21)), ["dense"]);
}

#[test]
fn conv_with_stride_padding_and_bias() {
    let mut r = Rng::new(3);
    let mut b = Builder::new(&[Some(1), Some(2), Some(9), Some(8)], 15);
    b.init("w", &[3, 2, 3, 4], &r.vec(72, -1.0, 1.0))
        .init("bias", &[3], &r.vec(3, -1.0, 1.0));
    b.node(
        "Conv",
        &["x", "w", "bias"],
        "y",
        vec![
            ("strides", Attr::Ints(vec![2, 1])),
            ("pads", Attr::Ints(vec![1, 0, 2, 1])),
        ],
    );
    let i = check(&b, "y", 31);
    assert_eq!(i.network.output_shape(), [3, 5, 6]);
    let mut b = Builder::new(&[Some(1), Some(1), Some(7), Some(7)], 13);
    b.init("w", &[2, 1, 3, 3], &r.vec(18, -1.0, 1.0));
    b.node(
        "Conv",
        &["x", "w"],
        "y",
        vec![
            ("auto_pad", Attr::Str("SAME_UPPER")),
            ("strides", Attr::Ints(vec![2, 2])),
        ],
    );
    assert_eq!(check(&b, "y", 32).network.output_shape(), [2, 4, 4]);
}

#[test]
fn average_pools_with_and_without_padding() {
    for include in [0, 1] {
        let mut b = Builder::new(&[Some(1), Some(2), Some(6), Some(7)], 19);
        b.node(
            "AveragePool",
            &["x"],
            "y",
            vec![
                ("kernel_shape", Attr::Ints(vec![3, 2])),
                ("strides", Attr::Ints(vec![2, 2])),
                ("pads", Attr::Ints(vec![1, 1, 1, 0])),
                ("count_include_pad", Attr::Int(include)),
            ],
        );
        check(&b, "y", 41 + include as u64);
    }
    let mut b = Builder::new(&[Some(1), Some(3), Some(5), Some(4)], 13);
    b.node("GlobalAveragePool", &["x"], "y", vec![]);
    assert_eq!(check(&b, "y", 43).network.output_shape(), [3, 1, 1]);
}

#[test]
fn batch_norm_folds_into_conv_and_stays_affine_after_an_activation() {
    let mut r = Rng::new(5);
    let bn = |b: &mut Builder, r: &mut Rng, x: &str, y: &str| {
        b.init(&format!("{y}g"), &[3], &r.vec(3, 0.5, 1.5))
            .init(&format!("{y}b"), &[3], &r.vec(3, -1.0, 1.0))
            .init(&format!("{y}m"), &[3], &r.vec(3, -1.0, 1.0))
            .init(&format!("{y}v"), &[3], &r.vec(3, 0.5, 2.0));
        let ins = [
            x.to_string(),
            format!("{y}g"),
            format!("{y}b"),
            format!("{y}m"),
            format!("{y}v"),
        ];
        let ins: Vec<&str> = ins.iter().map(String::as_str).collect();
        b.node(
            "BatchNormalization",
            &ins,
            y,
            vec![("epsilon", Attr::Float(1e-3))],
        );
    };
    let mut b = Builder::new(&[Some(1), Some(2), Some(5), Some(5)], 15);
    b.init("w", &[3, 2, 2, 2], &r.vec(24, -1.0, 1.0));
    b.node("Conv", &["x", "w"], "c", vec![]);
    bn(&mut b, &mut r, "c", "n");
    b.node("Mul", &["n", "n"], "s", vec![]);
    bn(&mut b, &mut r, "s", "y");
    let i = check(&b, "y", 51);
    assert_eq!(kinds(&i), ["conv2d", "square", "affine"]);
}

#[test]
fn flatten_reshape_identity_and_constant() {
    let mut r = Rng::new(6);
    let mut b = Builder::new(&[Some(1), Some(2), Some(3), Some(4)], 14);
    b.init_i64("shape", &[0, -1, 4]);
    b.node("Identity", &["x"], "i", vec![])
        .node("Reshape", &["i", "shape"], "r", vec![])
        .node("Flatten", &["r"], "f", vec![]);
    b.constant("w", &[24, 5], &r.vec(120, -1.0, 1.0));
    b.node("MatMul", &["f", "w"], "y", vec![]);
    let i = check(&b, "y", 61);
    assert_eq!(kinds(&i), ["reshape", "reshape", "dense"]);
    assert_eq!(i.network.value_shape(1), Some(&[6, 4][..]));
}

#[test]
fn square_pow_and_polynomial_subgraphs() {
    // x·x and Pow(x, 2) are squares.
    for op in ["Mul", "Pow"] {
        let mut b = Builder::new(&[Some(1), Some(4)], 13);
        b.init("w", &[4, 4], &Rng::new(7).vec(16, -1.0, 1.0))
            .init("two", &[], &[2.0]);
        b.node("MatMul", &["x", "w"], "m", vec![]);
        if op == "Mul" {
            b.node("Mul", &["m", "m"], "y", vec![]);
        } else {
            b.node("Pow", &["m", "two"], "y", vec![]);
        }
        assert_eq!(kinds(&check(&b, "y", 71)), ["dense", "square"]);
    }
    // Horner's form as PyTorch exports it: c0 + x·(c1 + x·(c2 + x·c3)),
    // with a Sub, a Div and a Neg mixed in: one degree-3 polynomial.
    let mut b = Builder::new(&[Some(1), Some(3)], 17);
    for (n, v) in [
        ("c0", 0.25f32),
        ("c1", 0.5),
        ("c2", 0.125),
        ("c3", -0.03),
        ("k", 4.0),
    ] {
        b.init(n, &[], &[v]);
    }
    b.node("Mul", &["x", "c3"], "t3", vec![])
        .node("Add", &["c2", "t3"], "u2", vec![])
        .node("Mul", &["x", "u2"], "t2", vec![])
        .node("Sub", &["t2", "c1"], "u1", vec![])
        .node("Neg", &["u1"], "v1", vec![])
        .node("Mul", &["v1", "x"], "t1", vec![])
        .node("Div", &["t1", "k"], "d", vec![])
        .node("Add", &["d", "c0"], "y", vec![]);
    let i = check(&b, "y", 72);
    match &i.network.nodes()[0].op {
        Op::Poly(p) => assert_eq!(p.degree(), 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(i.network.nodes().len(), 1);
}

#[test]
fn residual_sum_and_per_channel_constants() {
    let mut r = Rng::new(8);
    let mut b = Builder::new(&[Some(1), Some(2), Some(4), Some(4)], 13);
    b.init("w", &[2, 2, 3, 3], &r.vec(36, -1.0, 1.0))
        .init("s", &[2, 1, 1], &r.vec(2, -2.0, 2.0))
        .init("t", &[1, 2, 1, 1], &r.vec(2, -1.0, 1.0));
    b.node(
        "Conv",
        &["x", "w"],
        "c",
        vec![("pads", Attr::Ints(vec![1, 1, 1, 1]))],
    )
    .node("Mul", &["c", "c"], "sq", vec![])
    .node("Mul", &["sq", "s"], "sc", vec![])
    .node("Sub", &["t", "sc"], "st", vec![])
    .node("Add", &["st", "x"], "res", vec![])
    .node("Sub", &["res", "c"], "y", vec![]);
    let i = check(&b, "y", 81);
    assert_eq!(
        kinds(&i),
        ["conv2d", "square", "affine", "affine", "add", "poly", "add"]
    );
}
