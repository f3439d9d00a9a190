//! Verilates `fpga/rtl` once per (WORD_BITS, LANES) configuration and
//! compiles the C shim around each model (feature `rtl` only).
//!
//! Models are cached in `OUT_DIR` (under `target/`) and rebuilt only when a
//! file in `fpga/rtl` or `fpga/tb/csrc` changes; a lint-only build (clippy)
//! skips them. A missing `verilator` is a hard error that says how to
//! install it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The configurations built: (WORD_BITS, LANES).
const CONFIGS: [(u32, u32); 8] = [
    (32, 1),
    (32, 2),
    (32, 4),
    (32, 8),
    (32, 16),
    (64, 1),
    (64, 4),
    (64, 8),
];
/// LOG_N_MAX of every model.
const LOG_N_MAX: u32 = 14;
/// Device memory of every model, in words.
const DEVMEM_WORDS: u64 = 1 << 20;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_RTL").is_none() {
        return;
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let rtl = manifest.join("../rtl");
    regs_from_vh(&rtl.join("hearth_regmap.vh"));
    let csrc = manifest.join("csrc");
    println!("cargo:rerun-if-changed={}", rtl.display());
    println!("cargo:rerun-if-changed={}", csrc.display());
    println!("cargo:rustc-env=HEARTH_RTL_DEVMEM_WORDS={DEVMEM_WORDS}");
    println!("cargo:rustc-env=HEARTH_RTL_LOG_N_MAX={LOG_N_MAX}");
    println!("cargo:rerun-if-env-changed=RUSTC_WORKSPACE_WRAPPER");
    if lint_only() {
        return;
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let include = verilator_include();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&rtl)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .collect();
    sources.sort();
    for p in &sources {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    for (w, l) in CONFIGS {
        let name = format!("w{w}l{l}");
        let class = format!("Vhearth_{name}");
        let mdir = out.join(&name);
        verilate(&rtl, &sources, &mdir, &class, w, l);
        cc::Build::new()
            .cpp(true)
            .std("c++17")
            .opt_level(2)
            .warnings(false)
            .file(csrc.join("shim.cpp"))
            .include(&mdir)
            .include(&include)
            .include(include.join("vltstd"))
            .define("HEARTH_MODEL", class.as_str())
            .define("HEARTH_PREFIX", format!("hearth_{name}_").as_str())
            .define("HEARTH_HEADER", format!("\"{class}.h\"").as_str())
            .compile(&format!("hearth_shim_{name}"));
        // rustc looks for `lib<name>.a`; Verilator writes `<class>__ALL.a`.
        std::fs::copy(
            mdir.join(format!("{class}__ALL.a")),
            mdir.join(format!("lib{class}.a")),
        )
        .expect("copy the Verilated model library");
        println!("cargo:rustc-link-search=native={}", mdir.display());
        println!("cargo:rustc-link-lib=static={class}");
    }
    cc::Build::new()
        .cpp(true)
        .std("c++17")
        .opt_level(2)
        .warnings(false)
        .file(include.join("verilated.cpp"))
        .file(include.join("verilated_threads.cpp"))
        .include(&include)
        .include(include.join("vltstd"))
        .compile("verilated_runtime");
}

/// Whether the crate is only being linted (`cargo clippy`): nothing is
/// linked then, and the models are only the linker's input, so they are not
/// built (the Rust side — the register constants, the model's limits — is,
/// and is checked). Cargo tells build scripts the wrapper it compiles the
/// workspace's crates with; clippy's is `clippy-driver`. A later build
/// without it runs this script again and builds the models.
fn lint_only() -> bool {
    std::env::var_os("RUSTC_WORKSPACE_WRAPPER").is_some_and(|w| {
        Path::new(&w)
            .file_stem()
            .is_some_and(|s| s == "clippy-driver")
    })
}

fn verilator_include() -> PathBuf {
    let out = Command::new("verilator")
        .arg("--getenv")
        .arg("VERILATOR_ROOT")
        .output();
    match out {
        Ok(o) if o.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("include")
        }
        _ => panic!(
            "`verilator` was not found on the PATH, so the RTL models cannot be built.\n\
             fix: `apt-get install -y verilator` (Debian/Ubuntu, as root), or run \
             `cargo xtask test`, which installs it"
        ),
    }
}

fn verilate(rtl: &Path, sources: &[PathBuf], mdir: &Path, class: &str, w: u32, l: u32) {
    let mut cmd = Command::new("verilator");
    cmd.args([
        "--cc",
        "--build",
        "-j",
        "2",
        "-O2",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
    ])
    .args(["--top-module", "hearth_ntt_top", "--prefix", class])
    .arg(format!("-GWORD_BITS={w}"))
    .arg(format!("-GLANES={l}"))
    .arg(format!("-GLOG_N_MAX={LOG_N_MAX}"))
    .arg(format!("-GDEVMEM_WORDS={DEVMEM_WORDS}"))
    .arg("--Mdir")
    .arg(mdir)
    .arg(format!("-I{}", rtl.display()))
    .args(["-MAKEFLAGS", "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"])
    .args(sources);
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run verilator: {e}"));
    assert!(
        status.success(),
        "verilator failed for WORD_BITS={w} LANES={l}"
    );
}

/// Turns the register offsets and error codes of the generated Verilog
/// include (`hearth_regmap.vh`, from `fpga/regmap.toml`) into Rust constants,
/// so the harness's register-level job runner never retypes them.
fn regs_from_vh(vh: &Path) {
    println!("cargo:rerun-if-changed={}", vh.display());
    let text = std::fs::read_to_string(vh).expect("read hearth_regmap.vh");
    let mut out = String::from("// Generated by build.rs from fpga/rtl/hearth_regmap.vh.\n");
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("localparam ") else {
            continue;
        };
        let Some((lhs, rhs)) = rest.split_once('=') else {
            continue;
        };
        let name = lhs.split_whitespace().last().unwrap_or_default();
        let value = rhs.trim().trim_end_matches(';').trim();
        let parsed = match value.split_once('\'') {
            Some((_, v)) if v.starts_with('h') => u64::from_str_radix(&v[1..], 16).ok(),
            Some((_, v)) if v.starts_with('d') => v[1..].parse().ok(),
            _ => value.parse().ok(),
        };
        let (Some(v), Some(short)) = (parsed, name.strip_prefix("HEARTH_")) else {
            continue;
        };
        out.push_str(&format!(
            "/// `HEARTH_{short}`.\npub const {short}: u32 = {v:#x};\n"
        ));
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("regs.rs");
    std::fs::write(dest, out).expect("write regs.rs");
}
