//! The bundled data sets and models (`host-sim/data`, `host-sim/models`),
//! compiled into the binary so `hearth demo` needs no files at run time, and
//! the split that every command uses by default.

/// Fraction of each bundled data set held out for testing.
pub const TEST_FRACTION: f64 = 0.2;
/// Seed of the bundled train/test split.
pub const SPLIT_SEED: u64 = 42;

/// One bundled case: a model and the data it was trained on.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// Short name.
    pub name: &'static str,
    /// What it classifies.
    pub description: &'static str,
    /// The CSV bytes.
    pub csv: &'static [u8],
    /// The safetensors bytes.
    pub model: &'static [u8],
    /// The command that rebuilds the model from the data.
    pub train_command: &'static str,
}

/// The breast-cancer case (the hospital case) and the digits case.
pub const CASES: [Bundled; 2] = [
    Bundled {
        name: "breast_cancer",
        description: "Breast Cancer Wisconsin (Diagnostic): malignant vs benign",
        csv: include_bytes!("../../data/breast_cancer.csv"),
        model: include_bytes!("../../models/breast_cancer.safetensors"),
        train_command: BREAST_CANCER_TRAIN,
    },
    Bundled {
        name: "digits",
        description: "Optical Recognition of Handwritten Digits: 8×8 images, 10 classes",
        csv: include_bytes!("../../data/digits.csv"),
        model: include_bytes!("../../models/digits.safetensors"),
        train_command: DIGITS_TRAIN,
    },
];

/// Rebuilds `models/breast_cancer.safetensors`.
pub const BREAST_CANCER_TRAIN: &str = "hearth train --data host-sim/data/breast_cancer.csv --out host-sim/models/breast_cancer.safetensors --hidden 16 --epochs 60 --seed 1";
/// Rebuilds `models/digits.safetensors`.
pub const DIGITS_TRAIN: &str = "hearth train --data host-sim/data/digits.csv --out host-sim/models/digits.safetensors --hidden 32 --epochs 60 --seed 1";
