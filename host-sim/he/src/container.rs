//! Key and ciphertext files: a fixed header, then a postcard payload.
//!
//! ```text
//! b"HEARTH\r\n"      magic (8 bytes; the CR LF catches text-mode mangling)
//! u8  kind           1 = secret key, 2 = ciphertexts, 3 = evaluation keys
//! u8  version        1
//! u16 0              reserved
//! u32 payload length
//! u32 CRC-32 (IEEE) of the payload
//! payload            postcard encoding of [`KeyFile`], [`CiphertextFile`]
//!                    or [`EvalKeyFile`]
//! ```
//!
//! Every way a file can be wrong — too short, wrong magic, another kind,
//! a newer version, a length that does not match, a checksum that does not
//! match, a payload that does not parse — is its own [`Error::Container`]
//! message naming the file.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use zeroize::Zeroize;

/// The magic bytes.
pub const MAGIC: [u8; 8] = *b"HEARTH\r\n";
/// The format version.
pub const VERSION: u8 = 1;
const HEADER: usize = 20;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A [`KeyFile`].
    SecretKey = 1,
    /// A [`CiphertextFile`].
    Ciphertexts = 2,
    /// An [`EvalKeyFile`].
    EvalKeys = 3,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::SecretKey => "a secret-key file",
            Kind::Ciphertexts => "a ciphertext file",
            Kind::EvalKeys => "an evaluation-key file",
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [Kind::SecretKey, Kind::Ciphertexts, Kind::EvalKeys]
            .into_iter()
            .find(|k| *k as u8 == code)
    }
}

/// A CKKS parameter set by its defining numbers (primes follow from them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamsDesc {
    /// `log2 N`.
    pub log_n: u32,
    /// Chain prime sizes, `q_0` first.
    pub chain_bits: Vec<u32>,
    /// Special prime sizes.
    pub special_bits: Vec<u32>,
    /// Scale bits (`Δ = 2^scale_bits`).
    pub scale_bits: u32,
}

/// A secret key, stored as the 32-byte seed it is generated from
/// (`SecretKey::generate` with ChaCha20 seeded by it). Zeroized on drop.
#[derive(Serialize, Deserialize)]
pub struct KeyFile {
    /// The parameters.
    pub params: ParamsDesc,
    /// The key seed.
    pub seed: [u8; 32],
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl core::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeyFile({:?}, seed: ..)", self.params)
    }
}

/// Encrypted columns of a CSV file (throughput layout: one ciphertext per
/// column, row `j` in slot `j`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CiphertextFile {
    /// The parameters.
    pub params: ParamsDesc,
    /// Identifies the key (first 8 bytes of SHA-256 of its seed).
    pub key_id: [u8; 8],
    /// Column names.
    pub columns: Vec<String>,
    /// Number of rows.
    pub rows: usize,
    /// One ciphertext per column, in the kernels' byte format.
    pub ciphertexts: Vec<Vec<u8>>,
}

/// The public half of a key set that a server needs to evaluate a network
/// on ciphertexts: the relinearization key (RLWE encryptions of `s²` under
/// `s`, secure under the circular-security assumption every CKKS library
/// makes). It cannot decrypt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalKeyFile {
    /// The parameters.
    pub params: ParamsDesc,
    /// The key set it belongs to (as in [`CiphertextFile::key_id`]).
    pub key_id: [u8; 8],
    /// The relinearization key (postcard of the kernels' `RelinKey`).
    pub relin: Vec<u8>,
}

/// Wraps a payload in the container.
pub fn seal<T: Serialize>(kind: Kind, payload: &T) -> Result<Vec<u8>> {
    let body = postcard::to_allocvec(payload)
        .map_err(|e| Error::Invalid(format!("encoding {}: {e}", kind.name())))?;
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend(MAGIC);
    out.extend([kind as u8, VERSION, 0, 0]);
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(crc32fast::hash(&body).to_le_bytes());
    out.extend(body);
    Ok(out)
}

/// Checks the container and decodes its payload.
pub fn open<T: for<'de> Deserialize<'de>>(path: &Path, kind: Kind, bytes: &[u8]) -> Result<T> {
    let err = |m: String| Error::Container {
        path: path.to_path_buf(),
        message: m,
    };
    if bytes.len() < HEADER {
        return Err(err(format!(
            "{} bytes is too short to be {} (truncated?)",
            bytes.len(),
            kind.name()
        )));
    }
    if bytes[..8] != MAGIC {
        return Err(err(format!(
            "not a hearth file (expected {} written by `hearth`)",
            kind.name()
        )));
    }
    if bytes[8] != kind as u8 {
        let other = Kind::from_code(bytes[8]).map_or("an unknown kind of file", Kind::name);
        return Err(err(format!(
            "this is {other}, but {} was expected",
            kind.name()
        )));
    }
    if bytes[9] != VERSION {
        return Err(err(format!("format version {} is not supported (this build reads version {VERSION}); upgrade hearth", bytes[9])));
    }
    let len = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
    let crc = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let body = &bytes[HEADER..];
    if body.len() != len {
        return Err(err(format!(
            "payload is {} bytes but the header says {len} (truncated or appended to)",
            body.len()
        )));
    }
    if crc32fast::hash(body) != crc {
        return Err(err("checksum mismatch: the file is corrupted".into()));
    }
    postcard::from_bytes(body).map_err(|e| err(format!("payload does not parse: {e}")))
}

/// Reads and opens a container file.
pub fn read<T: for<'de> Deserialize<'de>>(path: &Path, kind: Kind) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    open(path, kind, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let k = KeyFile {
            params: ParamsDesc {
                log_n: 13,
                chain_bits: vec![50, 39],
                special_bits: vec![50],
                scale_bits: 39,
            },
            seed: [7; 32],
        };
        seal(Kind::SecretKey, &k).unwrap()
    }

    #[test]
    fn round_trip() {
        let k: KeyFile = open(Path::new("k"), Kind::SecretKey, &sample()).unwrap();
        assert_eq!((k.seed, k.params.log_n), ([7; 32], 13));
    }

    #[test]
    fn every_truncation_and_every_bit_flip_is_detected() {
        let b = sample();
        for n in 0..b.len() {
            assert!(
                open::<KeyFile>(Path::new("k"), Kind::SecretKey, &b[..n]).is_err(),
                "{n}"
            );
        }
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut c = b.clone();
                c[i] ^= 1 << bit;
                // Reserved bytes 10..12 are not checked; every other flip must be.
                if (10..12).contains(&i) {
                    continue;
                }
                assert!(
                    open::<KeyFile>(Path::new("k"), Kind::SecretKey, &c).is_err(),
                    "byte {i} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn wrong_kind_is_named() {
        let e = open::<CiphertextFile>(Path::new("k"), Kind::Ciphertexts, &sample()).unwrap_err();
        assert!(e.to_string().contains("secret-key file"), "{e}");
    }
}
