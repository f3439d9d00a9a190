//! `cargo xtask rtl [test|kat|lint|cycles]`: the NTT pipeline RTL under Verilator.
//!
//! - `test` (default): installs `verilator` if missing, then lints the code
//!   the RTL feature adds and runs the RTL tests of `fpga/tb` (`hearth-rtl`
//!   with its `rtl` feature: bitwise equivalence with the kernels, the
//!   committed KATs, error paths, and the cycle formula) and `--engine rtl`
//!   end to end. A missing verilator is an error, never a skip.
//! - `kat`: the plain Verilog test bench `fpga/tb/hearth_kat_tb.v`
//!   (`verilator --binary`, WORD_BITS 32 and 64, LANES 4) replays every
//!   committed `tests/kat/*.hex` file forward and inverse (also part of
//!   `test`).
//! - `lint`: `verilator --lint-only -Wall` of every configuration.
//! - `cycles`: measures cycles per NTT on the RTL for N = 2^12 … 2^14 and
//!   LANES = 1 … 16 and prints the table of `fpga/README.md`.

use crate::tools::{cargo_run, ensure_debian_tools, root, run as run_cmd};

/// The Debian packages the RTL tests need.
pub const RTL_TOOLS: &[(&str, &str)] = &[("verilator", "verilator")];

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None | Some("test") => test(),
        Some("kat") => {
            ensure_debian_tools(RTL_TOOLS)?;
            kat()
        }
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
        Some(other) => Err(format!(
            "unknown `xtask rtl {other}` (test, kat, lint, cycles)"
        )),
    }
}

/// The feature that builds the Verilated RTL into the workspace: the
/// models of `hearth-rtl`, `Engine::Rtl` in the device model and
/// `--engine rtl` end to end (`hearth-tests/rtl` enables each of them).
const RTL_FEATURE: &str = "hearth-tests/rtl";

/// The integration tests that need the Verilated RTL: by convention those
/// with `rtl` in their name, each `#![cfg(feature = "rtl")]` (a glob of
/// cargo's `--test`).
const RTL_TESTS: &str = "*rtl*";

/// Installs verilator and runs the RTL tests (part of `cargo xtask test`):
/// clippy of the code the RTL feature adds, the RTL tests of
/// `fpga/tb` (bitwise equivalence with the kernels, the committed KATs,
/// error paths, the cycle formula) and `--engine rtl` end to end, then the
/// plain Verilog KAT bench. The tests select the whole workspace, so that
/// every crate resolves the features it has in the workspace's own test
/// run and only what the RTL changes is rebuilt.
pub fn test() -> Result<(), String> {
    ensure_debian_tools(RTL_TOOLS)?;
    // Lints of the code the RTL feature adds (the Verilator harness, the
    // device model's `Engine::Rtl`, the end-to-end tests); the workspace's
    // features, so that only the crates the feature reaches are checked
    // again (the models themselves are not built for a lint).
    cargo_run(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        RTL_FEATURE,
        "--",
        "-D",
        "warnings",
    ])?;
    cargo_run(&[
        "test",
        "--workspace",
        "--features",
        RTL_FEATURE,
        "--test",
        RTL_TESTS,
    ])?;
    kat()
}

/// Builds the plain KAT test bench for WORD_BITS 32 and 64 and replays every
/// committed KAT whose word size matches.
fn kat() -> Result<(), String> {
    let rtl = root().join("fpga/rtl");
    let mut sources = rtl_sources()?;
    sources.insert(
        0,
        root().join("fpga/tb/hearth_kat_tb.v").display().to_string(),
    );
    let kat_dir = root().join("tests/kat");
    let mut jsons: Vec<std::path::PathBuf> = std::fs::read_dir(&kat_dir)
        .map_err(|e| format!("{}: {e}", kat_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    jsons.sort();
    let mut replayed = 0;
    for word in [32u32, 64] {
        let mdir = root().join(format!("target/rtl-kat/w{word}l4"));
        std::fs::create_dir_all(&mdir).map_err(|e| format!("{}: {e}", mdir.display()))?;
        let (gw, inc) = (
            format!("-GWORD_BITS={word}"),
            format!("-I{}", rtl.display()),
        );
        let md = mdir.display().to_string();
        let mut args = vec![
            "--binary",
            "-j",
            "2",
            "-O2",
            "-Wno-fatal",
            "-Wno-lint",
            "-Wno-style",
            "--top-module",
            "hearth_kat_tb",
            "-GLANES=4",
            &gw,
            &inc,
            "--Mdir",
            &md,
        ];
        args.extend(sources.iter().map(String::as_str));
        run_cmd("verilator", &args)?;
        let bin = mdir.join("Vhearth_kat_tb").display().to_string();
        for json in jsons
            .iter()
            .filter(|p| p.display().to_string().contains(&format!("ntt_w{word}_")))
        {
            let text = std::fs::read_to_string(json).map_err(|e| e.to_string())?;
            let field =
                |k: &str| json_uint(&text, k).ok_or(format!("{}: no `{k}`", json.display()));
            let (n, q, psi) = (field("n")?, field("q")?, field("psi")?);
            let stem = json.with_extension("").display().to_string();
            run_cmd(
                &bin,
                &[
                    &format!("+input={stem}.input.hex"),
                    &format!("+forward={stem}.forward.hex"),
                    &format!("+logn={}", n.trailing_zeros()),
                    &format!("+q={q}"),
                    &format!("+psi={psi}"),
                ],
            )?;
            replayed += 1;
        }
    }
    if replayed < jsons.len() {
        return Err(format!("replayed {replayed} of {} KAT files", jsons.len()));
    }
    eprintln!("plain test bench: {replayed} KAT files replayed");
    Ok(())
}

/// The unsigned integer value of `"key":` in a flat JSON object.
fn json_uint(text: &str, key: &str) -> Option<u64> {
    let at = text.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn rtl_sources() -> Result<Vec<String>, String> {
    let rtl = root().join("fpga/rtl");
    let mut files: Vec<String> = std::fs::read_dir(&rtl)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    Ok(files)
}

fn lint() -> Result<(), String> {
    ensure_debian_tools(RTL_TOOLS)?;
    let rtl = root().join("fpga/rtl");
    let files = rtl_sources()?;
    let inc = format!("-I{}", rtl.display());
    for (w, l) in [(32, 1), (32, 16), (64, 1), (64, 8)] {
        let (gw, gl) = (format!("-GWORD_BITS={w}"), format!("-GLANES={l}"));
        let mut args = vec![
            "--lint-only",
            "-Wall",
            "-Wno-DECLFILENAME",
            "-Wno-UNUSED",
            "-Wno-WIDTH",
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
