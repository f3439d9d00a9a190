//! `hearth serve --models 1,16,128,256`: serve that many tenants' copies of
//! the bundled breast-cancer model, each under its own keys, and print
//! throughput, per-model memory and the concurrent/sequential ratio.

use crate::bundled::CASES;
use crate::data::Dataset;
use crate::nn::Mlp;
use std::path::Path;

/// Arguments of `hearth serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Numbers of models to serve, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,16,128,256")]
    models: Vec<usize>,
    /// Samples per model.
    #[arg(long, default_value_t = 8)]
    rows: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `hearth serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    let case = &CASES[0];
    let mlp = Mlp::from_bytes(Path::new("breast_cancer.safetensors"), case.model)?;
    let data = Dataset::parse(Path::new("breast_cancer.csv"), case.csv)?;
    let rows = data.rows[..a.rows.min(data.rows.len())].to_vec();
    if !a.json {
        println!(
            "{:>7} {:>10} {:>12} {:>12} {:>12} {:>12} {:>8} {:>6}",
            "models", "keygen s", "KiB/model", "conc. s", "samples/s", "seq. s", "ratio", "wrong"
        );
    }
    for &m in &a.models {
        let f = super::bench::serve(&mlp, &rows, m)?;
        if a.json {
            println!("{}", serde_json::to_string(&f)?);
        } else {
            println!(
                "{:>7} {:>10.2} {:>12.0} {:>12.2} {:>12.1} {:>12.2} {:>8.2} {:>6}",
                f.models,
                f.keygen_seconds,
                f.per_model_kb,
                f.concurrent_seconds,
                f.concurrent_throughput,
                f.sequential_seconds,
                f.speedup,
                f.disagreements
            );
        }
    }
    Ok(())
}
