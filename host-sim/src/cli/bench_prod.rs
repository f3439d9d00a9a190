//! `hearth bench --production`: the production-scale figures, each from its
//! own process so its `RssAnon` is its own: plaintext and encrypted
//! streaming of a model over four times the memory budget (peak anonymous
//! memory against the budget, PMEM bytes read against the minimum) and
//! serving 1, 16, 128 and 256 tenants' models concurrently against one
//! model served as many times in a row.

use anyhow::{bail, Context};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn json_lines(mut cmd: Command) -> anyhow::Result<Vec<Value>> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .map(|l| serde_json::from_str(l).with_context(|| format!("parsing {l}")))
        .collect()
}

fn f(v: &Value, path: &[&str]) -> f64 {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
        .unwrap_or(f64::NAN)
}

/// Runs the production figures with `exe` (this program) in `dir`; returns
/// them as JSON: `{"stream": …, "stream_encrypted": …, "serve": [...]}`.
pub fn run(exe: &Path, dir: &Path, models: &str) -> anyhow::Result<Value> {
    eprintln!("bench: streaming a 64 MiB plaintext model under a 16 MiB budget");
    let mut c = Command::new(exe);
    c.args(["stream", "--json", "--store"])
        .arg(dir.join("stream.pmem"));
    let plain = json_lines(c)?.pop().unwrap_or(Value::Null);
    eprintln!("bench: streaming an encrypted 4×256 model under a 128 MiB budget");
    let mut c = Command::new(exe);
    c.args(["stream", "--encrypted", "--json", "--store"])
        .arg(dir.join("stream-he.pmem"));
    let enc = json_lines(c)?.pop().unwrap_or(Value::Null);
    let _ = std::fs::remove_file(dir.join("stream-he.pmem"));
    let _ = std::fs::remove_file(dir.join("stream.pmem"));
    eprintln!("bench: serving {models} models");
    let mut c = Command::new(exe);
    c.args(["serve", "--json", "--models", models]);
    let serve = json_lines(c)?;
    Ok(serde_json::json!({"stream": plain, "stream_encrypted": enc, "serve": serve}))
}

/// Prints the figures [`run`] returned.
pub fn print(v: &Value) {
    let mib = |x: f64| x / 1048576.0;
    println!("\nproduction scale");
    println!(
        "{:<22} {:>10} {:>10} {:>16} {:>18}",
        "streaming", "model MiB", "budget MiB", "peak RssAnon MiB", "PMEM read / min"
    );
    let s = &v["stream"];
    println!(
        "{:<22} {:>10.1} {:>10.1} {:>16.1} {:>17.4}×",
        "plaintext",
        mib(f(s, &["model_bytes"])),
        mib(f(s, &["budget_bytes"])),
        f(s, &["rss_anon_peak_kb"]) / 1024.0,
        f(s, &["traffic_ratio"])
    );
    let e = &v["stream_encrypted"];
    println!(
        "{:<22} {:>10.1} {:>10.1} {:>16.1} {:>17.4}×",
        format!("encrypted (CKKS, {})", e["engine"].as_str().unwrap_or("-")),
        mib(f(e, &["run", "model_bytes"])),
        mib(f(e, &["run", "budget_bytes"])),
        f(e, &["run", "rss_anon_peak_kb"]) / 1024.0,
        f(e, &["run", "traffic_ratio"])
    );
    println!(
        "\n{:<8} {:<7} {:>14} {:>14} {:>22} {:>12}",
        "models", "engine", "concurrent/s", "sequential/s", "concurrent/sequential", "KiB/model"
    );
    for r in v["serve"].as_array().into_iter().flatten() {
        let seq = f(r, &["sequential_seconds"]);
        let samples = f(r, &["models"]) * f(r, &["rows_per_model"]);
        println!(
            "{:<8} {:<7} {:>14.1} {:>14.1} {:>21.2}× {:>12.0}",
            r["models"].as_u64().unwrap_or(0),
            r["engine"].as_str().unwrap_or("-"),
            f(r, &["concurrent_throughput"]),
            samples / seq,
            f(r, &["speedup"]),
            f(r, &["per_model_kb"])
        );
    }
}
