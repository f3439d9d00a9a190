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

/// One bundled MNIST network (ONNX, trained by
/// `host-sim/models/scripts/train_mnist.py` on `host-sim/data/mnist_train.csv.gz`).
#[derive(Debug, Clone, Copy)]
pub struct BundledOnnx {
    /// Short name (`mnist_a`, …).
    pub name: &'static str,
    /// The layers, in words.
    pub description: &'static str,
    /// The ONNX bytes.
    pub model: &'static [u8],
    /// The plaintext test accuracy the training script reported, in percent.
    pub accuracy: f64,
}

/// The MNIST test split (2,004 images, `p0 … p783,label`), gzip'd CSV.
pub const MNIST_TEST_CSV_GZ: &[u8] = include_bytes!("../../data/mnist_test.csv.gz");

/// The three bundled MNIST networks.
pub const MNIST: [BundledOnnx; 3] = [
    BundledOnnx {
        name: "mnist_a",
        description: "TenSEAL Tutorial 4: conv 1→4 7×7 stride 3, x², dense 256→64, x², dense 64→10",
        model: include_bytes!("../../models/mnist_a.onnx"),
        accuracy: 97.16,
    },
    BundledOnnx {
        name: "mnist_b",
        description: "CryptoNets/LoLa class: conv 1→5 5×5 stride 2 pad 1, x², dense 845→100, x², dense 100→10",
        model: include_bytes!("../../models/mnist_b.onnx"),
        accuracy: 97.90,
    },
    BundledOnnx {
        name: "mnist_c",
        description: "conv 1→8 3×3, batch norm, avgpool 2, poly3, conv 8→16 3×3, batch norm, avgpool 2, poly3, dense 784→64, batch norm, poly3, dense 64→32, batch norm, poly5, dense 32→10",
        model: include_bytes!("../../models/mnist_c.onnx"),
        accuracy: 98.65,
    },
];

/// The bundled deep MNIST network, 13 multiplicative levels (more than the
/// user levels of any bootstrapping chain, so it runs refreshed by
/// bootstrapping).
pub const MNIST_DEEP: BundledOnnx = BundledOnnx {
    name: "mnist_d",
    description:
        "dense 784→32, batch norm, then 5 × [poly2, dense 32→32, batch norm], poly2, dense 32→10",
    model: include_bytes!("../../models/mnist_d.onnx"),
    accuracy: 96.51,
};
