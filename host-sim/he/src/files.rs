//! The file workflow of `hearth keygen`, `encrypt` and `decrypt`: a secret
//! key file, and CSV columns encrypted one ciphertext per column (row `j` in
//! slot `j`, the throughput layout a server evaluates with
//! [`super::throughput`]). Fresh encryptions are written in the compact
//! seeded format (`c_0` bit-packed, `c_1` as its 32-byte seed: about half
//! the bytes); a server's results in the full one; readers take either
//! ([`Ciphertext::from_any_le_bytes`]).

use super::container::{self, CiphertextFile, KeyFile, ParamsDesc};
use super::params::Selection;
use super::session::{rng_from, Session};
use crate::error::{Error, Result};
use hearth_device::Counting;
use hearth_kernels::ckks::Ciphertext;
use hearth_kernels::ntt::SoftwareNtt;
use hearth_nn::data::Dataset;
use rand_chacha::rand_core::Rng;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;
use zeroize::Zeroizing;

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

/// The parameter set a description names (range- and 128-bit-security
/// checked, [`ParamsDesc::selection`]); an error names the file.
pub fn selection(d: &ParamsDesc, path: &Path) -> Result<Selection> {
    d.selection().map_err(|e| Error::Container {
        path: path.to_path_buf(),
        message: format!("parameters in the file are not usable: {e}"),
    })
}

/// A new secret key (OS entropy, or a seed for reproducible tests: such a
/// key has 64 bits of entropy and is marked [`KeyFile::insecure`]).
pub fn keygen(params: ParamsDesc, seed: Option<u64>) -> Result<KeyFile> {
    let mut key = KeyFile {
        params,
        seed: [0; 32],
        insecure: seed.is_some(),
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

/// Encrypts every feature column of `data` (at most `N/2` rows). With a
/// `seed` (reproducible randomness: two files under one key then share
/// their masks, which leaks the difference of the data) or under an insecure
/// key, the result is marked [`CiphertextFile::insecure`].
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
        cts.push(s.encrypt_seeded(&mut e, &col)?.to_le_bytes(&s.ctx));
    }
    Ok(CiphertextFile {
        params: key.params.clone(),
        key_id: key_id(key),
        columns: data.feature_names.clone(),
        rows: data.len(),
        ciphertexts: cts,
        insecure: seed.is_some() || key.insecure,
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
        let ct = Ciphertext::from_any_le_bytes(&s.ctx, b)
            .map_err(|x| err(format!("ciphertext {i}: CKKS: {x}")))?;
        cols.push(s.decrypt(&mut e, &ct)?);
    }
    let rows = (0..file.rows)
        .map(|j| cols.iter().map(|c| c[j]).collect())
        .collect();
    Ok((file.columns.clone(), rows))
}

/// Writes a key file: mode 0600, atomically ([`container::write`]).
pub fn save_key(key: &KeyFile, path: &Path) -> Result<()> {
    container::write(key, path, container::PRIVATE_MODE)
}

/// The CSV of decrypted columns (`hearth decrypt`): the column names, then
/// one line per row with 6 decimals. Zeroized when dropped.
pub fn decrypted_csv(names: &[String], rows: &[Vec<f64>]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(names.join(","));
    text.push('\n');
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            // Writing into a String cannot fail.
            let _ = write!(text, "{v:.6}");
        }
        text.push('\n');
    }
    text
}

/// Writes decrypted results — plaintext as sensitive as the key — with mode
/// 0600 from creation, atomically ([`container::write_atomic`]).
pub fn save_decrypted(text: &str, path: &Path) -> Result<()> {
    container::write_atomic(text.as_bytes(), path, container::PRIVATE_MODE)
}

/// Reads a key file; refused when group or others can access it.
pub fn load_key(path: &Path) -> Result<KeyFile> {
    container::read_private(path)
}

/// Writes a ciphertext file (atomically).
pub fn save_ciphertexts(f: &CiphertextFile, path: &Path) -> Result<()> {
    container::write(f, path, 0o644)
}

/// Reads a ciphertext file.
pub fn load_ciphertexts(path: &Path) -> Result<CiphertextFile> {
    container::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn decrypted_results_are_written_0600_even_over_a_readable_file() {
        let dir = std::env::temp_dir().join(format!("hearth-dec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        // A world-readable file already there (an earlier `--out`).
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let names = vec!["a".to_string(), "b".to_string()];
        let rows = vec![vec![1.0, -0.5], vec![0.1234567, 2.0]];
        let text = decrypted_csv(&names, &rows);
        assert_eq!(
            text.as_str(),
            "a,b\n1.000000,-0.500000\n0.123457,2.000000\n"
        );
        save_decrypted(&text, &path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text.as_str());
        // Only the result is left: no temporary file beside it.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
