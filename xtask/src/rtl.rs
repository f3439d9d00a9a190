//! `cargo xtask rtl [test|lint|cycles]`: the NTT pipeline RTL under Verilator.
//!
//! - `test` (default): installs `verilator` if missing, then runs the RTL
//!   tests of `fpga/tb` (`hearth-rtl` with its `rtl` feature): bitwise
//!   equivalence with the kernels, the committed KATs, error paths, and the
//!   cycle formula. A missing verilator is an error, never a skip.
//! - `lint`: `verilator --lint-only -Wall` of every configuration.
//! - `cycles`: measures cycles per NTT on the RTL for N = 2^12 … 2^14 and
//!   LANES = 1 … 16 and prints the table of `fpga/README.md`.

use crate::tools::{cargo_run, ensure_debian_tools, root, run as run_cmd};

/// The Debian packages the RTL tests need.
pub const RTL_TOOLS: &[(&str, &str)] = &[("verilator", "verilator")];

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None | Some("test") => test(),
        Some("lint") => lint(),
        Some("cycles") => {
            ensure_debian_tools(RTL_TOOLS)?;
            cargo_run(&[
                "run",
                "--release",
                "-p",
                "hearth-rtl",
                "--features",
                "rtl",
                "--example",
                "cycles",
            ])
        }
        Some(other) => Err(format!("unknown `xtask rtl {other}` (test, lint, cycles)")),
    }
}

/// Installs verilator and runs the RTL tests (part of `cargo xtask test`).
pub fn test() -> Result<(), String> {
    ensure_debian_tools(RTL_TOOLS)?;
    let clippy = [
        "clippy",
        "-p",
        "hearth-rtl",
        "--features",
        "rtl",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ];
    cargo_run(&clippy)?;
    cargo_run(&["test", "-p", "hearth-rtl", "--features", "rtl"])
}

fn lint() -> Result<(), String> {
    ensure_debian_tools(RTL_TOOLS)?;
    let rtl = root().join("fpga/rtl");
    let mut files: Vec<String> = std::fs::read_dir(&rtl)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    let inc = format!("-I{}", rtl.display());
    for (w, l) in [(32, 1), (32, 16), (64, 1), (64, 8)] {
        let (gw, gl) = (format!("-GWORD_BITS={w}"), format!("-GLANES={l}"));
        let mut args = vec![
            "--lint-only",
            "-Wall",
            "-Wno-DECLFILENAME",
            "-Wno-UNUSEDSIGNAL",
            "-Wno-UNUSEDPARAM",
            "-Wno-WIDTHEXPAND",
            "-Wno-WIDTHTRUNC",
            "-Wno-UNSIGNED",
            "--top-module",
            "hearth_ntt_top",
            &inc,
            &gw,
            &gl,
        ];
        args.extend(files.iter().map(String::as_str));
        run_cmd("verilator", &args)?;
    }
    Ok(())
}
