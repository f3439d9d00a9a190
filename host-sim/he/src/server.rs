//! The server's half of the file workflow: the client exports the public
//! evaluation keys of its key set (`hearth evalkeys`), the server runs a
//! network on the client's ciphertext file with them (`hearth evaluate`) and
//! writes the encrypted logits, which only the client can decrypt
//! (`hearth decrypt`). The server never holds the secret key: everything
//! here takes an [`EvalKeyFile`], which has none.
//!
//! Parameters must hold the network: [`params_for_model`] chooses them from
//! the model and calibration rows at key generation (`hearth keygen
//! --model`), and [`evaluate`] refuses a key set whose chain is shorter
//! than the network's depth before doing any work.

use super::container::{self, CiphertextFile, EvalKeyFile, KeyFile, Kind, ParamsDesc};
use super::files::{key_id, selection};
use super::params::{self, Selection};
use super::session::{rng_from, Session};
use super::throughput;
use crate::error::{Error, Result};
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
    let p = &sel.params;
    Ok(ParamsDesc {
        log_n: p.log_degree(),
        chain_bits: p.chain_bits().to_vec(),
        special_bits: p.special_bits().to_vec(),
        scale_bits: sel.scale_bits,
    })
}

fn check_features(mlp: &Mlp, data: &Dataset) -> Result<()> {
    if data.num_features() != mlp.inputs() {
        return Err(Error::Mismatch {
            path: data.path.clone(),
            message: format!(
                "{} feature columns, but the model takes {}",
                data.num_features(),
                mlp.inputs()
            ),
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
        relin: postcard::to_allocvec(s.relin()?)
            .map_err(|e| Error::Invalid(format!("encoding the relinearization key: {e}")))?,
    })
}

/// Runs `mlp` on the ciphertext file `input` with the evaluation keys `evk`;
/// returns the encrypted logits (one ciphertext per output, row `j` in slot
/// `j`, columns `logit0…`).
pub fn evaluate<E: NttEngine<u64>>(
    evk: &EvalKeyFile,
    evk_path: &Path,
    input: &CiphertextFile,
    input_path: &Path,
    mlp: &Mlp,
    engine: &mut E,
) -> Result<CiphertextFile> {
    let err = |path: &Path, m: String| Error::Container {
        path: path.to_path_buf(),
        message: m,
    };
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
    if input.columns.len() != mlp.inputs() || input.ciphertexts.len() != mlp.inputs() {
        return Err(err(
            input_path,
            format!(
                "{} encrypted columns, but the model takes {} features",
                input.ciphertexts.len(),
                mlp.inputs()
            ),
        ));
    }
    let sel = selection(&evk.params, evk_path)?;
    let need = params::depth(mlp);
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
            Ciphertext::from_le_bytes(&ctx, b)
                .map_err(|e| err(input_path, format!("ciphertext {i}: CKKS: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut ev = Evaluator::new(&ctx, engine);
    let out = throughput::evaluate_with(&mut ev, &rk, mlp, cts)?;
    Ok(CiphertextFile {
        params: evk.params.clone(),
        key_id: evk.key_id,
        columns: (0..out.len()).map(|k| format!("logit{k}")).collect(),
        rows: input.rows,
        ciphertexts: out.iter().map(|c| c.to_le_bytes(&ctx)).collect(),
    })
}

/// Writes an evaluation-key file.
pub fn save_eval_keys(f: &EvalKeyFile, path: &Path) -> Result<()> {
    std::fs::write(path, container::seal(Kind::EvalKeys, f)?).map_err(|e| Error::io(path, e))
}

/// Reads an evaluation-key file.
pub fn load_eval_keys(path: &Path) -> Result<EvalKeyFile> {
    container::read(path, Kind::EvalKeys)
}
