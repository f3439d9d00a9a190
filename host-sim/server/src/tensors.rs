//! Tensors of the Open Inference Protocol's REST form, BYTES only (a
//! ciphertext is opaque bytes to the protocol).
//!
//! A request body is JSON (`{"id", "parameters", "inputs": [{"name",
//! "shape", "datatype", "parameters", "data"}], "outputs"}`), optionally
//! followed by binary tensor data (the binary tensor data extension): the
//! header `Inference-Header-Content-Length` gives the JSON's length, and
//! each input with `"parameters": {"binary_data_size": S}` takes the next
//! `S` bytes, in the order of `inputs`. A BYTES tensor in binary is its
//! elements one after another, each a 4-byte little-endian length and the
//! bytes. In JSON, each BYTES element is a string: JSON strings cannot
//! carry arbitrary bytes, and clients such as `tritonclient` send a BYTES
//! element's text unchanged, so hearth's elements are the **base64** text
//! (RFC 4648, standard alphabet, padded) of the bytes, both ways.
//!
//! Every length (the header's, each `binary_data_size`, each element's
//! 4-byte length, the product of the shape) is checked against what is
//! left of the body before anything is sliced or allocated.

use crate::error::{Error, Result};
use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The datatype name of byte-string tensors.
pub const BYTES: &str = "BYTES";
/// Most elements one tensor may have.
pub const MAX_ELEMENTS: u64 = 4096;
/// The binary tensor extension's header.
pub const HEADER_LENGTH: &str = "inference-header-content-length";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A BYTES tensor: its name, shape and elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    /// The tensor's name.
    pub name: String,
    /// Its datatype as sent (`BYTES` for every tensor hearth accepts).
    pub datatype: String,
    /// Its shape.
    pub shape: Vec<i64>,
    /// Its elements, row-major.
    pub elements: Vec<Bytes>,
}

/// A decoded inference request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The client's request id, echoed in the answer.
    pub id: Option<String>,
    /// The inputs.
    pub inputs: Vec<Tensor>,
    /// The outputs asked for by name (empty: all).
    pub outputs: Vec<String>,
    /// Whether the client asked for outputs as binary data.
    pub binary_output: bool,
}

#[derive(Deserialize)]
struct JsonRequest {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    parameters: Map<String, Value>,
    inputs: Vec<JsonInput>,
    #[serde(default)]
    outputs: Vec<JsonOutput>,
}

#[derive(Deserialize)]
struct JsonInput {
    name: String,
    shape: Vec<i64>,
    datatype: String,
    #[serde(default)]
    parameters: Map<String, Value>,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Deserialize)]
struct JsonOutput {
    name: String,
    #[serde(default)]
    parameters: Map<String, Value>,
}

fn bad(m: String) -> Error {
    Error::BadRequest(m)
}

/// Number of elements of `shape` (every dimension ≥ 0, at most
/// [`MAX_ELEMENTS`] in all).
pub fn element_count(name: &str, shape: &[i64]) -> Result<usize> {
    let mut n: u64 = 1;
    for &d in shape {
        let d = u64::try_from(d).map_err(|_| {
            bad(format!(
                "input `{name}` has a negative dimension in {shape:?}"
            ))
        })?;
        n = n.saturating_mul(d);
    }
    if n > MAX_ELEMENTS {
        return Err(bad(format!(
            "input `{name}` has shape {shape:?}: more than {MAX_ELEMENTS} elements"
        )));
    }
    Ok(n as usize)
}

/// Splits binary BYTES data into its elements (4-byte LE length, bytes).
pub fn split_bytes(name: &str, data: &Bytes) -> Result<Vec<Bytes>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let Some(len) = data.get(at..at + 4) else {
            return Err(bad(format!(
                "input `{name}`: binary data ends inside an element's 4-byte length (truncated?)"
            )));
        };
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        at += 4;
        if len > data.len() - at {
            return Err(bad(format!(
                "input `{name}`: element {} says {len} bytes but only {} remain (truncated?)",
                out.len(),
                data.len() - at
            )));
        }
        if out.len() as u64 >= MAX_ELEMENTS {
            return Err(bad(format!(
                "input `{name}`: more than {MAX_ELEMENTS} elements"
            )));
        }
        out.push(data.slice(at..at + len));
        at += len;
    }
    Ok(out)
}

/// Joins elements into binary BYTES data.
pub fn join_bytes(elements: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(elements.iter().map(|e| e.len() + 4).sum());
    for e in elements {
        out.extend((e.len() as u32).to_le_bytes());
        out.extend(e);
    }
    out
}

