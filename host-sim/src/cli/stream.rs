//! `hearth stream`: generate a network larger than the memory budget into the
//! PMEM store and run it layer by layer from there, in plaintext or (with
//! `--encrypted`) on a CKKS ciphertext with its encoded weights and
//! evaluation keys streamed from the store.

use hearth_he::stream::process::StreamEngine;
use hearth_nn::stream::gen::{generate, layer_name};
use hearth_pmem::store::ObjectStore;
use std::path::PathBuf;

/// Arguments of `hearth stream`.
#[derive(Debug, clap::Args)]
pub struct StreamArgs {
    /// The PMEM store file (created if absent).
    #[arg(long, default_value = "hearth-stream.pmem")]
    store: PathBuf,
    /// Layers of the generated network [default: 16, or 4 with --encrypted].
    #[arg(long)]
    layers: Option<usize>,
    /// Width of every layer [default: 1024, or 256 with --encrypted].
    #[arg(long)]
    width: Option<usize>,
    /// Memory budget in MiB [default: 16, or 128 with --encrypted].
    #[arg(long = "mem-budget")]
    mem_budget_mib: Option<u64>,
    /// Run encrypted: CKKS with the encoded weights and evaluation keys
    /// streamed from the store (128-bit secure parameters).
    #[arg(long)]
    encrypted: bool,
    /// With --encrypted: where the server runs its NTTs.
    #[arg(long, value_enum, default_value_t = StreamEngine::Sim)]
    engine: StreamEngine,
    /// Seed for the client's keys (default: operating-system entropy).
    #[arg(long)]
    seed: Option<u64>,
    /// Serve the compiled encrypted model of this name on the stored input
    /// (the server process `--encrypted` starts).
    #[arg(long, hide = true)]
    serve_compiled: Option<String>,
    /// Input rows.
    #[arg(long, default_value_t = 4)]
    rows: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `hearth stream`.
pub fn run(a: StreamArgs) -> anyhow::Result<()> {
    // Bounded memory is measured as RssAnon: freed buffers must leave it.
    hearth_pmem::usage::return_freed_buffers();
    if let Some(model) = &a.serve_compiled {
        let budget = a.mem_budget_mib.unwrap_or(128) << 20;
        let rep = hearth_he::stream::process::serve_compiled(&a.store, model, budget, a.engine)?;
        println!("{}", serde_json::to_string(&rep)?);
        return Ok(());
    }
    if a.encrypted {
        return encrypted(&a);
    }
    let (layers, width) = (a.layers.unwrap_or(16), a.width.unwrap_or(1024));
    let mem_budget_mib = a.mem_budget_mib.unwrap_or(16);
    let model = format!("gen-{layers}x{width}");
    let layer_bytes = 4 * width as u64 * (width as u64 + 1) + 8;
    let need = (layers as u64 * (layer_bytes + 1024)) * 2 + (1 << 20);
    let mut store = ObjectStore::open_or_create(&a.store, need)?;
    if (0..layers).any(|i| !store.contains(&layer_name(&model, i))) {
        if store.free_bytes() < need / 2 {
            drop(store);
            store = ObjectStore::create(&a.store, need)?;
        }
        eprintln!("generating {model} into {}", a.store.display());
        generate(&mut store, &model, layers, width, 1)?;
    }
    let rows = hearth_he::stream::model::rows(a.rows, width);
    let budget = mem_budget_mib << 20;
    let (rep, _) = hearth_nn::stream::run(store, &model, layers, rows, budget)?;
    if a.json {
        let mut v = serde_json::to_value(&rep)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("outputs");
        }
        println!("{v}");
    } else {
        println!(
            "streamed {} layers, {:.1} MiB of weights ({:.1}x the {} MiB budget) in {:.2} s",
            rep.layers,
            rep.model_bytes as f64 / 1048576.0,
            rep.model_bytes as f64 / budget as f64,
            mem_budget_mib,
            rep.seconds
        );
        println!(
            "peak RssAnon {} KiB (start {} KiB; growth {} KiB vs budget {} KiB)",
            rep.rss_anon_peak_kb,
            rep.rss_anon_start_kb,
            rep.rss_anon_peak_kb.saturating_sub(rep.rss_anon_start_kb),
            budget >> 10
        );
        println!(
            "PMEM read {} bytes for {} bytes of weights: {:.4}x the minimum (media {} bytes)",
            rep.pmem_bytes_read, rep.model_bytes, rep.traffic_ratio, rep.pmem_media_bytes_read
        );
    }
    Ok(())
}

fn encrypted(a: &StreamArgs) -> anyhow::Result<()> {
    let (layers, width) = (a.layers.unwrap_or(4), a.width.unwrap_or(256));
    let budget = a.mem_budget_mib.unwrap_or(128) << 20;
    let r = hearth_he::stream::process::run_encrypted(
        &a.store, layers, width, budget, a.seed, a.engine,
    )?;
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    let mib = |b: u64| b as f64 / 1048576.0;
    let run = &r.run;
    println!("{}", r.params);
    println!(
        "compiled {layers} layers x {width} into {} plaintexts, {:.1} MiB + {:.1} MiB of evaluation keys, in {:.1} s",
        r.compile.plaintexts,
        mib(r.compile.weight_bytes),
        mib(r.compile.key_bytes),
        r.compile.seconds
    );
    println!(
        "streamed one encrypted inference of {:.1} MiB ({:.1}x the {} MiB budget) in {:.2} s ({}x{} baby x giant steps)",
        mib(run.model_bytes),
        run.model_bytes as f64 / budget as f64,
        budget >> 20,
        run.seconds,
        run.baby_giant.0,
        run.baby_giant.1
    );
    println!(
        "peak RssAnon {:.1} MiB (start {:.1} MiB; budget {} MiB; admitted working set {:.1} MiB)",
        run.rss_anon_peak_kb as f64 / 1024.0,
        run.rss_anon_start_kb as f64 / 1024.0,
        budget >> 20,
        mib(run.working_set_bytes)
    );
    println!(
        "PMEM read {} bytes for {} bytes of weights and keys: {:.4}x the minimum",
        run.pmem_bytes_read, run.model_bytes, run.traffic_ratio
    );
    if r.engine == "sim" {
        println!(
            "NTTs on the device model: {} jobs, {} cycles ({:.3} s at 250 MHz), {} fell back to software",
            r.device_jobs, r.device_cycles, r.device_seconds, r.fallbacks
        );
    }
    println!(
        "output: streamed ciphertext {} the in-memory evaluation's; decrypted vs plaintext max |error| {:.2e} (outputs up to {:.2})",
        if r.bit_identical { "equals" } else { "DIFFERS FROM" },
        r.max_error,
        r.max_output
    );
    if !r.bit_identical {
        anyhow::bail!("the streamed ciphertext differs from the in-memory evaluation");
    }
    Ok(())
}
