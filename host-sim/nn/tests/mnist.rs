//! The bundled MNIST networks: imported into the IR, evaluated in
//! plaintext on the 2,004 test images, and compared with tract running the
//! ONNX files.

use hearth_nn::bundled::{BundledOnnx, MNIST, MNIST_DEEP, MNIST_TEST_CSV_GZ};
use hearth_nn::ir::Op;
use hearth_nn::model::argmax;
use hearth_nn::onnx::{import_bytes, ImportOptions};
use hearth_nn::oracle::Oracle;
use hearth_nn::Dataset;
use std::path::Path;

#[test]
fn bundled_networks_match_tract_and_reach_their_accuracy() {
    let data = Dataset::parse_gz(Path::new("mnist_test.csv.gz"), MNIST_TEST_CSV_GZ).unwrap();
    assert_eq!(data.len(), 2004);
    let floors = [97.0, 97.0, 98.5];
    let layers = [
        &["conv2d", "square", "reshape", "dense", "square", "dense"][..],
        &["conv2d", "square", "reshape", "dense", "square", "dense"][..],
        &[
            "conv2d", "avgpool", "poly", "conv2d", "avgpool", "poly", "reshape", "dense", "poly",
            "dense", "poly", "dense",
        ][..],
    ];
    let degrees = [&[][..], &[][..], &[3, 3, 3, 5][..]];
    for (((m, floor), layers), degrees) in MNIST.iter().zip(floors).zip(layers).zip(degrees) {
        matches_tract(&data, m, floor, layers, degrees);
    }
}

/// The deep network: batch norms folded into the dense layers, degree-2
/// polynomials (its 13 levels are checked on the compiled program).
#[test]
fn deep_network_matches_tract_and_reaches_its_accuracy() {
    let data = Dataset::parse_gz(Path::new("mnist_test.csv.gz"), MNIST_TEST_CSV_GZ).unwrap();
    let mut layers = vec!["reshape", "dense"];
    for _ in 0..6 {
        layers.extend(["poly", "dense"]);
    }
    matches_tract(&data, &MNIST_DEEP, 96.0, &layers, &[2; 6]);
}

/// `m` imported has the layer kinds `layers` (its polynomials of the
/// degrees `degrees`, in order), its logits match tract's within 1e-4 on every test image with
/// the same predictions, and its accuracy is at least `floor` and the one
/// recorded.
fn matches_tract(data: &Dataset, m: &BundledOnnx, floor: f64, layers: &[&str], degrees: &[usize]) {
    let labels = data.labels.clone().unwrap();
    let imported = import_bytes(m.name, m.model, ImportOptions::default()).unwrap();
    let net = &imported.network;
    assert_eq!(net.input_shape(), [1, 28, 28], "{}", m.name);
    data.check_shape(net.input_shape()).unwrap();
    let kinds: Vec<&str> = net.nodes().iter().map(|n| n.op.kind()).collect();
    assert_eq!(kinds, layers, "{}", m.name);
    let found: Vec<usize> = net
        .nodes()
        .iter()
        .filter_map(|n| match &n.op {
            Op::Poly(p) => Some(p.degree()),
            _ => None,
        })
        .collect();
    assert_eq!(found, degrees, "{}", m.name);
    let oracle = Oracle::from_bytes(m.name, m.model, net.input_shape()).unwrap();
    let (mut right, mut agree) = (0, 0);
    for (x, &label) in data.rows.iter().zip(&labels) {
        let ours = net.forward(x).unwrap();
        let theirs = oracle.run(x).unwrap();
        let scale = theirs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (a, t) in ours.iter().zip(&theirs) {
            assert!(
                (a - t).abs() <= 1e-4 * scale,
                "{}: {a} vs tract {t}",
                m.name
            );
        }
        right += usize::from(argmax(&ours) == label);
        agree += usize::from(argmax(&ours) == argmax(&theirs));
    }
    let accuracy = 100.0 * right as f64 / data.len() as f64;
    assert!(accuracy >= floor, "{}: {accuracy} %", m.name);
    assert!(
        (accuracy - m.accuracy).abs() < 0.03,
        "{}: {accuracy} % vs recorded {}",
        m.name,
        m.accuracy
    );
    assert_eq!(agree, data.len(), "{}", m.name);
}

#[test]
fn image_rows_are_checked_against_the_input_shape() {
    let mut csv = (0..783)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(",")
        + ",label\n";
    csv += &vec!["0.5"; 783].join(",");
    csv += ",3\n";
    let d = Dataset::parse(Path::new("short.csv"), csv.as_bytes()).unwrap();
    let e = d.check_shape(&[1, 28, 28]).unwrap_err().to_string();
    assert!(
        e.starts_with("short.csv:1:") && e.contains("783") && e.contains("784"),
        "{e}"
    );
    // A row one value short of the header: the error names its line.
    let mut csv = (0..784)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(",")
        + ",label\n";
    for row in 0..3 {
        let n = if row == 2 { 783 } else { 784 };
        csv += &vec!["0.25"; n].join(",");
        csv += ",1\n";
    }
    let e = Dataset::parse(Path::new("ragged.csv"), csv.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("ragged.csv:4:"), "{e}");
    // NaN and infinite pixels.
    for bad in ["NaN", "inf", "-inf"] {
        let mut csv = "p0,p1,label\n0.5,0.5,1\n".to_string();
        csv += &format!("0.5,{bad},2\n");
        let e = Dataset::parse(Path::new("bad.csv"), csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("bad.csv:3:") && e.contains("p1"),
            "{bad}: {e}"
        );
    }
}
