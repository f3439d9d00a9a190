//! `cargo xtask firmware`: builds the soft-core firmware, runs its images
//! under qemu and checks their results against the host's.
//!
//! Steps: ensure `qemu-system-riscv32` (Debian `qemu-system-misc`) and
//! `defmt-print` (`cargo install defmt-print`); build the firmware's two
//! images in release, embedding the NTT known-answer vectors
//! `tests/kat/*.json`, with `DEFMT_LOG=info`; run each under
//! `qemu-system-riscv32 -machine virt -m 128M -bios none -icount shift=0`
//! with semihosting and a time-out; decode its `defmt` frames with
//! `defmt-print`; compare every `result` line with the host's expectation.
//!
//! The images, in order:
//! - `hearth-firmware`, the soft-core's workloads in its 1 MiB of RAM: the
//!   NTT vectors ([`kat`]), the pipeline probe and the CKKS workloads
//!   ([`ckks`]); transcript `<target dir>/firmware/run.log`;
//! - `hearth-firmware-boot`, the CKKS bootstrap known answer ([`boot`]),
//!   linked with 128 MiB of RAM: a check that the kernels bootstrap
//!   bit-exactly on riscv32imac (the digest equals the host's and the
//!   kernels' committed one), not a memory budget of the soft-core;
//!   transcript `<target dir>/firmware/boot.log`.

mod boot;
mod ckks;
mod kat;
mod report;

use crate::tools::{
    ensure_cargo_tool, ensure_debian_tools, ensure_rust_targets, have, target_dir, Output,
};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The firmware's target.
pub const TARGET: &str = "riscv32imac-unknown-none-elf";
/// How long one qemu run may take.
const TIMEOUT: Duration = Duration::from_secs(300);
/// The main image (the soft-core's workloads).
const MAIN_IMAGE: &str = "hearth-firmware";
/// The bootstrap image (the bootstrap known answer).
const BOOT_IMAGE: &str = "hearth-firmware-boot";

/// The Debian package that runs the images: `(binary, package)`.
pub const QEMU_TOOLS: &[(&str, &str)] = &[("qemu-system-riscv32", "qemu-system-misc")];

pub fn run_command(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("`xtask firmware` takes no arguments (got `{a}`)"));
    }
    ensure_rust_targets(&[TARGET])?;
    ensure_debian_tools(QEMU_TOOLS)?;
    ensure_defmt_print(Output::Terminal)?;
    let out_dir = target_dir().join("firmware");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let kat_dir = kat::directory()?;
    let bin_dir = build(&kat_dir)?;
    let mut expected = kat::expected(&kat_dir)?;
    expected.push(pipeline_absent());
    expected.extend(ckks::expected()?);
    let main = run_image(
        &bin_dir.join(MAIN_IMAGE),
        &out_dir.join("run.log"),
        &expected,
    )?;
    let boot = run_image(
        &bin_dir.join(BOOT_IMAGE),
        &out_dir.join("boot.log"),
        &boot::expected()?,
    )?;
    eprintln!(
        "xtask firmware: {} results match the host (transcripts in {})",
        main + boot,
        out_dir.display()
    );
    Ok(())
}

/// Runs one image under qemu, keeps its decoded transcript in `log_path`
/// and checks its results against `expected`; returns how many were
/// checked.
fn run_image(elf: &Path, log_path: &Path, expected: &[report::Expected]) -> Result<usize, String> {
    let name = elf.file_name().map_or_else(
        || elf.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let start = Instant::now();
    let (raw, status) = run_qemu(elf)?;
    let seconds = start.elapsed().as_secs_f64();
    let log = decode(elf, &raw)?;
    std::fs::write(log_path, &log).map_err(|e| format!("{}: {e}", log_path.display()))?;
    eprintln!("{log}");
    let results = report::parse(&log);
    let checked = report::check(&results, expected, status).map_err(|e| format!("{name}: {e}"))?;
    if let Some(image) = &results.image {
        eprintln!("{name} image: {image}");
    }
    for m in &results.measures {
        eprintln!("{name} measure: {m}");
    }
    eprintln!(
        "{name}: {checked} results match the host ({seconds:.1} s under qemu; transcript: {})",
        log_path.display()
    );
    Ok(checked)
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
pub fn ensure_defmt_print(out: Output<'_>) -> Result<(), String> {
    ensure_cargo_tool("defmt-print", None, || have("defmt-print"), out)
}

/// Builds the firmware's images in release; returns their directory.
fn build(kat_dir: &Path) -> Result<PathBuf, String> {
    let args = [
        "build",
        "-p",
        "hearth-firmware",
        "--release",
        "--target",
        TARGET,
    ];
    eprintln!(
        "\n==> DEFMT_LOG=info HEARTH_KAT_DIR={} cargo {}",
        kat_dir.display(),
        args.join(" ")
    );
    let status = Command::new(crate::tools::cargo())
        .args(args)
        .env("DEFMT_LOG", "info")
        .env("HEARTH_KAT_DIR", kat_dir)
        .current_dir(crate::tools::root())
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("firmware build failed ({status})"));
    }
    Ok(target_dir().join(TARGET).join("release"))
}

/// The qemu command line that runs `elf`, either image (also the
/// `.cargo/config.toml` runner's, `qemu-run.sh`). 128 MiB of DRAM (virt's
/// default, stated): the bootstrap image's RAM ends below the device tree
/// qemu places at its top.
pub fn qemu_args(elf: &Path) -> Vec<String> {
    let mut a: Vec<String> = [
        "-machine",
        "virt",
        "-m",
        "128M",
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
                "{} did not finish within {} s under qemu (killed)",
                elf.display(),
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
