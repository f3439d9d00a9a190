//! Homomorphic evaluation of `hearth-mlp-v1` networks over the kernels' CKKS.

use crate::error::Result;
use crate::infer::RunOptions;
use crate::nn::Mlp;
use crate::pmem::PmemStats;

/// What the encrypted evaluation of a batch produced and measured.
#[derive(Debug, Clone, Default)]
pub struct HeOutput {
    /// Decrypted logits per row; `None` when this build has no CKKS back end
    /// (the run is then the plaintext reference only and says so).
    pub logits: Option<Vec<Vec<f64>>>,
    /// Seconds spent in key generation.
    pub keygen_seconds: f64,
    /// Seconds of one ciphertext's evaluation.
    pub latency_seconds: f64,
    /// NTTs executed.
    pub ntts: u64,
    /// Simulated device cycles.
    pub device_cycles: u64,
    /// Simulated device seconds at the RTL clock.
    pub device_seconds: f64,
    /// PMEM traffic.
    pub pmem: PmemStats,
    /// Parameter summary.
    pub parameters: Option<String>,
}

/// Evaluates `mlp` on `rows` under encryption.
pub fn run_network(_mlp: &Mlp, _rows: &[Vec<f64>], _opts: &RunOptions) -> Result<HeOutput> {
    Ok(HeOutput::default())
}
