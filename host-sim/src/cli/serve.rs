//! `hearth serve --models 1,16,128,256`: serve that many tenants' copies of
//! the bundled breast-cancer model, each under its own keys, with every NTT
//! on one shared device model (`--engine device`, the default) or in
//! software on the CPU tasks (`--engine soft`), and print throughput,
//! per-model memory, the concurrent/sequential ratio and what the device did.

use hearth_nn::bundled::CASES;
use hearth_nn::data::Dataset;
use hearth_nn::Mlp;
use hearth_serve::bench::{EngineKind, ServeFigures, ServeOptions};
use hearth_serve::scheduler::SchedulerConfig;
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
    /// Where the NTTs run: one device model shared by all tenants through
    /// the scheduler, or software on each CPU task.
    #[arg(long, value_enum, default_value_t = EngineKind::Device)]
    engine: EngineKind,
    /// Threads of the CPU pool (0: four per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Device faults injected per million device jobs.
    #[arg(long, default_value_t = 0)]
    faults: u64,
    /// Retries of a failed device job before software fallback.
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// Limbs a tenant may send per round-robin turn of the scheduler.
    #[arg(long, default_value_t = 32)]
    quantum: usize,
    /// Print JSON (one object per model count).
    #[arg(long)]
    json: bool,
    /// Where the tenants' relinearization keys live between evaluations.
    #[arg(long, value_enum, default_value_t = KeyPlace::Pmem)]
    keys: KeyPlace,
}

/// Where `hearth serve` keeps the tenants' relinearization keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyPlace {
    /// In memory, for the whole run.
    Memory,
    /// In a PMEM object store, read back for each evaluation.
    Pmem,
}

/// Runs `hearth serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    let case = &CASES[0];
    let mlp = Mlp::from_bytes(Path::new("breast_cancer.safetensors"), case.model)?;
    let data = Dataset::parse(Path::new("breast_cancer.csv"), case.csv)?;
    let rows = data.rows[..a.rows.min(data.rows.len())].to_vec();
    let opts = ServeOptions {
        engine: a.engine,
        threads: a.threads,
        scheduler: SchedulerConfig {
            faults_per_million: a.faults,
            retries: a.retries,
            quantum: a.quantum,
            ..SchedulerConfig::default()
        },
        park_keys: a.keys == KeyPlace::Pmem,
    };
    if !a.json {
        println!(
            "{:>6} {:>6} {:>6} {:>9} {:>8} {:>9} {:>8} {:>9} {:>6} {:>7} {:>9} {:>9} {:>6} {:>5} {:>5}",
            "models",
            "engine",
            "keys",
            "KiB/model",
            "conc. s",
            "samples/s",
            "seq. s",
            "samples/s",
            "ratio",
            "limbs/b",
            "dev Mcyc",
            "dev ms",
            "busy",
            "fallb",
            "wrong"
        );
    }
    for &m in &a.models {
        let f = hearth_serve::bench::serve(&mlp, &rows, m, &opts)?;
        if a.json {
            println!("{}", serde_json::to_string(&f)?);
        } else {
            print_row(&f);
        }
    }
    Ok(())
}

fn print_row(f: &ServeFigures) {
    let engine = match f.engine {
        EngineKind::Soft => "soft",
        EngineKind::Device => "device",
    };
    let (limbs, mcyc, ms, busy, fallbacks) = match &f.device {
        Some(d) => (
            format!("{:.1}", d.mean_batch_limbs),
            format!("{:.1}", d.device_cycles as f64 / 1e6),
            format!("{:.1}", d.device_seconds * 1e3),
            format!("{:.0}%", 100.0 * d.ntt_share),
            d.reliability.fallbacks.to_string(),
        ),
        None => ("-".into(), "-".into(), "-".into(), "-".into(), "-".into()),
    };
    println!(
        "{:>6} {:>6} {:>6} {:>9.0} {:>8.2} {:>9.1} {:>8.2} {:>9.1} {:>6.2} {:>7} {:>9} {:>9} {:>6} {:>5} {:>5}",
        f.models,
        engine,
        if f.keys_in_pmem { "pmem" } else { "memory" },
        f.per_model_kb,
        f.concurrent_seconds,
        f.concurrent_throughput,
        f.sequential_seconds,
        f.sequential_throughput,
        f.speedup,
        limbs,
        mcyc,
        ms,
        busy,
        fallbacks,
        f.disagreements
    );
}
