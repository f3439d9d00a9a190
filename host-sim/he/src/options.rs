//! What a run is asked to do: the engine, the packing, the seed, the
//! calibration rows.

use hearth_device::Engine;

/// How samples are laid out in ciphertext slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Packing {
    /// Many samples across the slots, one ciphertext per feature, no rotations.
    Throughput,
    /// One sample per ciphertext; diagonal matrix–vector products with
    /// baby-step giant-step rotations.
    Latency,
}

impl Packing {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Packing::Throughput => "throughput",
            Packing::Latency => "latency",
        }
    }
}

/// Options of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// NTT engine.
    pub engine: Engine,
    /// Slot layout.
    pub packing: Packing,
    /// Seed for key generation and encryption (OS entropy when `None`).
    pub seed: Option<u64>,
    /// Rows whose value ranges size the parameters (default: the rows run).
    pub calibration: Option<Vec<Vec<f64>>>,
}
