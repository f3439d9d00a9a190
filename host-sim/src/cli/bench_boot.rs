//! `hearth bench --bootstrap`: one CKKS bootstrap with its keys generated
//! into a PMEM object store and streamed from it under `--mem-budget`, and,
//! with `--openfhe BIN`, OpenFHE's bootstrap run right after it on the same
//! machine (`host-sim/bench/openfhe/`: `boot.cpp` and the script that
//! builds OpenFHE 1.5.1 and it), both printed side by side.

use anyhow::Context as _;
use hearth_device::Engine;
use hearth_he::boot::{run_bench, BenchOptions, BenchReport, Preset};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The 128-bit OpenFHE parameters closest to `n16-full` (N = 2^16, 2^15
/// slots, log2 QP = 1717, level budget {3, 3}, 5 digits, 3 levels after),
/// SlotsToCoeffs first (its more precise variant), one bootstrap.
const OPENFHE_ARGS: [&str; 8] = [
    "lb0=3", "lb1=3", "scale=59", "first=60", "dnum=5", "levels=3", "stc=1", "runs=1",
];

/// What OpenFHE's run printed.
struct Peer {
    seconds: f64,
    bits_mean: f64,
    bits_worst: f64,
    keygen_seconds: f64,
    keys_gib: f64,
    peak_rss_gib: f64,
}

/// Options of the bootstrap benchmark.
#[derive(Debug, Clone, clap::Args)]
pub struct BootArgs {
    /// The bootstrapping preset.
    #[arg(long, value_enum, default_value = "toy-n10")]
    pub preset: Preset,
    /// Threads: a number, or `all` (every core). More than one runs the
    /// software engine's NTTs and the kernels' limb-wise jobs on a pool
    /// (same result); OpenFHE gets the same number (`OMP_NUM_THREADS`).
    #[arg(long, default_value = "1", value_parser = super::parse_threads)]
    pub threads: usize,
    /// MiB the streamed bootstrapping keys may occupy (default: no limit).
    #[arg(long = "mem-budget")]
    pub mem_budget: Option<u64>,
    /// The NTT engine of the bootstrap.
    #[arg(long, value_enum, default_value = "soft")]
    pub engine: Engine,
    /// The PMEM store file for the keys (replaced; default: a temporary file).
    #[arg(long)]
    pub key_store: Option<std::path::PathBuf>,
    /// OpenFHE's peer program (`host-sim/bench/openfhe/build.sh` builds
    /// it): run after hearth's bootstrap with the same thread count, at
    /// N = 2^16 full slots, and printed beside it.
    #[arg(long)]
    pub openfhe: Option<PathBuf>,
}

const MIB: f64 = (1u64 << 20) as f64;
const GIB: f64 = (1u64 << 30) as f64;

/// Runs and prints the benchmark.
pub fn run(a: &BootArgs) -> anyhow::Result<()> {
    let threads = a.threads;
    let (store, temporary) = match &a.key_store {
        Some(p) => (p.clone(), false),
        None => (
            std::env::temp_dir().join(format!("hearth-bootkeys-{}.pmem", std::process::id())),
            true,
        ),
    };
    let opts = BenchOptions {
        preset: a.preset,
        mem_budget: a.mem_budget.map(|m| m << 20),
        engine: a.engine,
        threads,
        store: store.clone(),
        seed: 1,
    };
    eprintln!(
        "bench --bootstrap: generating the key set of {} into {}",
        a.preset.preset().name,
        store.display()
    );
    let r = run_bench(&opts);
    if temporary {
        let _ = std::fs::remove_file(&store);
    }
    let r = r?;
    let peer = match &a.openfhe {
        Some(bin) => {
            eprintln!(
                "bench --bootstrap: running OpenFHE's bootstrap ({})",
                bin.display()
            );
            Some(run_openfhe(bin, threads)?)
        }
        None => None,
    };
    print(&r, peer.as_ref());
    Ok(())
}

/// Runs OpenFHE's peer program with [`OPENFHE_ARGS`], its rotation keys
/// serialized to a temporary file to measure them, and reads its figures.
fn run_openfhe(bin: &Path, omp: usize) -> anyhow::Result<Peer> {
    let keyfile = std::env::temp_dir().join(format!("hearth-openfhe-keys-{}", std::process::id()));
    let out = Command::new(bin)
        .args(OPENFHE_ARGS)
        .arg(format!("keyfile={}", keyfile.display()))
        .env("OMP_NUM_THREADS", omp.to_string())
        .output()
        .with_context(|| format!("running {}", bin.display()));
    // The program writes the rotation keys there and the relinearization
    // key beside it (`.mult`).
    let _ = std::fs::remove_file(&keyfile);
    let _ = std::fs::remove_file(keyfile.with_extension("mult"));
    let out = out?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!(
            "{} failed ({}): {}{}",
            bin.display(),
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let field = |line: &str, key: &str| -> anyhow::Result<f64> {
        text.lines()
            .find(|l| l.starts_with(line))
            .and_then(|l| l.split(key).nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.trim_end_matches([',', ';']).parse().ok())
            .with_context(|| format!("OpenFHE's output has no `{line}…{key}` figure:\n{text}"))
    };
    Ok(Peer {
        seconds: field("EvalBootstrap min:", "min:")?,
        bits_mean: field("precision after bootstrap", "mean")?,
        bits_worst: field("precision after bootstrap", "worst")?,
        keygen_seconds: field("KeyGen+EvalMultKeyGen", "total keygen")?,
        keys_gib: field("serialized rotation/conjugation keys", "keys,")? / 1024.0,
        peak_rss_gib: field("peak RSS (before serialization)", "serialization):")? / 1024.0,
    })
}

fn print(r: &BenchReport, peer: Option<&Peer>) {
    println!(
        "preset {} (N = 2^{}, 2^{} slots, log2 QP = {}), engine {}, {} thread(s)",
        r.preset, r.log_n, r.log_slots, r.log_qp, r.engine, r.threads
    );
    let rows: Vec<(&str, String)> = vec![
        (
            "time per bootstrap (wall / CPU)",
            format!("{:.2} s / {:.2} s", r.seconds, r.cpu_seconds),
        ),
        (
            "precision (mean / worst bits)",
            format!("{:.2} / {:.2}", r.bits_mean, r.bits_worst),
        ),
        (
            "key set (Galois + relin, whole keys)",
            format!(
                "{} + 1 keys, {:.2} GiB",
                r.galois_keys,
                r.key_set_bytes as f64 / GIB
            ),
        ),
        (
            "key store on PMEM (with truncated copies)",
            format!("{:.2} GiB", r.store_bytes as f64 / GIB),
        ),
        (
            "key generation into the store",
            format!("{:.1} s", r.keygen_seconds),
        ),
        (
            "memory budget",
            r.mem_budget
                .map_or("none".into(), |b| format!("{:.0} MiB", b as f64 / MIB)),
        ),
        (
            "resident keys (peak) / fraction of set",
            format!(
                "{:.1} MiB / {:.1} %",
                r.stream.peak_resident as f64 / MIB,
                100.0 * r.resident_fraction()
            ),
        ),
        (
            "PMEM read / key bytes used",
            format!(
                "{:.1} MiB / {:.1} MiB = {:.3}",
                r.stream.bytes_read as f64 / MIB,
                r.stream.key_bytes_used as f64 / MIB,
                r.read_ratio()
            ),
        ),
        (
            "PMEM traffic (media read, modelled time)",
            format!(
                "{:.1} MiB, {:.3} s",
                r.pmem.media_bytes_read as f64 / MIB,
                r.pmem.modelled_ns * 1e-9
            ),
        ),
        (
            "peak RSS (anon, bootstrap / process)",
            format!(
                "{:.2} GiB / {:.2} GiB",
                r.peak_rss_anon as f64 / GIB,
                r.peak_rss as f64 / GIB
            ),
        ),
        (
            "NTTs / device cycles",
            format!("{} / {}", r.ntts, r.device_cycles),
        ),
    ];
    let w = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &rows {
        println!("  {k:<w$}  {v}");
    }
    if let Some(p) = peer {
        println!(
            "OpenFHE 1.5.1, same machine, just after (N = 2^16, 2^15 slots, log2 QP = 1717, StC first, {} thread(s)): {:.2} s, {:.2} / {:.2} bits, key generation {:.1} s, rotation keys {:.2} GiB, peak RSS {:.2} GiB",
            r.threads,
            p.seconds, p.bits_mean, p.bits_worst, p.keygen_seconds, p.keys_gib, p.peak_rss_gib
        );
        // OpenFHE's program reports wall time; hearth's CPU time compares
        // with it on one thread only.
        let cpu = if r.threads == 1 {
            format!(" (CPU {:.2})", r.cpu_seconds / p.seconds)
        } else {
            String::new()
        };
        println!(
            "hearth / OpenFHE: time {:.2}{cpu}, key set {:.2}, peak RSS {:.2}, key generation {:.2}",
            r.seconds / p.seconds,
            r.key_set_bytes as f64 / GIB / p.keys_gib,
            r.peak_rss as f64 / GIB / p.peak_rss_gib,
            r.keygen_seconds / p.keygen_seconds
        );
    }
}
