//! The importer against tract (the oracle) on small random models, op by
//! op, and on malformed input.

mod bad_input;
mod builder;
mod ops;

use super::{import, ImportOptions, Imported};
use crate::oracle::Oracle;
use builder::{Builder, Rng};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A model file that is removed when dropped.
struct TempModel(PathBuf);

impl TempModel {
    fn new(bytes: &[u8]) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "hearth-onnx-{}-{}.onnx",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, bytes).unwrap();
        TempModel(path)
    }
}

impl Drop for TempModel {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Imports the model, runs it and tract on `samples` random inputs in
/// `[-1, 1)`, asserts the logits agree to 1e-4 relative to the largest, and
/// returns the import.
fn check(b: &Builder, output: &str, seed: u64) -> Imported {
    let file = TempModel::new(&b.bytes(output));
    let imported = import(&file.0, ImportOptions::default()).unwrap();
    let net = &imported.network;
    let oracle = Oracle::load(&file.0, net.input_shape()).unwrap();
    let mut rng = Rng::new(seed);
    for _ in 0..4 {
        let n = crate::ir::numel(net.input_shape());
        let x: Vec<f64> = rng.vec(n, -1.0, 1.0).into_iter().map(f64::from).collect();
        let ours = net.forward(&x).unwrap();
        let theirs = oracle.run(&x).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{}", net.describe());
        let scale = theirs.iter().fold(1e-30f64, |m, v| m.max(v.abs()));
        for (a, t) in ours.iter().zip(&theirs) {
            assert!(
                (a - t).abs() <= 1e-4 * scale,
                "{}: {a} vs tract {t} (scale {scale})",
                net.describe()
            );
        }
    }
    imported
}
