//! `hearth demo` and `hearth infer`.

use anyhow::Context;
use hearth_device::Engine;
use hearth_he::infer::run;
use hearth_he::{Packing, RunOptions};
use hearth_nn::bundled::{CASES, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use hearth_nn::Mlp;
use std::path::{Path, PathBuf};

/// Arguments of `hearth demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// NTT engine.
    #[arg(long, value_enum, default_value_t = Engine::Sim)]
    engine: Engine,
    /// Slot layout.
    #[arg(long, value_enum, default_value_t = Packing::Throughput)]
    packing: Packing,
    /// Seed keys and encryption (default: OS entropy).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON array of reports instead of the table.
    #[arg(long)]
    json: bool,
}

/// Arguments of `hearth infer`.
#[derive(Debug, clap::Args)]
pub struct InferArgs {
    /// A `hearth-mlp-v1` safetensors model.
    #[arg(long)]
    model: PathBuf,
    /// CSV data: header row, the model's feature columns, optional `label`.
    #[arg(long)]
    data: PathBuf,
    /// NTT engine.
    #[arg(long, value_enum, default_value_t = Engine::Sim)]
    engine: Engine,
    /// Slot layout.
    #[arg(long, value_enum, default_value_t = Packing::Throughput)]
    packing: Packing,
    /// Seed keys and encryption (default: OS entropy).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `hearth demo`: the bundled models on their held-out test splits.
pub fn demo(a: DemoArgs) -> anyhow::Result<()> {
    let mut reports = Vec::new();
    let mut names = Vec::new();
    for case in CASES {
        let mlp = Mlp::from_bytes(format!("bundled model {}", case.name), case.model)?;
        let data = Dataset::parse(Path::new(&format!("bundled {}.csv", case.name)), case.csv)?;
        let (train, test) = data.split(TEST_FRACTION, SPLIT_SEED)?;
        // Parameters are sized on the training split, as the model owner would.
        let opts = RunOptions {
            engine: a.engine,
            packing: a.packing,
            seed: a.seed,
            calibration: Some(train.rows),
        };
        if !a.json {
            eprintln!(
                "{}: {} — {} test samples",
                case.name,
                case.description,
                test.len()
            );
        }
        let bar = super::progress::samples(!a.json, test.len());
        let r = run(&mlp, &mlp.describe(), &test, &opts, &mut |n| {
            bar.inc(n as u64)
        })
        .with_context(|| format!("running the bundled {} model", case.name))?;
        bar.finish_and_clear();
        reports.push(r);
        names.push(case.name.to_string());
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        super::table::print(&reports, &names);
    }
    Ok(())
}

/// Runs `hearth infer`.
pub fn infer(a: InferArgs) -> anyhow::Result<()> {
    let mlp = Mlp::load(&a.model)?;
    let data = Dataset::load(&a.data)?;
    let opts = RunOptions {
        engine: a.engine,
        packing: a.packing,
        seed: a.seed,
        calibration: None,
    };
    let bar = super::progress::samples(!a.json, data.len());
    let r = run(
        &mlp,
        &a.model.display().to_string(),
        &data,
        &opts,
        &mut |n| bar.inc(n as u64),
    )?;
    bar.finish_and_clear();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        let name = a
            .data
            .file_name()
            .map_or("data".into(), |n| n.to_string_lossy().into_owned());
        super::table::print(std::slice::from_ref(&r), &[name]);
    }
    Ok(())
}
