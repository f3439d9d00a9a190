//! Build script of the hearth firmware.
//!
//! 1. On the bare-metal target, passes riscv-rt's and defmt's linker scripts
//!    to the binary (`-Tlink.x -Tdefmt.x`) and puts `memory.x` on the linker
//!    search path.
//! 2. Embeds the NTT known-answer vectors: every `*.json` file of the KAT
//!    directory (`HEARTH_KAT_DIR`, default `<workspace>/tests/kat`) with
//!    fields `n`, `q`, `psi`, `input`, `forward` (decimal integers) that fits
//!    the soft-core's RAM (see [`MAX_KAT_TABLE_BYTES`]) becomes an entry of
//!    `KATS` in `$OUT_DIR/kats.rs`, its vectors stored as little-endian words
//!    (4 bytes when `q < 2^32`, else 8) in files read with `include_bytes!`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The NTT of one KAT needs its plan (4·N words) and the data (N words) at
/// once; vectors needing more than this are not embedded (the soft-core's
/// heap is 896 KiB; see `memory.x`). `cargo xtask firmware` uses the same
/// limit.
const MAX_KAT_TABLE_BYTES: usize = 512 * 1024;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
        fs::copy(manifest.join("memory.x"), out.join("memory.x")).expect("copy memory.x");
        println!("cargo:rustc-link-search={}", out.display());
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
        println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    }
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=HEARTH_KAT_DIR");
    let kat_dir = env::var_os("HEARTH_KAT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../tests/kat"));
    println!("cargo:rerun-if-changed={}", kat_dir.display());
    fs::write(out.join("kats.rs"), embed_kats(&kat_dir, &out)).expect("write kats.rs");
}

/// Writes the vectors' words and returns the Rust source of `KATS`.
fn embed_kats(dir: &Path, out: &Path) -> String {
    let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut src = format!(
        "/// NTT known-answer vectors embedded at build time from `{}`.\npub static KATS: &[Kat] = &[\n",
        dir.display()
    );
    for (i, path) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path).expect("read KAT file");
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        let num = |k: &str| -> u64 {
            v[k].as_u64()
                .unwrap_or_else(|| panic!("{}: `{k}` is not an integer", path.display()))
        };
        let list = |k: &str| -> Vec<u64> {
            v[k].as_array()
                .unwrap_or_else(|| panic!("{}: `{k}` is not an array", path.display()))
                .iter()
                .map(|x| x.as_u64().expect("KAT words are integers"))
                .collect()
        };
        let (n, q, psi) = (num("n"), num("q"), num("psi"));
        let word_bytes: usize = if q < (1 << 32) { 4 } else { 8 };
        if 5 * n as usize * word_bytes > MAX_KAT_TABLE_BYTES {
            println!(
                "cargo:warning=KAT {} (N = {n}) needs more RAM than the soft-core has; not embedded",
                path.display()
            );
            continue;
        }
        let (input, forward) = (list("input"), list("forward"));
        assert!(
            input.len() == n as usize && forward.len() == n as usize,
            "{}: lengths",
            path.display()
        );
        for (tag, words) in [("in", &input), ("fwd", &forward)] {
            let bytes: Vec<u8> = words
                .iter()
                .flat_map(|w| w.to_le_bytes()[..word_bytes].to_vec())
                .collect();
            fs::write(out.join(format!("kat{i}.{tag}")), bytes).expect("write KAT words");
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 name");
        let _ = writeln!(
            src,
            "    Kat {{ name: {name:?}, n: {n}, q: {q}, psi: {psi}, word_bytes: {word_bytes}, \
             input: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/kat{i}.in\")), \
             forward: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/kat{i}.fwd\")) }},"
        );
    }
    src.push_str("];\n");
    src
}
