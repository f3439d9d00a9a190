//! What one run of a model over a data set measured: predictions against the
//! plaintext model's, accuracy, timing, NTTs, device cycles, PMEM traffic
//! and peak memory. Serialises to the JSON of `hearth infer --json`.

use hearth_pmem::PmemStats;
use serde::Serialize;

/// The result of running a model over a data set.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Data set name or file.
    pub dataset: String,
    /// Model file or bundled name.
    pub model: String,
    /// Whether the network ran on ciphertexts (false: the plaintext reference only).
    pub encrypted: bool,
    /// `soft`, `sim` or `rtl`.
    pub engine: String,
    /// Threads the engine ran on.
    pub threads: usize,
    /// `throughput` or `latency`.
    pub packing: String,
    /// Number of samples.
    pub samples: usize,
    /// The predicted class of every row, in order.
    pub predictions: Vec<usize>,
    /// The plaintext model's predictions.
    pub plain_predictions: Vec<usize>,
    /// Fraction of rows where `predictions` equals `plain_predictions`.
    pub agreement: f64,
    /// Number of rows that agree.
    pub agreeing: usize,
    /// Accuracy of `predictions` (when the data has labels).
    pub accuracy: Option<f64>,
    /// Accuracy of the plaintext model (when the data has labels).
    pub plain_accuracy: Option<f64>,
    /// Largest |encrypted logit − plaintext logit| over all rows and classes.
    pub max_logit_diff: f64,
    /// Seconds for the whole batch (key generation excluded).
    pub seconds: f64,
    /// Seconds of one encrypted inference as the packing delivers it: one
    /// ciphertext's evaluation (latency packing: one sample; throughput
    /// packing: a full batch of slots).
    pub latency_seconds: f64,
    /// CPU seconds of the same, over the process's threads (unaffected by
    /// other load).
    pub latency_cpu_seconds: f64,
    /// Samples per second over the whole batch.
    pub throughput: f64,
    /// Seconds spent in key generation.
    pub keygen_seconds: f64,
    /// NTTs executed (each limb of each polynomial counts once).
    pub ntts: u64,
    /// Simulated device cycles (engine `sim`/`rtl`).
    pub device_cycles: u64,
    /// Simulated device time at the RTL clock, seconds.
    pub device_seconds: f64,
    /// PMEM traffic of the run.
    pub pmem: PmemStats,
    /// Peak resident set size, kB (`VmHWM` of /proc/self/status).
    pub peak_rss_kb: Option<u64>,
    /// HE parameters used (ring degree, chain bits, scale bits), if encrypted.
    pub parameters: Option<String>,
    /// SHA-256 over the output ciphertexts' digests (equal for equal seeds).
    pub ciphertext_sha256: Option<String>,
    /// Bytes the client uploaded: its input ciphertexts in the compact
    /// seeded format (`c_0` bit-packed, `c_1` as a 32-byte seed).
    pub upload_bytes: u64,
    /// `upload_bytes` per sample (latency packing: one ciphertext per
    /// sample; throughput packing: a batch's ciphertexts shared by its
    /// samples).
    pub upload_bytes_per_sample: f64,
    /// The latency packing's traffic with the PMEM stores its rotation
    /// keys and diagonals are streamed from (`null` when they are in
    /// memory): records and bytes written and read over the whole run,
    /// and the most bytes of them resident at once.
    pub streamed: Option<crate::compiler::streamed::Traffic>,
    /// CPU seconds the process's threads spent on the run (the engine's pool
    /// included; waiting for a shared CPU not counted),
    /// `CLOCK_PROCESS_CPUTIME_ID`.
    pub cpu_seconds: Option<f64>,
}

/// Fills `agreement`, `accuracy` and `max_logit_diff` from logits.
pub fn compare(
    logits: &[Vec<f64>],
    plain: &[Vec<f64>],
    labels: Option<&[usize]>,
) -> (Vec<usize>, Vec<usize>, usize, Option<f64>, Option<f64>, f64) {
    use hearth_nn::model::argmax;
    let pred: Vec<usize> = logits.iter().map(|l| argmax(l)).collect();
    let plain_pred: Vec<usize> = plain.iter().map(|l| argmax(l)).collect();
    let agree = pred.iter().zip(&plain_pred).filter(|(a, b)| a == b).count();
    let acc = |p: &[usize]| {
        labels
            .map(|l| p.iter().zip(l).filter(|(a, b)| a == b).count() as f64 / p.len().max(1) as f64)
    };
    let diff = logits
        .iter()
        .zip(plain)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0.0, f64::max);
    let (a, pa) = (acc(&pred), acc(&plain_pred));
    (pred, plain_pred, agree, a, pa, diff)
}
