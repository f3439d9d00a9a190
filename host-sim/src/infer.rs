//! Running a model over a data set: the plaintext reference always, and the
//! encrypted network when the build has the CKKS back end, compared row by
//! row into a [`RunReport`].

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::nn::Mlp;
use crate::report::{compare, peak_rss_kb, thread_cpu_ns, RunReport};
use std::time::Instant;

/// Which engine runs the NTTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The kernels' software NTT on this CPU.
    Soft,
    /// The simulated FPGA pipeline (device model), counting cycles.
    Sim,
    /// The Verilated RTL of the pipeline.
    Rtl,
}

/// How samples are laid out in ciphertext slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Packing {
    /// Many samples across the slots, one ciphertext per feature, no rotations.
    Throughput,
    /// One sample per ciphertext; diagonal matrix–vector products with
    /// baby-step giant-step rotations.
    Latency,
}

impl Engine {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Soft => "soft",
            Engine::Sim => "sim",
            Engine::Rtl => "rtl",
        }
    }
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
    /// Show progress bars.
    pub progress: bool,
    /// Rows whose value ranges size the parameters (default: the rows run).
    pub calibration: Option<Vec<Vec<f64>>>,
}

/// Checks that `data` fits `mlp` (feature count).
pub fn check_fit(mlp: &Mlp, data: &Dataset) -> Result<()> {
    if data.num_features() != mlp.inputs() {
        return Err(Error::Mismatch {
            path: data.path.clone(),
            message: format!(
                "the data has {} feature columns but the model takes {} inputs; \
                 use the CSV the model was trained on (a `label` column is not a feature)",
                data.num_features(),
                mlp.inputs()
            ),
        });
    }
    Ok(())
}

/// Runs `mlp` over every row of `data`.
pub fn run(mlp: &Mlp, model_name: &str, data: &Dataset, opts: &RunOptions) -> Result<RunReport> {
    check_fit(mlp, data)?;
    let plain: Vec<Vec<f64>> = data.rows.iter().map(|r| mlp.forward(r)).collect();
    let start = Instant::now();
    let cpu0 = thread_cpu_ns();
    let he = crate::he::run_network(mlp, &data.rows, opts)?;
    let cpu_seconds = thread_cpu_ns()
        .zip(cpu0)
        .map(|(b, a)| b.saturating_sub(a) as f64 * 1e-9);
    let seconds = start.elapsed().as_secs_f64() - he.keygen_seconds;
    let (encrypted, logits) = match &he.logits {
        Some(l) => (true, l.clone()),
        None => (false, plain.clone()),
    };
    let (predictions, plain_predictions, agreeing, accuracy, plain_accuracy, max_logit_diff) =
        compare(&logits, &plain, data.labels.as_deref());
    Ok(RunReport {
        dataset: data.path.display().to_string(),
        model: model_name.to_string(),
        encrypted,
        engine: opts.engine.name().into(),
        packing: opts.packing.name().into(),
        samples: data.len(),
        agreement: agreeing as f64 / data.len().max(1) as f64,
        agreeing,
        predictions,
        plain_predictions,
        accuracy,
        plain_accuracy,
        max_logit_diff,
        seconds,
        latency_seconds: he.latency_seconds,
        latency_cpu_seconds: he.latency_cpu_seconds,
        throughput: data.len() as f64 / seconds.max(1e-12),
        keygen_seconds: he.keygen_seconds,
        ntts: he.ntts,
        device_cycles: he.device_cycles,
        device_seconds: he.device_seconds,
        pmem: he.pmem,
        peak_rss_kb: peak_rss_kb(),
        parameters: he.parameters,
        ciphertext_sha256: he.ciphertext_sha256,
        cpu_seconds,
    })
}
