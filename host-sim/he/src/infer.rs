//! Running a model over a data set: the plaintext reference and the
//! encrypted network, compared row by row into a [`RunReport`].

use crate::encrypted::{run_network, HeOutput};
use crate::error::{Error, Result};
use crate::options::RunOptions;
use crate::report::{compare, RunReport};
use hearth_nn::data::Dataset;
use hearth_nn::Mlp;
use hearth_pmem::usage::{peak_rss_kb, process_cpu_ns};
use std::time::Instant;

/// Checks that `data` fits `mlp` (feature count).
pub fn check_fit(mlp: &Mlp, data: &Dataset) -> Result<()> {
    if data.num_features() != mlp.inputs() {
        return Err(Error::FeatureCount {
            path: data.path.clone(),
            columns: data.num_features(),
            inputs: mlp.inputs(),
        });
    }
    Ok(())
}

/// Runs `mlp` over every row of `data`.
/// `on_rows` is told how many rows each step finished.
pub fn run(
    mlp: &Mlp,
    model_name: &str,
    data: &Dataset,
    opts: &RunOptions,
    on_rows: &mut dyn FnMut(usize),
) -> Result<RunReport> {
    check_fit(mlp, data)?;
    let plain: Vec<Vec<f64>> = data.rows.iter().map(|r| mlp.forward(r)).collect();
    measure(model_name, data, &plain, opts, || {
        run_network(mlp, &data.rows, opts, on_rows)
    })
}

/// Times `encrypted` (the encrypted run over `data`'s rows) and compares its
/// logits with `plain` row by row into a [`RunReport`]; the one place a
/// report is assembled, for MLPs and for compiled networks alike.
pub(crate) fn measure(
    model_name: &str,
    data: &Dataset,
    plain: &[Vec<f64>],
    opts: &RunOptions,
    encrypted: impl FnOnce() -> Result<HeOutput>,
) -> Result<RunReport> {
    let start = Instant::now();
    let cpu0 = process_cpu_ns();
    let he = encrypted()?;
    let cpu_seconds = process_cpu_ns()
        .zip(cpu0)
        .map(|(b, a)| b.saturating_sub(a) as f64 * 1e-9);
    let seconds = start.elapsed().as_secs_f64() - he.keygen_seconds;
    let (predictions, plain_predictions, agreeing, accuracy, plain_accuracy, max_logit_diff) =
        compare(&he.logits, plain, data.labels.as_deref());
    Ok(RunReport {
        dataset: data.path.display().to_string(),
        model: model_name.to_string(),
        encrypted: true,
        engine: opts.engine.name().into(),
        threads: opts.threads.max(1),
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
        upload_bytes: he.upload_bytes,
        upload_bytes_per_sample: he.upload_bytes as f64 / data.len().max(1) as f64,
        streamed: he.streamed,
        cpu_seconds,
    })
}
