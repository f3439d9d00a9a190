//! Validating loader for `hearth-mlp-v1` files: every structural problem
//! (not safetensors, truncated, wrong format tag, wrong dtype, missing or
//! extra tensors, shapes that do not chain, non-finite values) becomes an
//! [`Error::Model`] naming the file and the fix.

use super::model::{model_error, Activation, Layer, Mlp, Tensors, View, FORMAT};
use crate::error::{Error, Result};
use safetensors::Dtype;
use std::path::Path;

const FIX_FILE: &str = "re-create the file with `hearth train` or re-copy it; it may be truncated";
const FIX_SHAPE: &str = "layer i's weight must be [out, in] with in = layer i−1's out, bias [out]";

/// Parses and validates model bytes; `path` names the file in messages.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Mlp> {
    let err = |m: String, fix| model_error(path, m, fix);
    let (_, meta) = Tensors::read_metadata(bytes)
        .map_err(|e| err(format!("not a valid safetensors file: {e}"), FIX_FILE))?;
    let st = Tensors::deserialize(bytes)
        .map_err(|e| err(format!("not a valid safetensors file: {e}"), FIX_FILE))?;
    let meta = meta.metadata().clone().unwrap_or_default();
    match meta.get("format").map(String::as_str) {
        Some(FORMAT) => {}
        other => {
            return Err(err(
                format!("metadata `format` is {other:?}, expected \"{FORMAT}\""),
                "write the model with `hearth train` or set metadata format=hearth-mlp-v1",
            ))
        }
    }
    let act = meta.get("activation").ok_or_else(|| {
        err(
            "metadata `activation` is missing".into(),
            "set metadata activation to `square` or `[c0, c1, c2, c3]`",
        )
    })?;
    let activation = Activation::parse(act).map_err(|m| {
        err(
            m,
            "set metadata activation to `square` or `[c0, c1, c2, c3]`",
        )
    })?;
    let mut layers = Vec::new();
    while let Ok(w) = st.tensor(&format!("layers.{}.weight", layers.len())) {
        let i = layers.len();
        let b = st
            .tensor(&format!("layers.{i}.bias"))
            .map_err(|_| err(format!("tensor `layers.{i}.bias` is missing"), FIX_SHAPE))?;
        let (ws, bs) = (w.shape(), b.shape());
        if ws.len() != 2 || bs.len() != 1 || bs[0] != ws[0] || ws[0] == 0 || ws[1] == 0 {
            return Err(err(
                format!("layer {i}: weight shape {ws:?} and bias shape {bs:?} do not fit"),
                FIX_SHAPE,
            ));
        }
        if let Some(prev) = layers.last().map(|l: &Layer| l.outputs) {
            if prev != ws[1] {
                return Err(err(
                    format!(
                        "layer {i} takes {} inputs but layer {} gives {prev}",
                        ws[1],
                        i - 1
                    ),
                    FIX_SHAPE,
                ));
            }
        }
        layers.push(Layer {
            weight: floats(path, &format!("layers.{i}.weight"), &w)?,
            bias: floats(path, &format!("layers.{i}.bias"), &b)?,
            inputs: ws[1],
            outputs: ws[0],
        });
    }
    if layers.is_empty() {
        return Err(err("no tensor `layers.0.weight`".into(), FIX_SHAPE));
    }
    let standardise = standardisation(path, &st, layers[0].inputs)?;
    let known = 2 * layers.len() + if standardise.is_some() { 2 } else { 0 };
    if st.len() != known {
        let mut names: Vec<&str> = st.names();
        names.sort_unstable();
        return Err(err(
            format!("unexpected tensors (have {names:?}; layers must be numbered 0, 1, 2, … without gaps)"),
            FIX_SHAPE,
        ));
    }
    Ok(Mlp {
        layers,
        activation,
        standardise,
    })
}

