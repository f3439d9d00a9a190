//! `cargo xtask fuzz`: the libFuzzer targets of `fuzz/targets/` (see
//! `fuzz/README.md`), through cargo-fuzz on the stable toolchain.
//!
//! cargo-fuzz passes `-Z` flags (sanitizer, sancov) to rustc; stable rustc
//! takes them when `RUSTC_BOOTSTRAP=1`, which is set for the fuzz commands
//! only. The toolchain ships the AddressSanitizer runtime, so targets run
//! under ASan with debug assertions (overflow checks) on.

use std::path::PathBuf;
use std::process::Command;

use crate::tools::{cargo, ensure_cargo_tool, root, run_command_to, Output};

/// The cargo-fuzz release `xtask` installs (`cargo install --locked`).
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Seconds each target runs in `cargo xtask test`.
pub const SMOKE_SECONDS: u32 = 20;

/// libFuzzer options for every run: memory cap, per-input time-out (an
/// input slower than this is a finding), final statistics (`execs`).
const LIBFUZZER_OPTIONS: [&str; 3] = ["-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1"];

/// The cargo-fuzz crate (its own workspace), relative to the root.
const FUZZ_DIR: &str = "fuzz/targets";

fn fuzz_dir() -> PathBuf {
    root().join(FUZZ_DIR)
}

/// Runs `cargo <args>` in the root with `RUSTC_BOOTSTRAP=1`, its output to
/// `out`.
fn cargo_fuzz(args: &[&str], out: Output<'_>) -> Result<(), String> {
    let mut cmd = Command::new(cargo());
    cmd.args(args).env("RUSTC_BOOTSTRAP", "1");
    run_command_to(
        cmd,
        &format!("RUSTC_BOOTSTRAP=1 cargo {}", args.join(" ")),
        out,
    )
}

/// Installs cargo-fuzz [`CARGO_FUZZ_VERSION`] unless that version is there.
pub fn ensure_cargo_fuzz(out: Output<'_>) -> Result<(), String> {
    let present = || {
        Command::new(cargo())
            .args(["fuzz", "--version"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ_VERSION))
            .unwrap_or(false)
    };
    ensure_cargo_tool("cargo-fuzz", Some(CARGO_FUZZ_VERSION), present, out)
}

/// A fuzz target: a `[[bin]]` of `fuzz/targets/Cargo.toml`.
pub struct Target {
    /// The bin's name.
    pub name: String,
    /// Its `required-features` (the ONNX importer's target needs `onnx`,
    /// which builds tract; such targets are left out of the smoke run).
    pub features: Vec<String>,
}

/// The targets: the `[[bin]]`s of `fuzz/targets/Cargo.toml`.
pub fn targets() -> Result<Vec<Target>, String> {
    let path = fuzz_dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let bins = manifest
        .get("bin")
        .and_then(toml::Value::as_array)
        .ok_or_else(|| format!("{}: no [[bin]] targets", path.display()))?;
    Ok(bins
        .iter()
        .filter_map(|b| {
            let name = b.get("name").and_then(toml::Value::as_str)?.to_string();
            let features = b
                .get("required-features")
                .and_then(toml::Value::as_array)
                .map(|f| {
                    f.iter()
                        .filter_map(toml::Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            Some(Target { name, features })
        })
        .collect())
}

/// Fuzzes `target` from its committed seeds (and the local corpus that
/// earlier runs grew), for `seconds` or `runs` executions; the output to
/// `out`.
fn fuzz_one(
    t: &Target,
    seconds: Option<u32>,
    runs: Option<u64>,
    out: Output<'_>,
) -> Result<(), String> {
    let target = t.name.as_str();
    let corpus = format!("{FUZZ_DIR}/corpus/{target}");
    let seeds = format!("fuzz/seeds/{target}");
    std::fs::create_dir_all(root().join(&corpus)).map_err(|e| format!("{corpus}: {e}"))?;
    let features = t.features.join(",");
    let mut args = vec!["fuzz", "run", "--fuzz-dir", FUZZ_DIR, target];
    if !features.is_empty() {
        args.extend(["--features", &features]);
    }
    args.extend([corpus.as_str(), &seeds, "--"]);
    args.extend(LIBFUZZER_OPTIONS);
    let time = seconds.map(|s| format!("-max_total_time={s}"));
    let count = runs.map(|r| format!("-runs={r}"));
    args.extend(time.iter().chain(&count).map(String::as_str));
    cargo_fuzz(&args, out).map_err(|e| {
        format!(
            "{e}\nfuzz target `{target}` failed: the input is in {FUZZ_DIR}/artifacts/{target}/; \
             replay it with `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir {FUZZ_DIR} {target} <file>` \
             and add it as a regression test of the crate it hits"
        )
    })
}

/// The bounded run inside `cargo xtask test`: the target files' format,
/// [`build_smoke`], then [`run_smoke`]. The checks the targets call
/// (`hearth-fuzz`) are linted and tested with the root workspace, their
/// seeds kept current by its test; each target file is one `fuzz_target!`
/// line.
pub fn smoke() -> Result<(), String> {
    check_format()?;
    build_smoke(Output::Terminal)?;
    run_smoke()
}

/// The format of the target files (not in the root workspace).
pub fn check_format() -> Result<(), String> {
    let manifest = format!("{FUZZ_DIR}/Cargo.toml");
    crate::tools::cargo_run(&["fmt", "--manifest-path", &manifest, "--", "--check"])
        .map_err(|e| format!("{e}\nfix: run `cargo fmt --manifest-path {manifest}`"))
}

/// Installs cargo-fuzz if missing and builds the targets (instrumented,
/// release), the output to `out`.
pub fn build_smoke(out: Output<'_>) -> Result<(), String> {
    ensure_cargo_fuzz(out)?;
    cargo_fuzz(&["fuzz", "build", "--fuzz-dir", FUZZ_DIR], out)
}

/// Runs every target that needs no extra feature for [`SMOKE_SECONDS`]
/// (the ONNX target needs tract, whose instrumented build costs more than
/// its smoke run finds; it runs with `cargo xtask fuzz host_onnx_import`).
pub fn run_smoke() -> Result<(), String> {
    let smoke: Vec<Target> = targets()?
        .into_iter()
        .filter(|t| t.features.is_empty())
        .collect();
    smoke_in_parallel(&smoke)
}

/// Runs the smoke targets [`SMOKE_SECONDS`] each, as many at a time as
/// there are cores (each libFuzzer run is one thread), each one's output
/// to `fuzz/targets/artifacts/<target>/smoke.log`; a failing target's log is
/// printed. Every target runs for its full time whatever the others do.
fn smoke_in_parallel(smoke: &[Target]) -> Result<(), String> {
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(smoke.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    eprintln!(
        "\n==> {} fuzz targets, {SMOKE_SECONDS} s each, {workers} at a time",
        smoke.len()
    );
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut failed = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(t) = smoke.get(i) else { break };
                        if let Err(e) = smoke_one(t) {
                            failed.push(e);
                        }
                    }
                    failed
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a fuzz worker panicked".into()])
            })
            .collect()
    });
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n\n"))
    }
}

