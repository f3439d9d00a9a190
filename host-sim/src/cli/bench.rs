//! `hearth bench`: both bundled models × both packings with the software
//! engine on one thread, each in its own process (so peak RSS is per run),
//! optionally side by side with TenSEAL on the same model, rows and CKKS
//! parameters (`host-sim/bench/tenseal_compare.py`); then the convolutional
//! network (a), `mnist_a`, in both packings, beside TenSEAL's own Tutorial 4
//! path on the same weights and images (`host-sim/bench/tenseal_mnist.py`).

use anyhow::{bail, Context};
use hearth_nn::bundled::{CASES, MNIST, MNIST_TEST_CSV_GZ, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Arguments of `hearth bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Samples for latency packing (one ciphertext each).
    #[arg(long, default_value_t = 10)]
    latency_samples: usize,
    /// Also run TenSEAL (creates host-sim/bench/.venv with `tenseal` on first use).
    #[arg(long)]
    tenseal: bool,
    /// Print the measurements as JSON.
    #[arg(long)]
    json: bool,
    /// Also measure production scale: streaming a model over four times the
    /// memory budget (plaintext and encrypted) and serving many tenants.
    #[arg(long)]
    production: bool,
    /// The numbers of models `--production` serves.
    #[arg(long, default_value = "1,16,128,256")]
    models: String,
    /// Benchmark one CKKS bootstrap instead (keys streamed from PMEM).
    #[arg(long)]
    bootstrap: bool,
    /// Options of `--bootstrap`.
    #[command(flatten)]
    boot: super::bench_boot::BootArgs,
}

fn write_csv(d: &Dataset, path: &Path) -> anyhow::Result<()> {
    let mut s = d.feature_names.join(",") + ",label\n";
    for (r, l) in d.rows.iter().zip(d.labels.as_deref().unwrap_or(&[])) {
        let cells: Vec<String> = r.iter().map(|v| format!("{v}")).collect();
        s += &format!("{},{l}\n", cells.join(","));
    }
    std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))
}

fn json_of(mut cmd: Command) -> anyhow::Result<Value> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or("");
    // `hearth infer --json` pretty-prints; take the whole output then.
    serde_json::from_str(if text.trim_start().starts_with('{') {
        &text
    } else {
        line
    })
    .with_context(|| format!("parsing the output of {cmd:?}"))
}

/// Runs `hearth bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    if a.bootstrap {
        return super::bench_boot::run(&a.boot);
    }
    let dir = std::env::temp_dir().join(format!("hearth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let exe = std::env::current_exe()?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/tenseal_compare.py");
    let mut results = Vec::new();
    for case in CASES {
        let data = Dataset::parse(Path::new(case.name), case.csv)?;
        let (_, test) = data.split(TEST_FRACTION, SPLIT_SEED)?;
        let model = dir.join(format!("{}.safetensors", case.name));
        std::fs::write(&model, case.model)?;
        for packing in ["throughput", "latency"] {
            let rows = rows_for(&test, packing, a.latency_samples);
            let csv = dir.join(format!("{}-{packing}.csv", case.name));
            write_csv(&rows, &csv)?;
            eprintln!(
                "bench: {} / {packing} / hearth ({} samples)",
                case.name,
                rows.len()
            );
            let h = hearth_infer(&exe, &model, &csv, packing)?;
            let t = if a.tenseal {
                eprintln!("bench: {} / {packing} / TenSEAL", case.name);
                Some(python(&script, &model, &csv, &["--packing", packing])?)
            } else {
                None
            };
            results.push(serde_json::json!({"dataset": case.name, "packing": packing, "hearth": h, "tenseal": t}));
        }
    }
    results.extend(bench_mnist_a(&a, &exe, &dir)?);
    let production = if a.production {
        Some(super::bench_prod::run(&exe, &dir, &a.models)?)
    } else {
        None
    };
    let _ = std::fs::remove_dir_all(&dir);
    if a.json {
        let v = serde_json::json!({"inference": results, "production": production});
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print_table(&results);
    if let Some(p) = &production {
        super::bench_prod::print(p);
    }
    Ok(())
}

/// The rows a run takes: the first `latency_samples` in the latency
/// packing (one ciphertext each), all of them in the throughput packing.
fn rows_for(test: &Dataset, packing: &str, latency_samples: usize) -> Dataset {
    if packing == "latency" {
        test.subset(&(0..latency_samples.min(test.len())).collect::<Vec<_>>())
    } else {
        test.clone()
    }
}

/// `hearth infer --json` of `model` on `csv` with the software engine,
/// seed 1, in its own process (so its peak RSS is its own).
fn hearth_infer(exe: &Path, model: &Path, csv: &Path, packing: &str) -> anyhow::Result<Value> {
    let mut c = Command::new(exe);
    c.args([
        "infer",
        "--engine",
        "soft",
        "--packing",
        packing,
        "--json",
        "--seed",
        "1",
    ]);
    c.arg("--model").arg(model).arg("--data").arg(csv);
    json_of(c)
}

/// A peer's Python script on `model` and `csv`, with `extra` arguments.
fn python(script: &Path, model: &Path, csv: &Path, extra: &[&str]) -> anyhow::Result<Value> {
    let mut c = Command::new("python3");
    c.arg(script)
        .arg("--model")
        .arg(model)
        .arg("--data")
        .arg(csv);
    c.args(extra);
    json_of(c)
}

/// Network (a), `mnist_a.onnx`, on the bundled MNIST test images: hearth
/// in both packings (latency on the first `--latency-samples` images,
/// throughput on all 2,004) and, with `--tenseal`, TenSEAL's Tutorial 4
/// path on the latency images (`host-sim/bench/tenseal_mnist.py`).
fn bench_mnist_a(a: &BenchArgs, exe: &Path, dir: &Path) -> anyhow::Result<Vec<Value>> {
    let m = &MNIST[0];
    let model = dir.join(format!("{}.onnx", m.name));
    std::fs::write(&model, m.model)?;
    let test = Dataset::parse_gz(Path::new("bundled mnist_test.csv.gz"), MNIST_TEST_CSV_GZ)?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/tenseal_mnist.py");
    let mut results = Vec::new();
    for packing in ["latency", "throughput"] {
        let rows = rows_for(&test, packing, a.latency_samples);
        let csv = dir.join(format!("{}-{packing}.csv", m.name));
        write_csv(&rows, &csv)?;
        eprintln!(
            "bench: {} / {packing} / hearth ({} images)",
            m.name,
            rows.len()
        );
        let h = hearth_infer(exe, &model, &csv, packing)?;
        let t = if a.tenseal && packing == "latency" {
            eprintln!("bench: {} / {packing} / TenSEAL Tutorial 4", m.name);
            Some(python(&script, &model, &csv, &[])?)
        } else {
            None
        };
        results.push(
            serde_json::json!({"dataset": m.name, "packing": packing, "hearth": h, "tenseal": t}),
        );
    }
    Ok(results)
}

fn f(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn print_table(results: &[Value]) {
    println!(
        "{:<14} {:<10} {:>7} │ {:>22} {:>10} {:>9} {:>8} │ {:>22} {:>10} {:>9} │ {:>9} │ {:>15}",
        "dataset",
        "packing",
        "samples",
        "hearth latency wall/CPU",
        "samples/s",
        "RSS MB",
        "agree",
        "TenSEAL latency wall/CPU",
        "samples/s",
        "RSS MB",
        "CPU ratio",
        "upload KB/image"
    );
    for r in results {
        let h = &r["hearth"];
        let t = &r["tenseal"];
        let ms = |v: &Value| {
            format!(
                "{:.1} / {:.1} ms",
                1e3 * f(v, "latency_seconds"),
                1e3 * f(v, "latency_cpu_seconds")
            )
        };
        let (tl, tt, tr, ratio) = if t.is_null() {
            (
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
            )
        } else {
            (
                ms(t),
                format!("{:.1}", f(t, "throughput")),
                format!("{:.1}", f(t, "peak_rss_kb") / 1024.0),
                format!(
                    "{:.1}×",
                    f(t, "latency_cpu_seconds") / f(h, "latency_cpu_seconds")
                ),
            )
        };
        // hearth: its compact uploads over the samples; TenSEAL: one
        // serialized input ciphertext (its script's `upload_bytes`).
        let kb = |v: Option<f64>| v.map_or("-".to_string(), |b| format!("{:.0}", b / 1e3));
        let upload = format!(
            "{} / {}",
            kb(h.get("upload_bytes_per_sample").and_then(Value::as_f64)),
            kb(t.get("upload_bytes").and_then(Value::as_f64))
        );
        println!(
            "{:<14} {:<10} {:>7} │ {:>22} {:>10.1} {:>9.1} {:>8.4} │ {:>22} {:>10} {:>9} │ {:>9} │ {:>15}",
            r["dataset"].as_str().unwrap_or(""),
            r["packing"].as_str().unwrap_or(""),
            h["samples"].as_u64().unwrap_or(0),
            ms(h),
            f(h, "throughput"),
            f(h, "peak_rss_kb") / 1024.0,
            f(h, "agreement"),
            tl,
            tt,
            tr,
            ratio,
            upload
        );
    }
    println!("\nlatency = one ciphertext's evaluation (throughput packing: the whole batch); CPU ratio = TenSEAL CPU latency / hearth CPU latency; upload = client-to-server bytes per image, hearth / TenSEAL");
}
