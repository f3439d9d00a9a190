//! `hearth stream`: generate a network larger than the memory budget into the
//! PMEM store and run it layer by layer from there.

use super::gen::{generate, layer_name};
use crate::store::ObjectStore;
use std::path::PathBuf;

/// Arguments of `hearth stream`.
#[derive(Debug, clap::Args)]
pub struct StreamArgs {
    /// The PMEM store file (created if absent).
    #[arg(long, default_value = "hearth-stream.pmem")]
    store: PathBuf,
    /// Layers of the generated network.
    #[arg(long, default_value_t = 16)]
    layers: usize,
    /// Width of every layer.
    #[arg(long, default_value_t = 1024)]
    width: usize,
    /// Memory budget for weights in flight, in MiB.
    #[arg(long = "mem-budget", default_value_t = 16)]
    mem_budget_mib: u64,
    /// Input rows.
    #[arg(long, default_value_t = 4)]
    rows: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `hearth stream`.
pub fn run(a: StreamArgs) -> anyhow::Result<()> {
    let model = format!("gen-{}x{}", a.layers, a.width);
    let layer_bytes = 4 * a.width as u64 * (a.width as u64 + 1) + 8;
    let need = (a.layers as u64 * (layer_bytes + 1024)) * 2 + (1 << 20);
    let mut store = ObjectStore::open_or_create(&a.store, need)?;
    if (0..a.layers).any(|i| !store.contains(&layer_name(&model, i))) {
        if store.free_bytes() < need / 2 {
            drop(store);
            store = ObjectStore::create(&a.store, need)?;
        }
        eprintln!("generating {model} into {}", a.store.display());
        generate(&mut store, &model, a.layers, a.width, 1)?;
    }
    let rows: Vec<Vec<f32>> = (0..a.rows)
        .map(|r| {
            (0..a.width)
                .map(|j| ((r * 31 + j * 7) % 13) as f32 / 13.0)
                .collect()
        })
        .collect();
    let budget = a.mem_budget_mib << 20;
    let (rep, _) = super::run(store, &model, a.layers, rows, budget)?;
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
            a.mem_budget_mib,
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
