//! The NTT known-answer vectors the firmware replays, and what the host
//! expects of them.
//!
//! The committed vectors are `tests/kat/*.json` (`{"n", "q", "psi", "input",
//! "forward"}`, decimal integers). When none are committed, a small set is
//! generated here with the host kernels (`hearth_kernels`), so the firmware
//! still replays transforms computed on another machine word and target.

use super::report::Expected;
use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::ntt::OwnedNttPlan;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// Same limit as the firmware's build script: the plan (4·N words) and the
/// data (N words) must fit the soft-core's heap.
const MAX_KAT_TABLE_BYTES: usize = 512 * 1024;

/// Vectors generated when none are committed: `(log2 N, prime bits)`.
const GENERATED: [(u32, u32); 5] = [(4, 17), (8, 30), (12, 30), (10, 62), (11, 50)];

/// The directory of vectors to embed: `tests/kat` when it holds any, else
/// freshly generated ones under `out_dir/kat`.
pub fn directory(out_dir: &Path) -> Result<PathBuf, String> {
    let committed = crate::tools::root().join("tests").join("kat");
    if !json_files(&committed)?.is_empty() {
        return Ok(committed);
    }
    let dir = out_dir.join("kat");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!(
        "\n==> no committed vectors in {}: generating {} with the host kernels into {}",
        committed.display(),
        GENERATED.len(),
        dir.display()
    );
    for (log_n, bits) in GENERATED {
        let json = generate(log_n, bits)?;
        let path = dir.join(format!("ntt_n{}_b{bits}.json", 1u32 << log_n));
        std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(dir)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// One vector: the largest NTT prime below `2^bits`, a splitmix64 input.
fn generate(log_n: u32, bits: u32) -> Result<String, String> {
    let n = 1usize << log_n;
    let q = NttPrimes::new(bits, n)
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("no {bits}-bit NTT prime for N = {n}"))?;
    let plan = OwnedNttPlan::<u64>::new(q, n).map_err(|e| e.to_string())?;
    let mut state = 0x6865_6172_7468_u64 ^ u64::from(log_n << 8 | bits);
    let input: Vec<u64> = (0..n).map(|_| splitmix64(&mut state) % q).collect();
    let mut forward = input.clone();
    plan.forward(&mut forward).map_err(|e| e.to_string())?;
    let list = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    Ok(format!(
        "{{\"n\":{n},\"q\":{q},\"psi\":{},\"input\":[{}],\"forward\":[{}]}}\n",
        plan.psi(),
        list(&input),
        list(&forward)
    ))
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What the firmware must print for each vector of `dir` that fits its RAM:
/// `pass` and the SHA-256 of the expected forward transform (8-byte
/// little-endian words).
pub fn expected(dir: &Path) -> Result<Vec<Expected>, String> {
    let mut out = Vec::new();
    for path in json_files(dir)? {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let n = v["n"]
            .as_u64()
            .ok_or(format!("{}: no `n`", path.display()))? as usize;
        let q = v["q"]
            .as_u64()
            .ok_or(format!("{}: no `q`", path.display()))?;
        let word_bytes = if q < 1 << 32 { 4 } else { 8 };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or(format!("{}: bad name", path.display()))?
            .to_string();
        if 5 * n * word_bytes > MAX_KAT_TABLE_BYTES {
            eprintln!("note: KAT {name} (N = {n}) exceeds the soft-core's RAM; not replayed");
            continue;
        }
        let forward = v["forward"]
            .as_array()
            .ok_or(format!("{}: no `forward`", path.display()))?;
        let mut h = Sha256::new();
        for w in forward {
            let w = w.as_u64().ok_or(format!("{}: bad word", path.display()))?;
            h.update(w.to_le_bytes());
        }
        out.push(Expected {
            kind: "kat".into(),
            name,
            digest: hex(&h.finalize()),
        });
    }
    if out.is_empty() {
        return Err(format!(
            "no known-answer vectors to replay in {}",
            dir.display()
        ));
    }
    Ok(out)
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
