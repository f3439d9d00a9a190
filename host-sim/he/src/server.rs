//! The server's half of the file workflow: the client exports the public
//! evaluation keys of its key set (`hearth evalkeys`), the server runs a
//! network on the client's ciphertext file with them (`hearth evaluate`) and
//! writes the encrypted logits, which only the client can decrypt
//! (`hearth decrypt`). The server never holds the secret key: everything
//! here takes an [`EvalKeyFile`], which has none.
//!
//! Parameters must hold the network: [`params_for_model`] (a
//! `hearth-mlp-v1` MLP) and [`params_for_network`] (a network of the IR,
//! an ONNX model) choose them from the model and calibration rows at key
//! generation (`hearth keygen --model`), and [`evaluate`] refuses a key set
//! whose chain is shorter than the network's depth before doing any work.
//! Both kinds run in the throughput packing (row `j` of the file in slot
//! `j` of every ciphertext).

use super::container::{self, CiphertextFile, EvalKeyFile, KeyFile, ParamsDesc};
use super::files::{key_id, selection};
use super::params::{self, Selection};
use super::session::{rng_from, Session};
use super::throughput;
use crate::compiler::{self, NoRefresh, Program};
use crate::error::{Error, Result};
use crate::network::Compiled;
use crate::options::Packing;
use hearth_kernels::ckks::{Ciphertext, Evaluator, RelinKey};
use hearth_kernels::ntt::{NttEngine, SoftwareNtt};
use hearth_nn::data::Dataset;
use hearth_nn::Mlp;
use std::path::Path;

/// Parameters for `mlp` (throughput packing) sized by the value ranges of
/// `calibration`'s rows, standardised as the model expects.
pub fn params_for_model(mlp: &Mlp, calibration: &Dataset) -> Result<ParamsDesc> {
    check_features(mlp, calibration)?;
    let rows: Vec<Vec<f64>> = calibration
        .rows
        .iter()
        .map(|r| mlp.standardised(r))
        .collect();
    let sel: Selection = params::select(mlp, &hearth_nn::calibrate::ranges(mlp, &rows), 1)?;
    ParamsDesc::of(&sel.params)
}

/// Parameters for the IR network `net` (throughput packing) sized by the
/// value ranges of `calibration`'s rows, which must match its input shape.
pub fn params_for_network(
    net: &hearth_nn::ir::Network,
    calibration: &Dataset,
) -> Result<ParamsDesc> {
    calibration.check_shape(net.input_shape())?;
    let compiled = Compiled::new(net, &calibration.rows, Packing::Throughput)?;
    ParamsDesc::of(&compiled.selection.params)
}

/// A network a server runs on a ciphertext file.
#[derive(Debug, Clone, Copy)]
pub enum Model<'a> {
    /// A `hearth-mlp-v1` MLP.
    Mlp(&'a Mlp),
    /// A network of the IR lowered by the compiler (an ONNX model),
    /// without bootstrap steps.
    Program(&'a Program),
}

impl<'a> From<&'a Mlp> for Model<'a> {
    fn from(m: &'a Mlp) -> Self {
        Model::Mlp(m)
    }
}

impl<'a> From<&'a Program> for Model<'a> {
    fn from(p: &'a Program) -> Self {
        Model::Program(p)
    }
}

/// A model a server holds: what [`Model`] borrows.
#[derive(Debug, Clone)]
pub enum OwnedModel {
    /// A `hearth-mlp-v1` MLP.
    Mlp(Mlp),
    /// An ONNX model imported into the IR and lowered by the compiler.
    Program(Program),
}

impl OwnedModel {
    /// Reads `bytes` as a `hearth-mlp-v1` safetensors file when they start
    /// as one does (an 8-byte header length, then the JSON header's `{`),
    /// otherwise as an ONNX model (ReLUs refused; with the `onnx` feature),
    /// lowered for the throughput packing. Errors name `name`.
    pub fn from_bytes(name: &Path, bytes: &[u8]) -> Result<Self> {
        if bytes.get(8) == Some(&b'{') {
            return Ok(OwnedModel::Mlp(Mlp::from_bytes(name, bytes)?));
        }
        Self::onnx(name, bytes)
    }

    #[cfg(feature = "onnx")]
    fn onnx(name: &Path, bytes: &[u8]) -> Result<Self> {
        let imported = hearth_nn::onnx::import_bytes(
            name.display().to_string(),
            bytes,
            hearth_nn::onnx::ImportOptions::default(),
        )?;
        Ok(OwnedModel::Program(compiler::compile(&imported.network)?))
    }

    #[cfg(not(feature = "onnx"))]
    fn onnx(_: &Path, _: &[u8]) -> Result<Self> {
        Err(Error::Session(
            "the model is no hearth-mlp-v1 safetensors file, and this build reads no ONNX \
             (hearth-he's `onnx` feature)",
        ))
    }

    /// The model to evaluate.
    pub fn as_model(&self) -> Model<'_> {
        match self {
            OwnedModel::Mlp(m) => Model::Mlp(m),
            OwnedModel::Program(p) => Model::Program(p),
        }
    }
}

impl Model<'_> {
    /// Input values per row.
    fn inputs(&self) -> usize {
        match self {
            Model::Mlp(m) => m.inputs(),
            Model::Program(p) => p.inputs(),
        }
    }

    /// Rescales the chain must give.
    fn depth(&self) -> usize {
        match self {
            Model::Mlp(m) => params::depth(m),
            Model::Program(p) => p.depth(),
        }
    }
}

