//! `hearth-mlp-v1`: a multi-layer perceptron stored as safetensors
//! (`docs/architecture.md`, "Data and model formats").
//!
//! Tensors `layers.{i}.weight` (shape `[out, in]`) and `layers.{i}.bias`
//! (`[out]`), f32; metadata `format = "hearth-mlp-v1"` and `activation`:
//! `"square"` or a JSON array of polynomial coefficients `[c0, c1, …, cd]`
//! (lowest degree first, `d ≤ 3`). The activation follows every layer but the
//! last. Optional tensors `input.mean` and `input.scale` (`[in]`) standardise
//! the input: `x' = (x − mean) / scale`. The network computes
//! `logits = W_L·σ(…σ(W_1·x' + b_1)…) + b_L`; the class is the arg-max.

use crate::error::{Error, Result};
use safetensors::SafeTensors;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `format` metadata value of this version.
pub const FORMAT: &str = "hearth-mlp-v1";
/// The largest polynomial degree an activation may have.
pub const MAX_DEGREE: usize = 3;

/// The activation between layers.
#[derive(Debug, Clone, PartialEq)]
pub enum Activation {
    /// `σ(x) = x²`.
    Square,
    /// `σ(x) = Σ c_k x^k`, coefficients lowest degree first, degree ≤ 3.
    Poly(Vec<f64>),
}

impl Activation {
    /// The coefficients `[c0, …, cd]` of the polynomial.
    pub fn coefficients(&self) -> Vec<f64> {
        match self {
            Activation::Square => vec![0.0, 0.0, 1.0],
            Activation::Poly(c) => c.clone(),
        }
    }

    /// The polynomial's degree (2 for square).
    pub fn degree(&self) -> usize {
        let c = self.coefficients();
        c.iter().rposition(|&x| x != 0.0).unwrap_or(0)
    }

    /// Evaluates the activation.
    pub fn apply(&self, x: f64) -> f64 {
        match self {
            Activation::Square => x * x,
            Activation::Poly(c) => c.iter().rev().fold(0.0, |acc, &ck| acc * x + ck),
        }
    }

    /// The derivative, for training.
    pub fn derivative(&self, x: f64) -> f64 {
        match self {
            Activation::Square => 2.0 * x,
            Activation::Poly(c) => c
                .iter()
                .enumerate()
                .skip(1)
                .rev()
                .fold(0.0, |acc, (k, &ck)| acc * x + k as f64 * ck),
        }
    }

    /// Parses the metadata form: `square` or `[c0, c1, …]`.
    pub fn parse(s: &str) -> core::result::Result<Self, String> {
        if s == "square" {
            return Ok(Activation::Square);
        }
        let c: Vec<f64> = serde_json::from_str(s).map_err(|_| {
            format!("activation `{s}` is neither `square` nor a JSON array of coefficients")
        })?;
        if c.is_empty() || c.len() > MAX_DEGREE + 1 || c.iter().any(|x| !x.is_finite()) {
            return Err(format!(
                "activation `{s}`: need 1 to {} finite coefficients (degree ≤ {MAX_DEGREE})",
                MAX_DEGREE + 1
            ));
        }
        Ok(Activation::Poly(c))
    }

    /// The metadata form.
    pub fn to_metadata(&self) -> String {
        match self {
            Activation::Square => "square".into(),
            Activation::Poly(c) => serde_json::to_string(c).unwrap_or_default(),
        }
    }
}

/// One affine layer `y = W·x + b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Row-major `[out][in]` weights.
    pub weight: Vec<f64>,
    /// `[out]` biases.
    pub bias: Vec<f64>,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
}

impl Layer {
    /// Weight `W[o][i]`.
    pub fn w(&self, o: usize, i: usize) -> f64 {
        self.weight[o * self.inputs + i]
    }

    /// `W·x + b`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        (0..self.outputs)
            .map(|o| {
                let row = &self.weight[o * self.inputs..(o + 1) * self.inputs];
                row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + self.bias[o]
            })
            .collect()
    }
}

/// A `hearth-mlp-v1` network.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    /// The affine layers, input first.
    pub layers: Vec<Layer>,
    /// The activation after every layer but the last.
    pub activation: Activation,
    /// Optional input standardisation `(mean, scale)`.
    pub standardise: Option<(Vec<f64>, Vec<f64>)>,
}

