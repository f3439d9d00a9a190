//! Build script of the hearth firmware.
//!
//! 1. On the bare-metal target, passes riscv-rt's and defmt's linker scripts
//!    to the binaries (`-Tlink.x -Tdefmt.x`) and gives each binary its
//!    memory map as the `memory.x` of its own linker search path
//!    (`memory.x` for `hearth-firmware`, `memory-boot.x` for
//!    `hearth-firmware-boot`).
//! 2. Embeds the NTT known-answer vectors: every `*.json` file of the KAT
//!    directory (`HEARTH_KAT_DIR`, default `<workspace>/tests/kat`) with
//!    fields `n`, `q`, `psi`, `input`, `forward` (decimal integers) that fits
//!    the soft-core's RAM (see [`MAX_KAT_TABLE_BYTES`]) becomes an entry of
//!    `KATS` in `$OUT_DIR/kats.rs`, its vectors stored as little-endian words
//!    (4 bytes when `q < 2^32`, else 8) in files read with `include_bytes!`.
//! 3. Provisions the low-memory encryption (`src/lowmem.rs`): with the host
//!    kernels, builds the context of `ckks_kat::encrypt_params` (N = 4096,
//!    primes of 30, 25, 25 bits and a 29-bit special prime, Δ = 2^25), draws
//!    the secret then the public key from `ChaCha20Rng::from_seed([7; 32])`,
//!    and writes to `$OUT_DIR/provisioned.rs` the chain primes, their
//!    forward NTT tables (twiddles and Shoup companions), the public key's
//!    limbs, the cosine table of the low-memory encoder and the generator's
//!    word position after key generation. The secret key is not kept. A
//!    host test (`lowmem::tests`) checks all of it against `EncryptSetup`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Each binary's memory map: the main image runs in the soft-core's 1 MiB
/// of RAM, the bootstrap image (a bit-exactness check of the kernels) in
/// 128 MiB of qemu's DRAM.
const MEMORY_MAPS: [(&str, &str); 2] = [
    ("hearth-firmware", "memory.x"),
    ("hearth-firmware-boot", "memory-boot.x"),
];

/// The NTT of one KAT needs its plan (4·N words) and the data (N words) at
/// once; vectors needing more than this are not embedded (the soft-core's
/// heap is 896 KiB; see `memory.x`). `cargo xtask firmware` uses the same
/// limit.
const MAX_KAT_TABLE_BYTES: usize = 512 * 1024;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
        for (bin, script) in MEMORY_MAPS {
            // riscv-rt's link.x includes `memory.x`: each binary finds its
            // own on a search path of its own.
            let dir = out.join(bin);
            fs::create_dir_all(&dir).expect("create the memory map's directory");
            fs::copy(manifest.join(script), dir.join("memory.x")).expect("copy the memory map");
            println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
            println!("cargo:rerun-if-changed={script}");
        }
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
        println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=HEARTH_KAT_DIR");
    let kat_dir = env::var_os("HEARTH_KAT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../tests/kat"));
    println!("cargo:rerun-if-changed={}", kat_dir.display());
    fs::write(out.join("kats.rs"), embed_kats(&kat_dir, &out)).expect("write kats.rs");
    fs::write(out.join("provisioned.rs"), provision(&out)).expect("write provisioned.rs");
}

/// Writes the low-memory workload's flash data; returns the Rust source
/// that embeds it.
fn provision(out: &Path) -> String {
    use hearth_kernels::ckks::encoding_lowmem::{cos_table_len, quarter_cos_table};
    use hearth_kernels::ckks::{CkksContext, CkksParams, PublicKey, SecretKey};
    use hearth_kernels::ntt::SoftwareNtt;
    use rand_chacha::rand_core::SeedableRng;

    let params = CkksParams::new(12, &[30, 25, 25], &[29], 33_554_432.0, 3).expect("parameters");
    let ctx = CkksContext::<u32>::new(params).expect("context");
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let sk = SecretKey::generate(&ctx, &mut SoftwareNtt, &mut rng).expect("secret key");
    let pk = PublicKey::generate(&ctx, &mut SoftwareNtt, &sk, &mut rng).expect("public key");
    drop(sk);
    let limbs = ctx.max_level() + 1;
    let write = |name: &str, bytes: Vec<u8>| {
        fs::write(out.join(name), bytes).expect("write provisioned data");
        format!("&Aligned(*include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{name}\")))")
    };
    let le = |words: &[u32]| -> Vec<u8> { words.iter().flat_map(|w| w.to_le_bytes()).collect() };
    let (mut primes, mut tw, mut b, mut a) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..limbs {
        let plan = ctx.ring().plan(i);
        primes.push(plan.modulus().value().to_string());
        tw.push(write(&format!("tw{i}.bin"), le(plan.forward_tables())));
        b.push(write(&format!("pkb{i}.bin"), le(pk.b().limb(i))));
        a.push(write(&format!("pka{i}.bin"), le(pk.a().limb(i))));
    }
    let mut cos = vec![0i64; cos_table_len(12)];
    quarter_cos_table(12, &mut cos).expect("cosine table");
    let cos = write(
        "cos.bin",
        cos.iter().flat_map(|c| c.to_le_bytes()).collect(),
    );
    let list = |v: &[String]| v.join(",\n    ");
    format!(
        "// Generated by build.rs (see its documentation); do not edit.\n\
         /// Limbs of the provisioned ciphertext modulus.\n\
         pub const LIMBS: usize = {limbs};\n\
         /// The chain primes.\n\
         pub const PRIMES: [u32; LIMBS] = [{}];\n\
         /// Forward NTT tables per prime (`NttPlan::forward_tables`), little-endian `u32`.\n\
         pub static TWIDDLES: [&Aligned<[u8]>; LIMBS] = [\n    {}\n];\n\
         /// Public key `b` limbs (NTT domain), little-endian `u32`.\n\
         pub static PK_B: [&Aligned<[u8]>; LIMBS] = [\n    {}\n];\n\
         /// Public key `a` limbs (NTT domain), little-endian `u32`.\n\
         pub static PK_A: [&Aligned<[u8]>; LIMBS] = [\n    {}\n];\n\
         /// `⌊2^62·cos(πj/N)⌉`, `j = 0..=N/2`, little-endian `i64`.\n\
         pub static COS_TABLE: &Aligned<[u8]> = {cos};\n\
         /// The generator's word position after key generation.\n\
         pub const RNG_WORD_POS: u128 = {};\n",
        primes.join(", "),
        list(&tw),
        list(&b),
        list(&a),
        rng.get_word_pos(),
    )
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
