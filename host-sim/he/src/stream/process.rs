//! `hearth stream --encrypted`: generate a network, compile it for the
//! encrypted stream into a fresh store, and run one encrypted inference from
//! the store in a child process (so its `RssAnon` holds the server's working
//! set alone, not the client's keys or the compiler's freed heap); then
//! decrypt and compare with the in-memory evaluation and the plaintext
//! model.

use super::compile::{compile, CompileReport};
use super::model::{generate, reference, rows};
use super::records::name;
use super::run::{run, HeStreamReport};
use super::{client, decrypt_output, encrypt_input, selection};
use crate::error::{Error, Result};
use hearth_device::factory::{device_engine, reliability};
use hearth_kernels::ckks::Ciphertext;
use hearth_kernels::ntt::SoftwareNtt;
use hearth_pmem::store::{ObjectStore, RecordKind};
use std::path::Path;
use std::process::Command;

/// Where the server process runs its NTTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StreamEngine {
    /// The host CPU (`SoftwareNtt`).
    Soft,
    /// The register-level device model of the FPGA pipeline, behind the
    /// checked, retrying, software-falling-back engine of `serve::device`.
    Sim,
}

impl StreamEngine {
    fn as_arg(self) -> &'static str {
        match self {
            StreamEngine::Soft => "soft",
            StreamEngine::Sim => "sim",
        }
    }
}

/// What the server process reports.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ServerReport {
    /// The streamed run.
    pub run: HeStreamReport,
    /// Device-model jobs completed (`sim` engine; 0 on `soft`).
    pub device_jobs: u64,
    /// Device cycles by the RTL's cycle model.
    pub device_cycles: u64,
    /// Device seconds at the RTL clock.
    pub device_seconds: f64,
    /// Sub-batches that fell back to software.
    pub fallbacks: u64,
}

/// The outcome of `hearth stream --encrypted`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EncryptedStream {
    /// Parameters, summarised.
    pub params: String,
    /// Compilation.
    pub compile: CompileReport,
    /// The streamed run (measured in its own process).
    pub run: HeStreamReport,
    /// The engine the server ran its NTTs on.
    pub engine: String,
    /// Device figures of the server process (`sim` engine).
    pub device_jobs: u64,
    /// Device cycles by the RTL's cycle model.
    pub device_cycles: u64,
    /// Device seconds at the RTL clock.
    pub device_seconds: f64,
    /// Sub-batches that fell back to software.
    pub fallbacks: u64,
    /// The streamed output ciphertext equals the in-memory evaluation's, byte for byte.
    pub bit_identical: bool,
    /// Largest `|decrypted − plaintext|` over the outputs.
    pub max_error: f64,
    /// Largest `|plaintext output|`.
    pub max_output: f64,
}

/// The model's name in the store.
#[must_use]
pub fn model_name(layers: usize, width: usize) -> String {
    format!("he-{layers}x{width}")
}