impl Mlp {
    /// Input width.
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Number of classes (output width).
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// Applies the input standardisation (identity when absent).
    pub fn standardised(&self, x: &[f64]) -> Vec<f64> {
        match &self.standardise {
            Some((m, s)) => x
                .iter()
                .zip(m)
                .zip(s)
                .map(|((x, m), s)| (x - m) / s)
                .collect(),
            None => x.to_vec(),
        }
    }

    /// The plaintext reference forward pass: logits of one raw sample.
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut h = self.standardised(x);
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.apply(&h);
            if i + 1 < self.layers.len() {
                h.iter_mut().for_each(|v| *v = self.activation.apply(*v));
            }
        }
        h
    }

    /// Every intermediate vector of one sample: the standardised input, then
    /// each layer's pre-activation output (for calibration).
    pub fn trace(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut out = vec![self.standardised(x)];
        let mut h = out[0].clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.apply(&h);
            out.push(h.clone());
            if i + 1 < self.layers.len() {
                h.iter_mut().for_each(|v| *v = self.activation.apply(*v));
            }
        }
        out
    }

    /// The predicted class of one raw sample.
    pub fn predict(&self, x: &[f64]) -> usize {
        argmax(&self.forward(x))
    }

    /// Rounds every parameter to f32, as stored in the file.
    pub fn round_to_f32(&mut self) {
        let r = |v: &mut Vec<f64>| v.iter_mut().for_each(|x| *x = f64::from(*x as f32));
        for l in &mut self.layers {
            r(&mut l.weight);
            r(&mut l.bias);
        }
        if let Some((m, s)) = &mut self.standardise {
            r(m);
            r(s);
        }
    }

    /// Serialises to safetensors bytes. The header is written with sorted keys
    /// (the `safetensors` crate's writer orders metadata by hash), so the same
    /// model always gives the same bytes; the `safetensors` reader parses it.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut tensors: Vec<(String, Vec<usize>, &[f64])> = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            tensors.push((
                format!("layers.{i}.weight"),
                vec![l.outputs, l.inputs],
                &l.weight,
            ));
            tensors.push((format!("layers.{i}.bias"), vec![l.outputs], &l.bias));
        }
        if let Some((m, s)) = &self.standardise {
            tensors.push(("input.mean".into(), vec![m.len()], m));
            tensors.push(("input.scale".into(), vec![s.len()], s));
        }
        let mut header = serde_json::Map::new();
        let meta: BTreeMap<&str, String> = BTreeMap::from([
            ("activation", self.activation.to_metadata()),
            ("format", FORMAT.to_string()),
        ]);
        header.insert("__metadata__".into(), serde_json::json!(meta));
        let mut data = Vec::new();
        for (name, shape, values) in &tensors {
            let start = data.len();
            data.extend(values.iter().flat_map(|&x| (x as f32).to_le_bytes()));
            header.insert(
                name.clone(),
                serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
            );
        }
        let mut head = serde_json::to_vec(&header).map_err(|e| Error::Model {
            path: PathBuf::new(),
            message: format!("cannot serialise the header: {e}"),
            fix: "report this: the header is built from the model's own tensors",
        })?;
        while head.len() % 8 != 0 {
            head.push(b' ');
        }
        let mut out = (head.len() as u64).to_le_bytes().to_vec();
        out.extend(head);
        out.extend(data);
        Ok(out)
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()?).map_err(|e| Error::io(path, e))
    }

    /// Parses and validates model bytes; `name` names the source in errors.
    pub fn from_bytes(name: impl AsRef<Path>, bytes: &[u8]) -> Result<Self> {
        super::model_load::from_bytes(name.as_ref(), bytes)
    }

    /// `in→h→…→out activation`, e.g. `30→16→2 square`.
    pub fn describe(&self) -> String {
        let mut s = self.inputs().to_string();
        for l in &self.layers {
            s += &format!("→{}", l.outputs);
        }
        match &self.activation {
            Activation::Square => s + " square",
            Activation::Poly(c) => s + &format!(" poly{c:?}"),
        }
    }

    /// Reads and validates a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        super::model_load::from_bytes(path, &bytes)
    }
}

/// Index of the largest value (first on ties; 0 for an empty slice).
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

pub(crate) fn model_error(path: &Path, message: String, fix: &'static str) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        message,
        fix,
    }
}

pub(crate) use safetensors::tensor::TensorView as View;
pub(crate) type Tensors<'a> = SafeTensors<'a>;
