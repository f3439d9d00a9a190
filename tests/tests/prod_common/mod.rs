//! The bundled breast-cancer model and a few of its rows, for the production tests.

use hearth_nn::bundled::CASES;
use hearth_nn::data::Dataset;
use hearth_nn::Mlp;
use std::path::Path;

/// The breast-cancer model and its first `rows` data rows.
pub fn breast_cancer(rows: usize) -> (Mlp, Vec<Vec<f64>>) {
    let case = &CASES[0];
    let mlp = Mlp::from_bytes(Path::new("breast_cancer.safetensors"), case.model).unwrap();
    let data = Dataset::parse(Path::new("breast_cancer.csv"), case.csv).unwrap();
    (mlp, data.rows[..rows].to_vec())
}