/// Generates, compiles and runs (see the module docs).
pub fn run_encrypted(
    store_path: &Path,
    layers: usize,
    width: usize,
    budget_bytes: u64,
    seed: Option<u64>,
    engine: StreamEngine,
) -> Result<EncryptedStream> {
    let plain_bytes = hearth_nn::stream::gen::layer_bytes(width, width)
        .and_then(|b| (b as u64).checked_add(1024))
        .and_then(|b| b.checked_mul(layers as u64))
        .filter(|&b| b < 1 << 48 && layers > 0 && width > 0)
        .ok_or(Error::ParamRange {
            field: "layers × width² (bytes of the generated network, at most 2^48)",
            value: (layers as u64).saturating_mul((width as u64).saturating_mul(width as u64)),
            min: 1,
            max: 1 << 48,
        })?;
    let model = model_name(layers, width);
    let row = rows(1, width);
    let mut sw = SoftwareNtt;
    // Plain layers go in a scratch store first: their ranges choose the
    // parameters, which size the real store.
    if let Some(dir) = store_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|cause| Error::Io {
            path: dir.to_path_buf(),
            cause,
        })?;
    }
    let scratch = store_path.with_extension("plain.pmem");
    let mut plain = ObjectStore::create(&scratch, 2 * plain_bytes + (1 << 20))?;
    let ranges = generate(&mut plain, &model, layers, width, 7, &row)?;
    let sel = selection(layers, width, ranges)?;
    let p = sel.params.clone();
    let (n, limbs, ext) = (
        p.degree() as u64,
        p.chain().len() as u64,
        (p.chain().len() + p.special().len()) as u64,
    );
    let geo = super::eval::geometry(width);
    // postcard writes at most 9 bytes per word.
    let weights = layers as u64 * (geo.n as u64 + 1) * limbs * n * 9;
    let keys = 3 * p.dnum() as u64 * 2 * ext * n * 9;
    let mut store = ObjectStore::create(
        store_path,
        weights + keys + 2 * plain_bytes + 2 * limbs * n * 9 + (8 << 20),
    )?;
    for i in 0..layers {
        let l = hearth_nn::stream::gen::layer_name(&model, i);
        store.put(&l, RecordKind::Tensor, &plain.get(&l)?)?;
    }
    drop(plain);
    let _ = std::fs::remove_file(&scratch);

    let mut session = client(sel, width, seed, &mut sw)?;
    let input = encrypt_input(&mut session, &mut sw, width, &row[0])?;
    let (in_memory, compile_report) =
        compile(&mut store, &model, layers, width, &session, &input, &mut sw)?;
    store.put(
        &name(&model, "input"),
        RecordKind::Ciphertext,
        &input.to_le_bytes(&session.ctx),
    )?;
    drop(store);

    let exe = std::env::current_exe().map_err(|e| Error::Worker {
        what: "cannot find this program to re-run it",
        detail: e.to_string(),
    })?;
    let out = Command::new(exe)
        .arg("stream")
        .arg("--serve-compiled")
        .arg(&model)
        .arg("--store")
        .arg(store_path)
        .arg("--mem-budget")
        .arg((budget_bytes >> 20).to_string())
        .arg("--engine")
        .arg(engine.as_arg())
        .output()
        .map_err(|e| Error::Worker {
            what: "cannot start the streaming server process",
            detail: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(Error::Worker {
            what: "the streaming server process failed",
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let server: ServerReport = serde_json::from_slice(&out.stdout).map_err(|e| Error::Worker {
        what: "the streaming server's report",
        detail: e.to_string(),
    })?;

    let mut store = ObjectStore::open(store_path)?;
    let streamed = store.get(&name(&model, "output"))?;
    let bit_identical = streamed == in_memory.to_le_bytes(&session.ctx);
    let ct = Ciphertext::from_le_bytes(&session.ctx, &streamed)?;
    let got = decrypt_output(&session, &mut sw, &ct, width)?;
    let want = reference(&mut store, &model, layers, &row[0])?;
    let max_error = got
        .iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    let max_output = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    Ok(EncryptedStream {
        params: session.selection.summary(),
        compile: compile_report,
        run: server.run,
        engine: engine.as_arg().to_string(),
        device_jobs: server.device_jobs,
        device_cycles: server.device_cycles,
        device_seconds: server.device_seconds,
        fallbacks: server.fallbacks,
        bit_identical,
        max_error,
        max_output,
    })
}

/// The server side, run in its own process: streams compiled `model` on the
/// stored input with its NTTs on `engine`, stores the output, returns the
/// report. Its process should call `hearth_pmem::usage::return_freed_buffers`
/// first (the `hearth stream` program does): the report's peak RssAnon only
/// stays within the budget when freed buffers leave it.
pub fn serve_compiled(
    store_path: &Path,
    model: &str,
    budget_bytes: u64,
    engine: StreamEngine,
) -> Result<ServerReport> {
    let mut store = ObjectStore::open(store_path)?;
    let input = store.get(&name(model, "input"))?;
    let (out, run, mut store, device) = match engine {
        StreamEngine::Soft => {
            let (o, r, s) = run(store, model, &input, budget_bytes, &mut SoftwareNtt)?;
            (o, r, s, (0, 0, 0))
        }
        StreamEngine::Sim => {
            // Room for the largest batch the evaluation submits: one
            // polynomial over the extended basis.
            let (params, _) = super::run::read_meta(&mut store, model)?.check(model)?;
            let words = (params.chain().len() + params.special().len()) * params.degree();
            let (mut e, dev) = device_engine(0, 0, 2, words)?;
            let (o, r, s) = run(store, model, &input, budget_bytes, &mut e)?;
            let a = dev.activity();
            (
                o,
                r,
                s,
                (a.completed, a.cycles, reliability(&mut e).fallbacks),
            )
        }
    };
    drop(input);
    store.put(&name(model, "output"), RecordKind::Ciphertext, &out)?;
    Ok(ServerReport {
        run,
        device_jobs: device.0,
        device_cycles: device.1,
        device_seconds: device.1 as f64 / hearth_device::RTL_CLOCK_HZ,
        fallbacks: device.2,
    })
}
