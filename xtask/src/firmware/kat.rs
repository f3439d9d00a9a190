//! The NTT known-answer vectors the firmware replays, and what the host
//! expects of them.
//!
//! The committed vectors are `tests/kat/*.json` (`{"n", "q", "psi", "input",
//! "forward"}`, decimal integers, written by `cargo xtask kat ntt`).

use super::report::Expected;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// Same limit as the firmware's build script: the plan (4·N words) and the
/// data (N words) must fit the soft-core's heap.
const MAX_KAT_TABLE_BYTES: usize = 512 * 1024;

/// The committed vectors' directory, `tests/kat`.
pub fn directory() -> Result<PathBuf, String> {
    let dir = crate::tools::root().join("tests").join("kat");
    if json_files(&dir)?.is_empty() {
        return Err(format!(
            "no known-answer vectors in {}\nfix: write them with `cargo xtask kat ntt …`",
            dir.display()
        ));
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
