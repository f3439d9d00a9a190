//! The file workflow of `hearth keygen`, `encrypt` and `decrypt`: a secret
//! key file, and CSV columns encrypted one ciphertext per column (row `j` in
//! slot `j`, the throughput layout a server evaluates with
//! [`super::throughput`]).

use super::container::{self, CiphertextFile, KeyFile, Kind, ParamsDesc};
use super::params::Selection;
use super::session::{rng_from, Session};
use crate::error::{Error, Result};
use hearth_device::Counting;
use hearth_kernels::ckks::{Ciphertext, CkksParams};
use hearth_kernels::ntt::SoftwareNtt;
use hearth_nn::data::Dataset;
use rand_chacha::rand_core::Rng;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The default parameter set of `hearth keygen`: the one the bundled models
/// use (`N = 2^13`, depth 3, `Δ = 2^39`, 128-bit secure).
pub fn default_params() -> ParamsDesc {
    ParamsDesc {
        log_n: 13,
        chain_bits: vec![50, 39, 39, 39],
        special_bits: vec![50],
        scale_bits: 39,
    }
}

/// The parameter set a description names (checked for 128-bit security).
pub fn selection(d: &ParamsDesc, path: &Path) -> Result<Selection> {
    let params = CkksParams::new(
        d.log_n,
        &d.chain_bits,
        &d.special_bits,
        2f64.powi(d.scale_bits as i32),
        d.chain_bits.len(),
    )
    .map_err(|e| Error::Container {
        path: path.to_path_buf(),
        message: format!("parameters in the file are not usable: {e}"),
    })?;
    Ok(Selection {
        params,
        scale_bits: d.scale_bits,
        headroom_bits: d
            .chain_bits
            .first()
            .copied()
            .unwrap_or(0)
            .saturating_sub(d.scale_bits),
        depth: d.chain_bits.len().saturating_sub(1),
    })
}

/// A new secret key (OS entropy, or a seed for reproducible tests).
pub fn keygen(params: ParamsDesc, seed: Option<u64>) -> Result<KeyFile> {
    let mut key = KeyFile {
        params,
        seed: [0; 32],
    };
    rng_from(seed)?.fill_bytes(&mut key.seed);
    Ok(key)
}

/// `key_id` of a key: the first 8 bytes of SHA-256 of its seed.
pub fn key_id(key: &KeyFile) -> [u8; 8] {
    let h = Sha256::digest(key.seed);
    let mut id = [0u8; 8];
    id.copy_from_slice(&h[..8]);
    id
}

fn session(
    key: &KeyFile,
    key_path: &Path,
    seed: Option<u64>,
) -> Result<(Session, Counting<SoftwareNtt>)> {
    let mut engine = Counting::new(SoftwareNtt);
    let sel = selection(&key.params, key_path)?;
    let s = Session::from_key_seed(sel, &key.seed, None, rng_from(seed)?, &mut engine)?;
    Ok((s, engine))
}

/// Encrypts every feature column of `data` (at most `N/2` rows).
pub fn encrypt(
    key: &KeyFile,
    key_path: &Path,
    data: &Dataset,
    seed: Option<u64>,
) -> Result<CiphertextFile> {
    let (mut s, mut e) = session(key, key_path, seed)?;
    if data.len() > s.slots() {
        return Err(Error::Mismatch {
            path: data.path.clone(),
            message: format!(
                "{} rows exceed the {} slots of one ciphertext; split the file",
                data.len(),
                s.slots()
            ),
        });
    }
    let mut cts = Vec::with_capacity(data.num_features());
    for k in 0..data.num_features() {
        let col: Vec<f64> = data.rows.iter().map(|r| r[k]).collect();
        cts.push(s.encrypt(&mut e, &col)?.to_le_bytes(&s.ctx));
    }
    Ok(CiphertextFile {
        params: key.params.clone(),
        key_id: key_id(key),
        columns: data.feature_names.clone(),
        rows: data.len(),
        ciphertexts: cts,
    })
}

/// Decrypts a ciphertext file into its columns: `(names, rows)`.
pub fn decrypt(
    key: &KeyFile,
    key_path: &Path,
    file: &CiphertextFile,
    file_path: &Path,
) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let err = |m: String| Error::Container {
        path: file_path.to_path_buf(),
        message: m,
    };
    if file.params != key.params {
        return Err(err(format!(
            "encrypted with parameters {:?}, but the key {} has {:?}",
            file.params,
            key_path.display(),
            key.params
        )));
    }
    if file.key_id != key_id(key) {
        return Err(err(format!(
            "encrypted under another key than {}; use the key it was encrypted with",
            key_path.display()
        )));
    }
    if file.ciphertexts.len() != file.columns.len() {
        return Err(err(
            "column names and ciphertexts do not match in number".into()
        ));
    }
    let (s, mut e) = session(key, key_path, Some(0))?;
    if file.rows > s.slots() {
        return Err(err(format!(
            "{} rows exceed the {} slots",
            file.rows,
            s.slots()
        )));
    }
    let mut cols = Vec::with_capacity(file.ciphertexts.len());
    for (i, b) in file.ciphertexts.iter().enumerate() {
        let ct = Ciphertext::from_le_bytes(&s.ctx, b)
            .map_err(|x| err(format!("ciphertext {i}: CKKS: {x}")))?;
        cols.push(s.decrypt(&mut e, &ct)?);
    }
    let rows = (0..file.rows)
        .map(|j| cols.iter().map(|c| c[j]).collect())
        .collect();
    Ok((file.columns.clone(), rows))
}

/// Writes a key file.
pub fn save_key(key: &KeyFile, path: &Path) -> Result<()> {
    std::fs::write(path, container::seal(Kind::SecretKey, key)?).map_err(|e| Error::io(path, e))
}

/// Reads a key file.
pub fn load_key(path: &Path) -> Result<KeyFile> {
    container::read(path, Kind::SecretKey)
}

/// Writes a ciphertext file.
pub fn save_ciphertexts(f: &CiphertextFile, path: &Path) -> Result<()> {
    std::fs::write(path, container::seal(Kind::Ciphertexts, f)?).map_err(|e| Error::io(path, e))
}

/// Reads a ciphertext file.
pub fn load_ciphertexts(path: &Path) -> Result<CiphertextFile> {
    container::read(path, Kind::Ciphertexts)
}
