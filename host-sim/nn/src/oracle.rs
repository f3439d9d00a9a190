//! The independent plaintext oracle: `tract-onnx` runs an ONNX model
//! directly (its own graph, its own kernels, in `f32`), one sample at a
//! time. Nothing of the importer or of the IR's evaluator is shared, so
//! agreement between the two is evidence for both.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use tract_onnx::prelude::*;

/// A model made runnable by tract for samples of one fixed shape.
pub struct Oracle {
    path: PathBuf,
    shape: Vec<usize>,
    plan: std::sync::Arc<TypedSimplePlan>,
}

impl Oracle {
    /// Loads the ONNX file `path` for samples of `sample_shape` (a batch axis
    /// of 1 is added).
    pub fn load(path: impl AsRef<Path>, sample_shape: &[usize]) -> Result<Self> {
        let path = path.as_ref();
        let model = tract_onnx::onnx().model_for_path(path);
        Self::prepare(path, model, sample_shape)
    }

    /// Loads an ONNX model from its bytes; `name` names it in errors.
    pub fn from_bytes(
        name: impl AsRef<Path>,
        bytes: &[u8],
        sample_shape: &[usize],
    ) -> Result<Self> {
        let model = tract_onnx::onnx().model_for_read(&mut &bytes[..]);
        Self::prepare(name.as_ref(), model, sample_shape)
    }

    fn prepare(
        path: &Path,
        model: TractResult<InferenceModel>,
        sample_shape: &[usize],
    ) -> Result<Self> {
        let mut shape = vec![1];
        shape.extend_from_slice(sample_shape);
        let fail = |e: TractError| Error::NotOnnx {
            path: path.to_path_buf(),
            message: format!("tract: {e:#}"),
        };
        let plan = model
            .and_then(|m| m.with_input_fact(0, f32::fact(&shape).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(fail)?;
        Ok(Oracle {
            path: path.to_path_buf(),
            shape,
            plan,
        })
    }

    /// The model's output for one sample (row-major, of the sample shape),
    /// flattened.
    pub fn run(&self, x: &[f64]) -> Result<Vec<f64>> {
        let fail = |e: TractError| Error::NotOnnx {
            path: self.path.clone(),
            message: format!("tract: {e:#}"),
        };
        let data: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let input = Tensor::from_shape(&self.shape, &data).map_err(fail)?;
        let out = self.plan.run(tvec!(input.into())).map_err(fail)?;
        let view = out
            .first()
            .ok_or_else(|| Error::NotOnnx {
                path: self.path.clone(),
                message: "tract: the model has no output".into(),
            })?
            .to_plain_array_view::<f32>()
            .map_err(fail)?;
        Ok(view.iter().map(|&v| f64::from(v)).collect())
    }
}
