//! `hearth keygen`, `encrypt`, `decrypt`.

use anyhow::Context;
use hearth_sim::data::Dataset;
use hearth_sim::he::files;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `hearth keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the secret key.
    #[arg(long)]
    out: PathBuf,
    /// Seed (reproducible keys for tests; default: OS entropy).
    #[arg(long)]
    seed: Option<u64>,
}

/// Arguments of `hearth encrypt`.
#[derive(Debug, clap::Args)]
pub struct EncryptArgs {
    /// The secret key.
    #[arg(long)]
    key: PathBuf,
    /// CSV data (header row; a `label` column is left out).
    #[arg(long)]
    data: PathBuf,
    /// Where to write the ciphertexts.
    #[arg(long)]
    out: PathBuf,
    /// Seed of the encryption randomness (default: OS entropy).
    #[arg(long)]
    seed: Option<u64>,
}

/// Arguments of `hearth decrypt`.
#[derive(Debug, clap::Args)]
pub struct DecryptArgs {
    /// The secret key.
    #[arg(long)]
    key: PathBuf,
    /// A ciphertext file from `hearth encrypt`.
    #[arg(long = "in")]
    input: PathBuf,
    /// Where to write the CSV (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `hearth keygen`.
pub fn keygen(a: KeygenArgs) -> anyhow::Result<()> {
    let key = files::keygen(files::default_params(), a.seed)?;
    files::save_key(&key, &a.out)?;
    eprintln!("wrote secret key {} (keep it private)", a.out.display());
    Ok(())
}

/// Runs `hearth encrypt`.
pub fn encrypt(a: EncryptArgs) -> anyhow::Result<()> {
    let key = files::load_key(&a.key)?;
    let data = Dataset::load(&a.data)?;
    let f = files::encrypt(&key, &a.key, &data, a.seed)?;
    files::save_ciphertexts(&f, &a.out)?;
    eprintln!(
        "encrypted {} rows × {} columns into {}",
        f.rows,
        f.columns.len(),
        a.out.display()
    );
    Ok(())
}

/// Runs `hearth decrypt`.
pub fn decrypt(a: DecryptArgs) -> anyhow::Result<()> {
    let key = files::load_key(&a.key)?;
    let f = files::load_ciphertexts(&a.input)?;
    let (names, rows) = files::decrypt(&key, &a.key, &f, &a.input)?;
    let mut text = names.join(",") + "\n";
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| format!("{v:.6}")).collect();
        text += &(cells.join(",") + "\n");
    }
    match a.out {
        Some(p) => std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}
