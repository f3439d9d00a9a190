//! [`CkksEvaluator`]: hearth's server-side CKKS evaluation behind the
//! [`Evaluator`] seam.
//!
//! Evaluation keys are an evaluation-key file (`hearth evalkeys`: the
//! relinearization key, no secret), a ciphertext element is a ciphertext
//! file (`hearth encrypt`: a CKKS ciphertext per standardised column), and
//! a model is a `hearth-mlp-v1` safetensors file or an ONNX file (compiled
//! for the throughput packing, [`OwnedModel`]); each is checked (format,
//! CRC, parameters) before use. The ciphertext's parameters and key id must
//! match the tenant's keys: a consistency check, since the keys used are
//! always the authenticated tenant's. Files marked insecure (made from a
//! seeded key) are refused. NTTs run on the engine chosen at
//! start: the software kernels, or the shared device scheduler, where the
//! tenant's lane gets its deficit-round-robin share.

use crate::backend::{EvalError, Evaluator, KeyInfo};
use hearth_he::container::{self, CiphertextFile, EvalKeyFile};
use hearth_he::server::{self, OwnedModel, Seeded};
use hearth_serve::scheduler::DeviceScheduler;
use std::path::Path;

/// Where the NTTs run.
#[derive(Debug)]
pub enum Engine {
    /// The kernels on the server's CPU.
    Soft,
    /// The simulated device, shared by every request through its
    /// scheduler.
    Device(DeviceScheduler),
}

/// Evaluates hearth models on hearth ciphertext files.
#[derive(Debug)]
pub struct CkksEvaluator {
    engine: Engine,
}

impl CkksEvaluator {
    /// An evaluator running its NTTs on `engine`.
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }
}

const KEYS: &str = "evaluation keys";
const INPUT: &str = "ciphertext";

fn eval_keys(bytes: &[u8]) -> Result<EvalKeyFile, String> {
    let k: EvalKeyFile = container::open(Path::new(KEYS), bytes).map_err(|e| e.to_string())?;
    hearth_he::files::selection(&k.params, Path::new(KEYS)).map_err(|e| e.to_string())?;
    Ok(k)
}

fn model(bytes: &[u8]) -> Result<OwnedModel, String> {
    OwnedModel::from_bytes(Path::new("model"), bytes).map_err(|e| e.to_string())
}

impl Evaluator for CkksEvaluator {
    fn check_keys(&self, keys: &[u8]) -> Result<KeyInfo, String> {
        let k = eval_keys(keys)?;
        Ok(KeyInfo { key_id: k.key_id })
    }

    fn check_model(&self, bytes: &[u8]) -> Result<(), String> {
        model(bytes).map(drop)
    }

    fn evaluate(
        &self,
        lane: u32,
        keys: &[u8],
        model_bytes: &[u8],
        input: &[u8],
    ) -> Result<Vec<u8>, EvalError> {
        // Stored keys and models were checked on upload: failing now is ours.
        let evk = eval_keys(keys).map_err(EvalError::Internal)?;
        let stored = model(model_bytes).map_err(EvalError::Internal)?;
        let ct: CiphertextFile = container::open(Path::new(INPUT), input)
            .map_err(|e| EvalError::BadInput(e.to_string()))?;
        if ct.params != evk.params || ct.key_id != evk.key_id {
            return Err(EvalError::Mismatch(
                "the ciphertext was encrypted under another key set than this tenant's \
                 evaluation keys; upload the evaluation keys of the key that encrypted it"
                    .into(),
            ));
        }
        let out = match &self.engine {
            Engine::Soft => server::evaluate(
                &evk,
                Path::new(KEYS),
                &ct,
                Path::new(INPUT),
                stored.as_model(),
                &mut hearth_kernels::ntt::SoftwareNtt,
                Seeded::Refuse,
            ),
            Engine::Device(s) => server::evaluate(
                &evk,
                Path::new(KEYS),
                &ct,
                Path::new(INPUT),
                stored.as_model(),
                &mut s.client(lane),
                Seeded::Refuse,
            ),
        }
        .map_err(|e| match e {
            hearth_he::Error::Kernels(k) => EvalError::Internal(k.to_string()),
            other => EvalError::Mismatch(other.to_string()),
        })?;
        container::seal(&out)
            .map(|bytes| bytes.to_vec())
            .map_err(|e| EvalError::Internal(e.to_string()))
    }
}
