//! `hearth kat`.

use hearth_device::Engine;
use std::path::PathBuf;

/// Arguments of `hearth kat`.
#[derive(Debug, clap::Args)]
pub struct KatArgs {
    /// Engine to replay the vectors on.
    #[arg(long, value_enum, default_value_t = Engine::Sim)]
    engine: Engine,
    /// KAT JSON files (default: every `tests/kat/*.json` of the source tree).
    files: Vec<PathBuf>,
}

/// Runs `hearth kat`: replays NTT known-answer vectors; generating them is
/// `cargo xtask kat ntt`.
pub fn run(a: KatArgs) -> anyhow::Result<()> {
    let mut files = a.files;
    if files.is_empty() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/kat");
        for e in std::fs::read_dir(&dir)
            .map_err(|e| anyhow::anyhow!("{}: {e}; pass KAT files explicitly", dir.display()))?
        {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
        files.sort();
    }
    if files.is_empty() {
        anyhow::bail!("no KAT files given or found; write some with `cargo xtask kat ntt`");
    }
    for f in &files {
        let n = hearth_device::kat::replay(f, a.engine)?;
        println!("ok  {} (N = {n}, engine {})", f.display(), a.engine.name());
    }
    println!("{} known-answer vectors reproduced", files.len());
    Ok(())
}
