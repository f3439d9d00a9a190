//! `cargo xtask firmware`: builds the soft-core firmware, runs it under qemu
//! and checks its results against the host's.
//!
//! Steps: ensure `qemu-system-riscv32` (Debian `qemu-system-misc`) and
//! `defmt-print` (`cargo install defmt-print`); build the firmware in
//! release, embedding the NTT known-answer vectors `tests/kat/*.json`, with
//! `DEFMT_LOG=info`; run it under `qemu-system-riscv32 -machine virt -bios none
//! -icount shift=0` with semihosting and a time-out; decode its `defmt`
//! frames with `defmt-print`; compare every `result` line with the host's
//! expectation. The decoded transcript is kept in `target/firmware/run.log`.

mod ckks;
mod kat;
mod report;

use crate::tools::{ensure_debian_tools, ensure_rust_targets, have, root, run};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The firmware's target.
pub const TARGET: &str = "riscv32imac-unknown-none-elf";
/// Whether the firmware runs the CKKS workloads (its `ckks` feature).
const CKKS: bool = false;
/// How long one qemu run may take.
const TIMEOUT: Duration = Duration::from_secs(300);

pub fn run_command(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("`xtask firmware` takes no arguments (got `{a}`)"));
    }
    ensure_rust_targets(&[TARGET])?;
    ensure_debian_tools(&[("qemu-system-riscv32", "qemu-system-misc")])?;
    ensure_defmt_print()?;
    let out_dir = root().join("target").join("firmware");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let kat_dir = kat::directory()?;
    let elf = build(&kat_dir)?;
    let (raw, status) = run_qemu(&elf)?;
    let log = decode(&elf, &raw)?;
    let log_path = out_dir.join("run.log");
    std::fs::write(&log_path, &log).map_err(|e| format!("{}: {e}", log_path.display()))?;
    eprintln!("{log}");
    let results = report::parse(&log);
    let mut expected = kat::expected(&kat_dir)?;
    expected.push(pipeline_absent());
    if CKKS {
        expected.extend(ckks::expected()?);
    }
    let checked = report::check(&results, &expected, status)?;
    if let Some(image) = &results.image {
        eprintln!("firmware image: {image}");
    }
    for m in &results.measures {
        eprintln!("firmware measure: {m}");
    }
    eprintln!(
        "xtask firmware: {checked} results match the host (transcript: {})",
        log_path.display()
    );
    Ok(())
}

/// Under qemu no pipeline answers at the SoC's register address (the `virt`
/// machine's PCIe window reads all ones): hal's driver must refuse it with
/// `BadIdentity { id: 0xffff_ffff }`, reported with the digest of that ID.
fn pipeline_absent() -> report::Expected {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(u64::from(u32::MAX).to_le_bytes());
    report::Expected {
        kind: "hal".into(),
        name: "pipeline-absent".into(),
        digest: kat::hex(&digest),
    }
}

/// Installs `defmt-print` with cargo when it is not on the PATH.
fn ensure_defmt_print() -> Result<(), String> {
    if have("defmt-print") {
        return Ok(());
    }
    run(
        &crate::tools::cargo(),
        &["install", "--locked", "defmt-print"],
    )
    .map_err(|e| format!("{e}\nfix: run `cargo install defmt-print`"))?;
    if have("defmt-print") {
        Ok(())
    } else {
        Err("`defmt-print` installed but not on the PATH\nfix: add ~/.cargo/bin to PATH".into())
    }
}

/// Builds the firmware in release; returns the ELF's path.
fn build(kat_dir: &Path) -> Result<PathBuf, String> {
    let mut args = vec![
        "build",
        "-p",
        "hearth-firmware",
        "--release",
        "--target",
        TARGET,
    ];
    if CKKS {
        args.extend(["--features", "ckks"]);
    }
    eprintln!(
        "\n==> DEFMT_LOG=info HEARTH_KAT_DIR={} cargo {}",
        kat_dir.display(),
        args.join(" ")
    );
    let status = Command::new(crate::tools::cargo())
        .args(args)
        .env("DEFMT_LOG", "info")
        .env("HEARTH_KAT_DIR", kat_dir)
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("firmware build failed ({status})"));
    }
    Ok(root()
        .join("target")
        .join(TARGET)
        .join("release")
        .join("hearth-firmware"))
}

/// The qemu command line that runs `elf` (also the `.cargo/config.toml`
/// runner's).
pub fn qemu_args(elf: &Path) -> Vec<String> {
    let mut a: Vec<String> = [
        "-machine",
        "virt",
        "-bios",
        "none",
        "-display",
        "none",
        "-serial",
        "none",
        "-monitor",
        "none",
        "-semihosting-config",
        "enable=on,target=native",
        "-icount",
        "shift=0",
        "-kernel",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(elf.display().to_string());
    a
}

/// Runs the firmware under qemu with a time-out; returns its raw `defmt`
/// output and exit status.
fn run_qemu(elf: &Path) -> Result<(Vec<u8>, i32), String> {
    let args = qemu_args(elf);
    eprintln!("\n==> qemu-system-riscv32 {}", args.join(" "));
    let mut child = Command::new("qemu-system-riscv32")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start qemu-system-riscv32: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("qemu has no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| format!("qemu: {e}"))? {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the firmware did not finish within {} s under qemu (killed)",
                TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let raw = reader
        .join()
        .map_err(|_| "qemu output reader panicked".to_string())?
        .map_err(|e| format!("reading qemu output: {e}"))?;
    let code = status
        .code()
        .ok_or_else(|| format!("qemu was killed by a signal ({status})"))?;
    Ok((raw, code))
}

/// Decodes `defmt` frames with `defmt-print`.
fn decode(elf: &Path, raw: &[u8]) -> Result<String, String> {
    let mut child = Command::new("defmt-print")
        .arg("-e")
        .arg(elf)
        .args(["--log-format", "{L} {s}", "stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start defmt-print: {e}"))?;
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().ok_or("defmt-print has no stdin")?;
        stdin
            .write_all(raw)
            .map_err(|e| format!("writing to defmt-print: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("defmt-print: {e}"))?;
    if !out.status.success() {
        return Err(format!("defmt-print failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