fn flag(params: &Map<String, Value>, key: &str) -> bool {
    params.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn json_elements(name: &str, data: &Value, out: &mut Vec<Bytes>, depth: usize) -> Result<()> {
    match data {
        Value::String(s) => {
            let b = B64.decode(s.as_bytes()).map_err(|e| {
                bad(format!(
                    "input `{name}` element {} is not base64 ({e}); in JSON each BYTES \
                     element is the base64 text of a ciphertext",
                    out.len()
                ))
            })?;
            out.push(Bytes::from(b));
        }
        Value::Array(items) if depth < 8 => {
            for v in items {
                json_elements(name, v, out, depth + 1)?;
            }
        }
        _ => {
            return Err(bad(format!(
                "input `{name}`: BYTES data must be (nested arrays of) base64 strings"
            )))
        }
    }
    Ok(())
}

/// Decodes a REST inference request: `body` and the value of its
/// `Inference-Header-Content-Length` header, if any.
pub fn decode(body: Bytes, header_length: Option<&str>) -> Result<Request> {
    let json_len = match header_length {
        None => body.len(),
        Some(v) => {
            let n: u64 = v.trim().parse().map_err(|_| {
                bad(format!(
                    "Inference-Header-Content-Length `{v}` is not a number"
                ))
            })?;
            if n > body.len() as u64 {
                return Err(bad(format!(
                    "Inference-Header-Content-Length is {n} but the body has {} bytes",
                    body.len()
                )));
            }
            n as usize
        }
    };
    let req: JsonRequest = serde_json::from_slice(&body[..json_len])
        .map_err(|e| bad(format!("the request's JSON does not parse: {e}")))?;
    let mut binary = body.slice(json_len..);
    let mut inputs = Vec::with_capacity(req.inputs.len().min(16));
    for i in req.inputs {
        let count = element_count(&i.name, &i.shape)?;
        if i.datatype != BYTES {
            return Err(bad(format!(
                "input `{}` has datatype {}; hearth's models take {BYTES} tensors (ciphertexts)",
                i.name, i.datatype
            )));
        }
        let elements = match (i.parameters.get("binary_data_size"), &i.data) {
            (Some(size), None) => {
                let size = size.as_u64().ok_or_else(|| {
                    bad(format!(
                        "input `{}`: binary_data_size must be a non-negative integer",
                        i.name
                    ))
                })?;
                if size > binary.len() as u64 {
                    return Err(bad(format!(
                        "input `{}`: binary_data_size is {size} but only {} bytes of binary data remain (truncated?)",
                        i.name,
                        binary.len()
                    )));
                }
                let mine = binary.split_to(size as usize);
                split_bytes(&i.name, &mine)?
            }
            (None, Some(data)) => {
                let mut out = Vec::new();
                json_elements(&i.name, data, &mut out, 0)?;
                out
            }
            (Some(_), Some(_)) => {
                return Err(bad(format!(
                    "input `{}` has both `data` and binary_data_size",
                    i.name
                )))
            }
            (None, None) => {
                return Err(bad(format!(
                    "input `{}` has neither `data` nor binary_data_size",
                    i.name
                )))
            }
        };
        if elements.len() != count {
            return Err(bad(format!(
                "input `{}` has shape {:?} ({count} elements) but carries {}",
                i.name,
                i.shape,
                elements.len()
            )));
        }
        inputs.push(Tensor {
            name: i.name,
            datatype: i.datatype,
            shape: i.shape,
            elements,
        });
    }
    if !binary.is_empty() {
        return Err(bad(format!(
            "{} bytes of binary data after the last input (Inference-Header-Content-Length or binary_data_size is wrong)",
            binary.len()
        )));
    }
    let binary_output = flag(&req.parameters, "binary_data_output")
        || req
            .outputs
            .iter()
            .any(|o| flag(&o.parameters, "binary_data"));
    Ok(Request {
        id: req.id,
        inputs,
        outputs: req.outputs.into_iter().map(|o| o.name).collect(),
        binary_output,
    })
}

#[derive(Serialize)]
struct JsonResponse<'a> {
    model_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    outputs: Vec<JsonOutputTensor<'a>>,
}

#[derive(Serialize)]
struct JsonOutputTensor<'a> {
    name: &'a str,
    datatype: &'static str,
    shape: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Vec<String>>,
}

/// An output: its name and elements (a 1-D BYTES tensor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The output's name.
    pub name: String,
    /// Its elements.
    pub elements: Vec<Vec<u8>>,
}

/// Encodes an answer: the body, and the JSON header's length when the
/// outputs travel as binary data (for `Inference-Header-Content-Length`).
pub fn encode(
    model: &str,
    id: Option<&str>,
    outputs: &[Output],
    binary: bool,
) -> Result<(Vec<u8>, Option<usize>)> {
    let mut tail = Vec::new();
    let tensors = outputs
        .iter()
        .map(|o| {
            let shape = vec![o.elements.len() as i64];
            if binary {
                let data = join_bytes(&o.elements);
                let size = data.len();
                tail.extend(data);
                JsonOutputTensor {
                    name: &o.name,
                    datatype: BYTES,
                    shape,
                    parameters: Some(serde_json::json!({ "binary_data_size": size })),
                    data: None,
                }
            } else {
                JsonOutputTensor {
                    name: &o.name,
                    datatype: BYTES,
                    shape,
                    parameters: None,
                    data: Some(o.elements.iter().map(|e| B64.encode(e)).collect()),
                }
            }
        })
        .collect();
    let mut body = serde_json::to_vec(&JsonResponse {
        model_name: model,
        id,
        outputs: tensors,
    })
    .map_err(|_| Error::Internal("encoding the answer"))?;
    if binary {
        let n = body.len();
        body.extend(tail);
        Ok((body, Some(n)))
    } else {
        Ok((body, None))
    }
}

#[cfg(test)]
#[path = "tensors_tests.rs"]
mod tests;