/// One smoke run with its log; prints its executions, or the log on failure.
fn smoke_one(t: &Target) -> Result<(), String> {
    let dir = fuzz_dir().join("artifacts").join(&t.name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let log = dir.join("smoke.log");
    std::fs::write(&log, "").map_err(|e| format!("{}: {e}", log.display()))?;
    let result = fuzz_one(t, Some(SMOKE_SECONDS), None, Output::Log(&log));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    match result {
        Ok(()) => {
            let execs = text
                .lines()
                .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
                .map_or("?", str::trim);
            eprintln!("fuzz {}: ok, {execs} executions", t.name);
            Ok(())
        }
        Err(e) => Err(format!("{e}\n--- {} ---\n{text}", log.display())),
    }
}

/// `cargo xtask fuzz [--minutes N | --runs N] [TARGET]` and
/// `cargo xtask fuzz --write-seeds`.
pub fn run(args: &[String]) -> Result<(), String> {
    let (mut minutes, mut runs, mut target) = (None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--write-seeds" => return write_seeds(),
            "--smoke" => return smoke(),
            "--minutes" => minutes = Some(number(it.next(), "--minutes")?),
            "--runs" => runs = Some(number(it.next(), "--runs")?),
            t if !t.starts_with('-') && target.is_none() => target = Some(t.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let all = targets()?;
    let chosen: Vec<&Target> = match target {
        Some(t) => match all.iter().find(|x| x.name == t) {
            Some(x) => vec![x],
            None => {
                let names: Vec<&str> = all.iter().map(|x| x.name.as_str()).collect();
                return Err(format!(
                    "no fuzz target `{t}`; targets: {}",
                    names.join(", ")
                ));
            }
        },
        None => all.iter().collect(),
    };
    let seconds = match (minutes, runs) {
        (None, None) => Some(600),
        (m, _) => m.map(|m| (m as u32).saturating_mul(60)),
    };
    ensure_cargo_fuzz(Output::Terminal)?;
    for t in chosen {
        fuzz_one(t, seconds, runs, Output::Terminal)?;
    }
    Ok(())
}

fn number(v: Option<&String>, flag: &str) -> Result<u64, String> {
    v.and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("`{flag}` needs a number\n{USAGE}"))
}

fn write_seeds() -> Result<(), String> {
    crate::tools::cargo_run(&[
        "run",
        "-p",
        "hearth-fuzz",
        "--features",
        "onnx",
        "--example",
        "write_seeds",
        "--",
        "fuzz/seeds",
    ])
}

const USAGE: &str = "usage: cargo xtask fuzz [--minutes N | --runs N] [TARGET]
       cargo xtask fuzz --write-seeds | --smoke
  Runs every target (or TARGET) for N minutes each (default 10), or for N
  executions; --write-seeds rewrites fuzz/seeds/ from fuzz/src/seeds.rs;
  --smoke is the bounded run of `cargo xtask test`.";