fn standardisation(
    path: &Path,
    st: &Tensors<'_>,
    n: usize,
) -> Result<Option<(Vec<f64>, Vec<f64>)>> {
    let (m, s) = (st.tensor("input.mean").ok(), st.tensor("input.scale").ok());
    let fix = "input.mean and input.scale must both be present, shape [inputs], scale ≠ 0";
    match (m, s) {
        (None, None) => Ok(None),
        (Some(m), Some(s)) => {
            if m.shape() != [n] || s.shape() != [n] {
                return Err(model_error(
                    path,
                    format!(
                        "input.mean {:?} / input.scale {:?} must both be [{n}]",
                        m.shape(),
                        s.shape()
                    ),
                    fix,
                ));
            }
            let (m, s) = (
                floats(path, "input.mean", &m)?,
                floats(path, "input.scale", &s)?,
            );
            if s.contains(&0.0) {
                return Err(model_error(path, "input.scale has a zero".into(), fix));
            }
            Ok(Some((m, s)))
        }
        _ => Err(model_error(
            path,
            "only one of input.mean / input.scale".into(),
            fix,
        )),
    }
}

fn floats(path: &Path, name: &str, t: &View<'_>) -> Result<Vec<f64>> {
    if t.dtype() != Dtype::F32 {
        return Err(model_error(
            path,
            format!("tensor `{name}` is {:?}, expected F32", t.dtype()),
            "store every tensor as float32",
        ));
    }
    let v: Vec<f64> = t
        .data()
        .chunks_exact(4)
        .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::Model {
            path: path.to_path_buf(),
            message: format!("tensor `{name}` holds NaN or infinity"),
            fix: "retrain the model; its training diverged",
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;

    fn tiny() -> Mlp {
        Mlp {
            layers: vec![
                Layer {
                    weight: vec![0.5, -1.0, 2.0, 0.25],
                    bias: vec![0.125, -0.25],
                    inputs: 2,
                    outputs: 2,
                },
                Layer {
                    weight: vec![1.0, -1.5],
                    bias: vec![0.75],
                    inputs: 2,
                    outputs: 1,
                },
            ],
            activation: Activation::Poly(vec![0.0, 0.5, 0.25]),
            standardise: Some((vec![1.0, 2.0], vec![0.5, 4.0])),
        }
    }

    fn load(b: &[u8]) -> Result<Mlp> {
        from_bytes(Path::new("m.safetensors"), b)
    }

    #[test]
    fn round_trip_and_forward() {
        let m = tiny();
        let back = load(&m.to_bytes().unwrap()).unwrap();
        assert_eq!(back, m);
        // Hand evaluation: x' = ((3−1)/0.5, (6−2)/4) = (4, 1);
        // h = (0.5·4 − 1 + 0.125, 2·4 + 0.25 − 0.25) = (1.125, 8);
        // σ(h) = 0.5h + 0.25h² = (0.87890625, 20); y = 0.87890625 − 30 + 0.75.
        let y = back.forward(&[3.0, 6.0]);
        assert_eq!(y, vec![-28.37109375]);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = tiny().to_bytes().unwrap();
        for n in 0..b.len() {
            let e = load(&b[..n]).unwrap_err();
            assert!(matches!(e, Error::Model { .. }), "{n}: {e}");
        }
    }

    #[test]
    fn bad_metadata_shapes_and_values_are_errors() {
        let b = tiny().to_bytes().unwrap();
        let at = b.windows(13).position(|w| w == b"hearth-mlp-v1").unwrap();
        let mut wrong = b.clone();
        wrong[at + 12] = b'9';
        let e = load(&wrong).unwrap_err();
        assert!(e.to_string().contains("format"), "{e}");
        let mut nan = b.clone();
        let n = nan.len();
        nan[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(load(&nan).unwrap_err().to_string().contains("NaN"));
        let mut m = tiny();
        m.layers[1].inputs = 1;
        m.layers[1].weight.truncate(1);
        let e = load(&m.to_bytes().unwrap()).unwrap_err();
        assert!(e.to_string().contains("layer 1 takes 1 inputs"), "{e}");
        assert!(load(b"not a model at all").is_err());
    }

    #[test]
    fn bundled_models_load() {
        for case in crate::bundled::CASES {
            let m = load(case.model).unwrap();
            assert_eq!(m.activation, Activation::Square);
        }
    }
}
