//! `hearth keygen`, `encrypt`, `decrypt` (the client's side) and
//! `hearth evalkeys`, `evaluate` (what the client gives the server, and what
//! the server runs). Models are `hearth-mlp-v1` safetensors or ONNX files
//! (`.onnx`, imported into the IR and compiled, throughput packing).

use super::is_onnx;
use hearth_he::{compiler, files, server};
use hearth_nn::data::Dataset;
use hearth_nn::ir::Network;
use hearth_nn::onnx::{self, ImportOptions};
use hearth_nn::Mlp;
use std::io::Write;
use std::path::Path;
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
    /// Choose the parameters for this model, `hearth-mlp-v1` safetensors or
    /// ONNX (default: the bundled models' set).
    #[arg(long, requires = "data")]
    model: Option<PathBuf>,
    /// Calibration rows for --model (CSV; typically the data to be encrypted).
    #[arg(long, requires = "model")]
    data: Option<PathBuf>,
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
    /// Standardise the columns as this `hearth-mlp-v1` model expects before
    /// encrypting (what `hearth evaluate` with the model needs); an ONNX
    /// model checks the rows against its input shape.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Arguments of `hearth evalkeys`.
#[derive(Debug, clap::Args)]
pub struct EvalkeysArgs {
    /// The secret key.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the evaluation keys (public: give them to the server).
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `hearth evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// The model (`hearth-mlp-v1` safetensors or ONNX).
    #[arg(long)]
    model: PathBuf,
    /// The client's evaluation keys (`hearth evalkeys`).
    #[arg(long = "eval-keys")]
    eval_keys: PathBuf,
    /// The client's ciphertext file (`hearth encrypt --model`).
    #[arg(long = "in")]
    input: PathBuf,
    /// Where to write the encrypted logits.
    #[arg(long)]
    out: PathBuf,
    /// Evaluate files made from a reproducible `--seed` (insecure; tests only).
    #[arg(long = "allow-insecure-seeded")]
    allow_insecure_seeded: bool,
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
    let params = match (&a.model, &a.data) {
        (Some(m), Some(d)) if is_onnx(m) => {
            server::params_for_network(&onnx_network(m)?, &Dataset::load(d)?)?
        }
        (Some(m), Some(d)) => server::params_for_model(&Mlp::load(m)?, &Dataset::load(d)?)?,
        _ => files::default_params(),
    };
    let key = files::keygen(params, a.seed)?;
    if key.insecure {
        eprintln!(
            "warning: --seed makes a reproducible key with 64 bits of entropy: INSECURE, for \
             tests only; the file is marked so and servers refuse it"
        );
    }
    files::save_key(&key, &a.out)?;
    eprintln!("wrote secret key {} (keep it private)", a.out.display());
    Ok(())
}

/// Runs `hearth encrypt`.
pub fn encrypt(a: EncryptArgs) -> anyhow::Result<()> {
    let key = files::load_key(&a.key)?;
    let mut data = Dataset::load(&a.data)?;
    match &a.model {
        Some(m) if is_onnx(m) => data.check_shape(onnx_network(m)?.input_shape())?,
        Some(m) => data = server::standardised(&Mlp::load(m)?, &data)?,
        None => {}
    }
    let f = files::encrypt(&key, &a.key, &data, a.seed)?;
    if f.insecure {
        eprintln!(
            "warning: a --seed or a seeded key makes these ciphertexts INSECURE (files encrypted \
             with one seed under one key leak the differences of their data); tests only, the \
             file is marked so and servers refuse it"
        );
    }
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
    let text = files::decrypted_csv(&names, &rows);
    match a.out {
        Some(p) => files::save_decrypted(&text, &p)?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// Runs `hearth evalkeys`.
pub fn evalkeys(a: EvalkeysArgs) -> anyhow::Result<()> {
    let key = files::load_key(&a.key)?;
    let evk = server::evaluation_keys(&key, &a.key)?;
    server::save_eval_keys(&evk, &a.out)?;
    eprintln!(
        "wrote evaluation keys {} (public; they cannot decrypt)",
        a.out.display()
    );
    Ok(())
}

/// An ONNX model imported into the IR (ReLUs refused).
fn onnx_network(path: &Path) -> anyhow::Result<Network> {
    Ok(onnx::import(path, ImportOptions::default())?.network)
}

/// Runs `hearth evaluate`.
pub fn evaluate(a: EvaluateArgs) -> anyhow::Result<()> {
    let evk = server::load_eval_keys(&a.eval_keys)?;
    let input = files::load_ciphertexts(&a.input)?;
    let seeded = if a.allow_insecure_seeded {
        server::Seeded::Allow
    } else {
        server::Seeded::Refuse
    };
    let t = std::time::Instant::now();
    let engine = &mut hearth_kernels::ntt::SoftwareNtt;
    let out = if is_onnx(&a.model) {
        let program = compiler::compile(&onnx_network(&a.model)?)?;
        server::evaluate(
            &evk,
            &a.eval_keys,
            &input,
            &a.input,
            &program,
            engine,
            seeded,
        )?
    } else {
        let mlp = Mlp::load(&a.model)?;
        server::evaluate(&evk, &a.eval_keys, &input, &a.input, &mlp, engine, seeded)?
    };
    files::save_ciphertexts(&out, &a.out)?;
    eprintln!(
        "evaluated {} on {} encrypted rows in {:.2} s; wrote {} encrypted logits to {}",
        a.model.display(),
        out.rows,
        t.elapsed().as_secs_f64(),
        out.columns.len(),
        a.out.display()
    );
    Ok(())
}