fn check_features(mlp: &Mlp, data: &Dataset) -> Result<()> {
    if data.num_features() != mlp.inputs() {
        return Err(Error::FeatureCount {
            path: data.path.clone(),
            columns: data.num_features(),
            inputs: mlp.inputs(),
        });
    }
    Ok(())
}

/// `data` standardised as `mlp` expects (what the client encrypts).
pub fn standardised(mlp: &Mlp, data: &Dataset) -> Result<Dataset> {
    check_features(mlp, data)?;
    let mut d = data.clone();
    d.rows = data.rows.iter().map(|r| mlp.standardised(r)).collect();
    Ok(d)
}

/// The evaluation keys of `key` (generated from its seed, as every session
/// of that key does).
pub fn evaluation_keys(key: &KeyFile, key_path: &Path) -> Result<EvalKeyFile> {
    let sel = selection(&key.params, key_path)?;
    let s = Session::from_key_seed(
        sel,
        &key.seed,
        Some(&[]),
        rng_from(Some(0))?,
        &mut SoftwareNtt,
    )?;
    Ok(EvalKeyFile {
        params: key.params.clone(),
        key_id: key_id(key),
        relin: postcard::to_allocvec(s.relin()?).map_err(|cause| Error::Serialize {
            what: "the relinearization key",
            cause,
        })?,
        insecure: key.insecure,
    })
}

/// Whether a server evaluates files marked insecure (made from a
/// reproducible `--seed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    /// Refuse them (the default: a seeded key has 64 bits of entropy).
    Refuse,
    /// Evaluate them (tests; `hearth evaluate --allow-insecure-seeded`).
    Allow,
}

/// Runs `model` (an MLP or a compiled IR network) on the ciphertext file
/// `input` with the evaluation keys `evk`; returns the encrypted logits (one
/// ciphertext per output, row `j` in slot `j`, columns `logit0…`). Files
/// marked insecure are refused unless `seeded` is [`Seeded::Allow`]; the
/// logits of insecure inputs are marked insecure too. A program with
/// bootstrap steps is refused (evaluation keys hold no bootstrapping keys).
pub fn evaluate<'m, E: NttEngine<u64>>(
    evk: &EvalKeyFile,
    evk_path: &Path,
    input: &CiphertextFile,
    input_path: &Path,
    model: impl Into<Model<'m>>,
    engine: &mut E,
    seeded: Seeded,
) -> Result<CiphertextFile> {
    let model = model.into();
    let err = |path: &Path, m: String| Error::Container {
        path: path.to_path_buf(),
        message: m,
    };
    if seeded == Seeded::Refuse {
        for (insecure, path) in [(evk.insecure, evk_path), (input.insecure, input_path)] {
            if insecure {
                return Err(err(
                    path,
                    "made from a reproducible --seed (insecure, for tests only); a server \
                     refuses it unless run with --allow-insecure-seeded"
                        .into(),
                ));
            }
        }
    }
    if input.params != evk.params || input.key_id != evk.key_id {
        return Err(err(
            input_path,
            format!(
                "encrypted under another key set than the evaluation keys {}; \
                 use the evaluation keys of the key that encrypted it",
                evk_path.display()
            ),
        ));
    }
    if input.columns.len() != input.ciphertexts.len() {
        return Err(err(
            input_path,
            format!(
                "the file names {} columns but holds {} ciphertexts (malformed)",
                input.columns.len(),
                input.ciphertexts.len()
            ),
        ));
    }
    if input.ciphertexts.len() != model.inputs() {
        return Err(err(
            input_path,
            format!(
                "{} encrypted columns, but the model takes {} features",
                input.ciphertexts.len(),
                model.inputs()
            ),
        ));
    }
    if let Model::Program(p) = model {
        if p.bootstraps().0 > 0 {
            return Err(Error::NoBootstrapKeys);
        }
    }
    let sel = selection(&evk.params, evk_path)?;
    let need = model.depth();
    if sel.depth < need {
        return Err(err(
            evk_path,
            format!(
                "the key set's parameters allow {} rescales; this model needs {need}; \
                 generate keys for it with `hearth keygen --model … --data …`",
                sel.depth
            ),
        ));
    }
    let ctx = hearth_kernels::ckks::CkksContext::<u64>::new(sel.params)?;
    let rk: RelinKey<u64> = postcard::from_bytes(&evk.relin)
        .map_err(|e| err(evk_path, format!("relinearization key is malformed: {e}")))?;
    rk.0.validate(&ctx)
        .map_err(|e| err(evk_path, format!("relinearization key: CKKS: {e}")))?;
    let cts = input
        .ciphertexts
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Ciphertext::from_any_le_bytes(&ctx, b)
                .map_err(|e| err(input_path, format!("ciphertext {i}: CKKS: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut ev = Evaluator::new(&ctx, engine);
    let out = match model {
        Model::Mlp(mlp) => throughput::evaluate_with(&mut ev, &rk, mlp, cts)?,
        Model::Program(p) => compiler::evaluate(&mut ev, &rk, &mut NoRefresh, p, cts)?,
    };
    Ok(CiphertextFile {
        params: evk.params.clone(),
        key_id: evk.key_id,
        columns: (0..out.len()).map(|k| format!("logit{k}")).collect(),
        rows: input.rows,
        ciphertexts: out.iter().map(|c| c.to_le_bytes(&ctx)).collect(),
        insecure: input.insecure || evk.insecure,
    })
}

/// Writes an evaluation-key file (atomically).
pub fn save_eval_keys(f: &EvalKeyFile, path: &Path) -> Result<()> {
    container::write(f, path, 0o644)
}

/// Reads an evaluation-key file.
pub fn load_eval_keys(path: &Path) -> Result<EvalKeyFile> {
    container::read(path)
}
