//! Host parsers: the key and ciphertext container files, the store records
//! describing compiled stream models, CSV data (plain and gzip),
//! `hearth-mlp-v1` safetensors models and ONNX models.
//!
//! The containers carry a CRC-32 over their header and payload, so a
//! mutated file almost never reaches the payload decoder. The container
//! target therefore has two modes (first byte): the input is the whole
//! file, or the input is a payload that the target wraps in a header with a
//! valid checksum, so the fuzzer works on the postcard payload directly.

use std::path::Path;

use hearth_he::container::{self, CiphertextFile, EvalKeyFile, KeyFile, Payload, MAGIC, VERSION};
use hearth_he::stream::records::{meta_from_bytes, to_bytes};
use hearth_he::stream::run::working_set;
use hearth_nn::data::Dataset;
use hearth_nn::limits::MAX_CLASSES;
use hearth_nn::stream::gen::{decode, layer_bytes};
use hearth_nn::Mlp;

/// A container header with a valid checksum around `body`: kind `kind`,
/// the current version, header flags `flags`.
pub fn wrap(kind: u8, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + body.len());
    out.extend(MAGIC);
    out.extend([kind, VERSION, flags, 0]);
    out.extend((body.len() as u32).to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&out[8..16]);
    h.update(body);
    out.extend(h.finalize().to_le_bytes());
    out.extend(body);
    out
}

/// Opens `bytes` as a `T` container; what opens re-seals to a container
/// that opens to the same payload (postcard bytes and INSECURE flag).
fn container_as<T: Payload>(bytes: &[u8]) -> Option<T> {
    let path = Path::new("fuzz");
    let value: T = container::open(path, bytes).ok()?;
    let sealed = container::seal(&value).expect("an opened payload seals");
    let again: T = container::open(path, &sealed).expect("a sealed payload opens");
    assert_eq!(again.insecure(), value.insecure(), "INSECURE flag lost");
    assert_eq!(
        postcard::to_allocvec(&again).expect("serialize"),
        postcard::to_allocvec(&value).expect("serialize"),
        "payload changed in a round trip"
    );
    Some(value)
}

/// `hearth_he::container::open` for secret-key, ciphertext and
/// evaluation-key files. First byte: bits 0–1 choose the kind (3: all
/// three), bit 2 wraps the rest in a valid header (flags from bits 3–4).
/// Opening never panics; what opens round-trips through `seal`; the
/// parameters it names are checked (ranges, 128-bit security) without
/// panicking or allocating from their values.
pub fn containers(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let kind = mode & 3;
    let bytes = if mode & 4 != 0 {
        wrap(if kind == 0 { 1 } else { kind }, (mode >> 3) & 3, rest)
    } else {
        rest.to_vec()
    };
    if kind == 0 || kind == 1 || kind == 3 {
        if let Some(k) = container_as::<KeyFile>(&bytes) {
            let _ = hearth_he::files::selection(&k.params, Path::new("fuzz"));
        }
    }
    if kind == 2 || kind == 3 {
        if let Some(f) = container_as::<CiphertextFile>(&bytes) {
            let _ = f.params.selection();
        }
    }
    if kind == 0 || kind == 3 {
        if let Some(f) = container_as::<EvalKeyFile>(&bytes) {
            let _ = f.params.selection();
        }
    }
}

/// Store records that describe compiled stream models. First byte even: an
/// encrypted model's description (`stream/<model>/he/meta`): decoding and
/// [`Meta::check`](hearth_he::stream::records::Meta::check) never panic, and
/// a description that passes has a computable working set and round-trips.
/// Odd: a plaintext stream layer (`stream/<model>/layer<i>`): a layer that
/// decodes has exactly the bytes its shape needs and can be applied.
pub fn stream_meta(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let Ok(meta) = meta_from_bytes(rest) else {
            return;
        };
        let bytes = to_bytes(&meta).expect("a description serializes");
        assert_eq!(meta_from_bytes(&bytes).expect("round trip"), meta);
        if let Ok((params, geo)) = meta.check("fuzz") {
            assert_eq!(
                (geo.n, geo.baby, geo.giant),
                (meta.n, meta.baby, meta.giant)
            );
            assert!((1..=params.slots()).contains(&meta.width));
            let _ = working_set(&meta, rest.len() as u64);
        }
    } else {
        let Ok(layer) = decode("fuzz", rest) else {
            return;
        };
        assert_eq!(layer_bytes(layer.out, layer.inp), Some(rest.len()));
        assert_eq!(layer.data.len(), layer.out * (layer.inp + 1));
        let y = layer.apply(&vec![1.0; layer.inp], true);
        assert_eq!(y.len(), layer.out);
    }
}

/// `Dataset::parse` (first byte even) or `Dataset::parse_gz` (odd): what
/// parses has one finite value per feature column in every row and, when it
/// has labels, one label below `MAX_CLASSES` per row.
pub fn csv(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let path = Path::new("fuzz.csv");
    let parsed = if mode & 1 == 0 {
        Dataset::parse(path, rest)
    } else {
        Dataset::parse_gz(path, rest)
    };
    let Ok(d) = parsed else {
        return;
    };
    let width = d.num_features();
    assert_eq!(width, d.feature_names.len());
    for r in &d.rows {
        assert_eq!(r.len(), width, "ragged row");
        assert!(r.iter().all(|v| v.is_finite()), "non-finite cell");
    }
    if let Some(l) = &d.labels {
        assert_eq!(l.len(), d.len());
        assert!(l.iter().all(|&c| c < MAX_CLASSES), "label out of range");
    }
    assert!(d.check_shape(&[width]).is_ok());
}

/// `Mlp::from_bytes` (`hearth-mlp-v1` safetensors): a model that loads
/// has layers that chain, evaluates to finite-or-not values of the right
/// length without panicking, and survives `to_bytes` → `from_bytes`
/// unchanged.
pub fn model(data: &[u8]) {
    let Ok(m) = Mlp::from_bytes("fuzz", data) else {
        return;
    };
    for w in m.layers.windows(2) {
        assert_eq!(w[0].outputs, w[1].inputs, "layers do not chain");
    }
    let y = m.forward(&vec![0.5; m.inputs()]);
    assert_eq!(y.len(), m.outputs());
    let bytes = m.to_bytes().expect("a loaded model serializes");
    let again = Mlp::from_bytes("fuzz", &bytes).expect("a written model loads");
    assert_eq!(again, m, "model changed in a round trip");
}

/// `hearth_nn::onnx::import_bytes`: a hostile ONNX file is an error, never
/// a panic; an imported network can be asked whether it is encryptable.
#[cfg(feature = "onnx")]
pub fn onnx_import(data: &[u8]) {
    use hearth_nn::onnx::{import_bytes, ImportOptions};
    if let Ok(m) = import_bytes("fuzz.onnx", data, ImportOptions::default()) {
        let _ = m.encryptable();
        let _ = m.has_relu();
    }
}
