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
    /// Threads: more than one runs the software engine's NTTs and the
    /// kernels' limb-wise jobs on a pool, with the same results
    /// ([`hearth_device::build_threaded`]; the device engines take one).
    pub threads: usize,
    /// Slot layout.
    pub packing: Packing,
    /// Seed for key generation and encryption (OS entropy when `None`).
    pub seed: Option<u64>,
    /// Rows whose value ranges size the parameters (default: the rows run).
    pub calibration: Option<Vec<Vec<f64>>>,
}
