//! `hearth client`: the hospital's side of `hearth server`. The secret key
//! stays here: `keys` uploads only the public evaluation keys made from
//! it, `infer` encrypts a CSV file, sends the ciphertexts as a BYTES tensor
//! (the Open Inference Protocol's binary tensor extension), decrypts the
//! encrypted logits it gets back and prints the predictions.

use anyhow::{bail, Context};
use hearth_he::container::{self, CiphertextFile};
use hearth_he::{files, server};
use hearth_nn::model::argmax;
use hearth_nn::{Dataset, Mlp};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `hearth client`.
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Args)]
struct Conn {
    /// The server's REST address, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    url: String,
    /// The tenant's bearer token (from `hearth server tenant add`).
    #[arg(long, env = "HEARTH_TOKEN", hide_env_values = true)]
    token: String,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Upload the public evaluation keys of a secret key.
    Keys {
        #[command(flatten)]
        conn: Conn,
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The secret key (stays here; only its evaluation keys are sent).
        #[arg(long)]
        key: PathBuf,
    },
    /// Upload a model of the tenant's own.
    Model {
        #[command(flatten)]
        conn: Conn,
        /// The tenant's name.
        #[arg(long)]
        tenant: String,
        /// The name to call it by.
        #[arg(long)]
        name: String,
        /// The model file (`hearth-mlp-v1` safetensors).
        #[arg(long)]
        model: PathBuf,
    },
    /// Encrypt a CSV file, have the server run a model on it, decrypt and
    /// print the predictions.
    Infer {
        #[command(flatten)]
        conn: Conn,
        /// The model's name on the server.
        #[arg(long)]
        model: String,
        /// The model file, for the input standardisation it declares.
        #[arg(long)]
        model_file: PathBuf,
        /// The secret key.
        #[arg(long)]
        key: PathBuf,
        /// CSV data (at most N/2 rows).
        #[arg(long)]
        data: PathBuf,
    },
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

fn check(
    mut r: ureq::http::Response<ureq::Body>,
) -> anyhow::Result<ureq::http::Response<ureq::Body>> {
    if r.status().is_success() {
        return Ok(r);
    }
    let status = r.status();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let msg = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["error"].as_str().map(String::from))
        .unwrap_or(text);
    bail!("the server answered {status}: {msg}")
}

fn put(conn: &Conn, path: &str, body: &[u8]) -> anyhow::Result<serde_json::Value> {
    let url = format!("{}{path}", conn.url.trim_end_matches('/'));
    let r = agent()
        .put(&url)
        .header("Authorization", &format!("Bearer {}", conn.token))
        .send(body)
        .with_context(|| format!("PUT {url}"))?;
    let mut r = check(r)?;
    Ok(r.body_mut().read_json()?)
}

/// Runs `hearth client`.
pub fn run(a: ClientArgs) -> anyhow::Result<()> {
    match a.action {
        Action::Keys { conn, tenant, key } => {
            let k = files::load_key(&key)?;
            let evk = server::evaluation_keys(&k, &key)?;
            let body = container::seal(&evk)?;
            let v = put(&conn, &format!("/v2/tenants/{tenant}/keys"), &body)?;
            eprintln!(
                "uploaded {} bytes of evaluation keys (key id {})",
                body.len(),
                v["key_id"]
            );
            Ok(())
        }
        Action::Model {
            conn,
            tenant,
            name,
            model,
        } => {
            let bytes =
                std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            put(
                &conn,
                &format!("/v2/tenants/{tenant}/models/{name}"),
                &bytes,
            )?;
            eprintln!("uploaded model `{name}` ({} bytes)", bytes.len());
            Ok(())
        }
        Action::Infer {
            conn,
            model,
            model_file,
            key,
            data,
        } => infer(&conn, &model, &model_file, &key, &data),
    }
}

/// The request body with one BYTES element in binary, and its JSON length.
fn binary_request(element: &[u8]) -> (Vec<u8>, usize) {
    let size = element.len() + 4;
    let mut body = serde_json::to_vec(&serde_json::json!({
        "inputs": [{"name": "ciphertexts", "shape": [1], "datatype": "BYTES",
                    "parameters": {"binary_data_size": size}}],
        "outputs": [{"name": "logits", "parameters": {"binary_data": true}}],
    }))
    .unwrap_or_default();
    let n = body.len();
    body.extend((element.len() as u32).to_le_bytes());
    body.extend(element);
    (body, n)
}

/// The first element of the binary answer's `logits` output.
fn binary_answer(body: &[u8], header_len: usize) -> anyhow::Result<Vec<u8>> {
    let tail = body
        .get(header_len..)
        .context("the answer is shorter than its JSON header")?;
    let len = tail
        .get(..4)
        .context("the answer's binary data is truncated")?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let bytes = tail
        .get(4..4 + len)
        .context("the answer's element is truncated")?;
    Ok(bytes.to_vec())
}

fn infer(
    conn: &Conn,
    model: &str,
    model_file: &Path,
    key_path: &Path,
    data: &Path,
) -> anyhow::Result<()> {
    let key = files::load_key(key_path)?;
    let rows = Dataset::load(data)?;
    let std = if super::is_onnx(model_file) {
        let net = hearth_nn::onnx::import(model_file, hearth_nn::onnx::ImportOptions::default())?;
        rows.check_shape(net.network.input_shape())?;
        rows.clone()
    } else {
        server::standardised(&Mlp::load(model_file)?, &rows)?
    };
    let ct = files::encrypt(&key, key_path, &std, None)?;
    let element = container::seal(&ct)?;
    let (body, n) = binary_request(&element);
    let url = format!("{}/v2/models/{model}/infer", conn.url.trim_end_matches('/'));
    let t = std::time::Instant::now();
    let r = agent()
        .post(&url)
        .header("Authorization", &format!("Bearer {}", conn.token))
        .header("Inference-Header-Content-Length", &n.to_string())
        .header("Content-Type", "application/octet-stream")
        .send(&body[..])
        .with_context(|| format!("POST {url}"))?;
    let mut r = check(r)?;
    let header_len: usize = r
        .headers()
        .get("inference-header-content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .context("the answer has no Inference-Header-Content-Length")?;
    let answer = r.body_mut().with_config().limit(1 << 30).read_to_vec()?;
    let out: CiphertextFile = container::open(
        Path::new("the server's answer"),
        &binary_answer(&answer, header_len)?,
    )?;
    let (_, logits) = files::decrypt(&key, key_path, &out, Path::new("the server's answer"))?;
    println!("row,prediction");
    let mut right = 0;
    for (i, l) in logits.iter().enumerate() {
        let p = argmax(l);
        println!("{i},{p}");
        if rows.labels.as_ref().and_then(|ls| ls.get(i)) == Some(&p) {
            right += 1;
        }
    }
    let sent = body.len() as f64 / (1 << 20) as f64;
    match &rows.labels {
        Some(_) => eprintln!(
            "{} rows, {right} predictions equal the labels; {sent:.1} MiB sent, answer in {:.2} s",
            logits.len(),
            t.elapsed().as_secs_f64()
        ),
        None => eprintln!(
            "{} rows; {sent:.1} MiB sent, answer in {:.2} s",
            logits.len(),
            t.elapsed().as_secs_f64()
        ),
    }
    Ok(())
}
