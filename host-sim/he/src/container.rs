//! Key and ciphertext files: a fixed header, then a postcard payload.
//!
//! ```text
//! b"HEARTH\r\n"      magic (8 bytes; the CR LF catches text-mode mangling)
//! u8  kind           1 = secret key, 2 = ciphertexts, 3 = evaluation keys
//! u8  version        2 (version 1 is still read)
//! u8  flags          bit 0: INSECURE (made from a `--seed`); version 1: 0
//! u8  0              reserved
//! u32 payload length
//! u32 CRC-32 (IEEE) of header bytes 8..16 then the payload (version 1:
//!                    of the payload only)
//! payload            postcard encoding of [`KeyFile`], [`CiphertextFile`]
//!                    or [`EvalKeyFile`]
//! ```
//!
//! A file made from a reproducible `--seed` (a 64-bit key, or encryption
//! randomness that repeats across files) carries the INSECURE flag; the
//! checksum covers it, so it cannot be cleared by a bit flip unnoticed.
//! Files are at most [`MAX_CONTAINER_BYTES`], checked before reading.
//! Secret-key files are written with mode 0600, atomically (a new file in
//! the same directory, renamed into place), and refused on read when group
//! or others may read them ([`read_private`]).
//!
//! Every way a file can be wrong — too short, wrong magic, another kind,
//! a newer version, a length that does not match, a checksum that does not
//! match, a payload that does not parse — is its own [`Error::Container`]
//! message naming the file.

use crate::error::{Error, Result};
pub use crate::params::ParamsDesc;
use hearth_nn::limits::{read_capped, MAX_CONTAINER_BYTES};
use serde::{Deserialize, Serialize};
use std::path::Path;
use zeroize::{Zeroize, Zeroizing};

/// The file mode of secrets (key files, decrypted results): owner read and
/// write only.
pub const PRIVATE_MODE: u32 = 0o600;
/// The magic bytes.
pub const MAGIC: [u8; 8] = *b"HEARTH\r\n";
/// The format version written.
pub const VERSION: u8 = 2;
/// The oldest format version read.
pub const OLDEST_VERSION: u8 = 1;
/// Header flag: the file was made from a reproducible seed (not secure).
const FLAG_INSECURE: u8 = 1;
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

/// A secret key, stored as the 32-byte seed it is generated from
/// (`SecretKey::generate` with ChaCha20 seeded by it). Zeroized on drop.
#[derive(Serialize, Deserialize)]
pub struct KeyFile {
    /// The parameters.
    pub params: ParamsDesc,
    /// The key seed.
    pub seed: [u8; 32],
    /// Made from a reproducible 64-bit `--seed`: for tests only (the
    /// container's INSECURE flag, not part of the payload).
    #[serde(skip)]
    pub insecure: bool,
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
    /// One ciphertext per column in either of the kernels' byte formats
    /// ([`hearth_kernels::ckks::Ciphertext::from_any_le_bytes`]): seeded
    /// for fresh encryptions, full for a server's results.
    pub ciphertexts: Vec<Vec<u8>>,
    /// Encrypted with reproducible randomness or under an insecure key: for
    /// tests only (the container's INSECURE flag, not part of the payload).
    #[serde(skip)]
    pub insecure: bool,
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
    /// Derived from an insecure (seeded) key: for tests only (the
    /// container's INSECURE flag, not part of the payload).
    #[serde(skip)]
    pub insecure: bool,
}

/// The payloads a container holds, with the INSECURE flag they carry
/// outside their postcard encoding.
pub trait Payload: Serialize + for<'de> Deserialize<'de> {
    /// The kind of file that holds it.
    const KIND: Kind;
    /// Whether it is marked insecure.
    fn insecure(&self) -> bool;
    /// Marks it (as its file's header says).
    fn set_insecure(&mut self, insecure: bool);
}

macro_rules! payload {
    ($t:ty, $k:expr) => {
        impl Payload for $t {
            const KIND: Kind = $k;
            fn insecure(&self) -> bool {
                self.insecure
            }
            fn set_insecure(&mut self, insecure: bool) {
                self.insecure = insecure;
            }
        }
    };
}
payload!(KeyFile, Kind::SecretKey);
payload!(CiphertextFile, Kind::Ciphertexts);
payload!(EvalKeyFile, Kind::EvalKeys);

fn checksum(version: u8, header: &[u8], body: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    if version >= 2 {
        h.update(header.get(8..16).unwrap_or(&[]));
    }
    h.update(body);
    h.finalize()
}

/// Wraps a payload in the container (current version, its INSECURE flag in
/// the header). The buffers holding the encoding are zeroized when dropped:
/// a secret key's seed is in them.
pub fn seal<T: Payload>(payload: &T) -> Result<Zeroizing<Vec<u8>>> {
    let kind = T::KIND;
    let body =
        Zeroizing::new(
            postcard::to_allocvec(payload).map_err(|cause| Error::Serialize {
                what: kind.name(),
                cause,
            })?,
        );
    let len = u32::try_from(body.len())
        .ok()
        .filter(|&l| HEADER as u64 + u64::from(l) <= MAX_CONTAINER_BYTES)
        .ok_or_else(|| Error::TooMany {
            values: body.len(),
            room: MAX_CONTAINER_BYTES as usize,
            unit: "bytes of container",
        })?;
    let flags = if payload.insecure() { FLAG_INSECURE } else { 0 };
    let mut out = Zeroizing::new(Vec::with_capacity(HEADER + body.len()));
    out.extend(MAGIC);
    out.extend([kind as u8, VERSION, flags, 0]);
    out.extend(len.to_le_bytes());
    let crc = checksum(VERSION, &out, &body);
    out.extend(crc.to_le_bytes());
    out.extend(body.iter());
    Ok(out)
}

/// Checks the container and decodes its payload, marked insecure as its
/// header says.
pub fn open<T: Payload>(path: &Path, bytes: &[u8]) -> Result<T> {
    let kind = T::KIND;
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
    let version = bytes[9];
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
        return Err(err(format!("format version {version} is not supported (this build reads versions {OLDEST_VERSION} to {VERSION}); upgrade hearth")));
    }
    let flags = if version >= 2 { bytes[10] } else { 0 };
    if flags & !FLAG_INSECURE != 0 || (version >= 2 && bytes[11] != 0) {
        return Err(err(format!(
            "unknown header flags {:#04x} {:#04x}; upgrade hearth",
            bytes[10], bytes[11]
        )));
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
    if checksum(version, bytes, body) != crc {
        return Err(err("checksum mismatch: the file is corrupted".into()));
    }
    let mut value: T =
        postcard::from_bytes(body).map_err(|e| err(format!("payload does not parse: {e}")))?;
    value.set_insecure(flags & FLAG_INSECURE != 0);
    Ok(value)
}

/// Reads and opens a container file of at most [`MAX_CONTAINER_BYTES`]
/// (checked before reading); the bytes read are zeroized when dropped.
pub fn read<T: Payload>(path: &Path) -> Result<T> {
    let bytes = Zeroizing::new(read_capped(path, MAX_CONTAINER_BYTES)?);
    open(path, &bytes)
}

/// [`read`] for a secret file: refused when its permissions let group or
/// others read or write it (as ssh refuses such private keys).
pub fn read_private<T: Payload>(path: &Path) -> Result<T> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Error::Container {
            path: path.to_path_buf(),
            message: format!(
                "this secret key is accessible by group or others (mode {:04o}); \
                 run `chmod 600 {}`",
                mode & 0o7777,
                path.display()
            ),
        });
    }
    read(path)
}

/// Writes `payload`'s container to `path` atomically ([`write_atomic`]).
/// A secret key is written with mode `0o600`.
pub fn write<T: Payload>(payload: &T, path: &Path, mode: u32) -> Result<()> {
    write_atomic(&seal(payload)?, path, mode)
}

/// Writes `bytes` to `path` atomically: a new file created exclusively with
/// mode `mode` (never wider, never widened later) in the same directory,
/// synced, then renamed over `path`. Secrets — key files, decrypted
/// results — are written with mode `0o600`; an existing file at `path` is
/// replaced, so it cannot keep a wider mode.
pub fn write_atomic(bytes: &[u8], path: &Path, mode: u32) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |e| Error::io(path, e);
    let name = path.file_name().ok_or_else(|| Error::Container {
        path: path.to_path_buf(),
        message: "not a file name".into(),
    })?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = path.with_file_name(format!(
        ".{}.{}-{nanos}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
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
            insecure: false,
        };
        seal(&k).unwrap().to_vec()
    }

    #[test]
    fn round_trip() {
        let k: KeyFile = open(Path::new("k"), &sample()).unwrap();
        assert_eq!((k.seed, k.params.log_n, k.insecure), ([7; 32], 13, false));
    }

    #[test]
    fn the_insecure_flag_round_trips_and_is_covered_by_the_checksum() {
        let mut b = sample();
        assert_eq!(b[9], 2, "version 2 is written");
        b[10] = FLAG_INSECURE;
        assert!(
            open::<KeyFile>(Path::new("k"), &b).is_err(),
            "flag outside the CRC"
        );
        let mut k: KeyFile = open(Path::new("k"), &sample()).unwrap();
        k.insecure = true;
        let b = seal(&k).unwrap();
        assert_eq!(b[10], FLAG_INSECURE);
        assert!(open::<KeyFile>(Path::new("k"), &b).unwrap().insecure);
    }

    #[test]
    fn version_1_files_are_still_read() {
        let v2 = sample();
        let body = &v2[HEADER..];
        let mut v1 = Vec::new();
        v1.extend(MAGIC);
        v1.extend([Kind::SecretKey as u8, 1, 0, 0]);
        v1.extend((body.len() as u32).to_le_bytes());
        v1.extend(crc32fast::hash(body).to_le_bytes());
        v1.extend(body);
        let k: KeyFile = open(Path::new("k"), &v1).unwrap();
        assert_eq!((k.seed, k.insecure), ([7; 32], false));
        let mut bad = v1.clone();
        bad[9] = 3;
        let e = open::<KeyFile>(Path::new("k"), &bad).unwrap_err();
        assert!(e.to_string().contains("version 3"), "{e}");
    }

    #[test]
    fn secret_keys_are_written_0600_and_refused_when_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("hearth-perm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let k: KeyFile = open(Path::new("k"), &sample()).unwrap();
        write(&k, &path, 0o600).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read_private::<KeyFile>(&path).unwrap().seed, [7; 32]);
        // Rewriting replaces the file (atomically); no side file is left.
        write(&k, &path, 0o600).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        for m in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
            let e = read_private::<KeyFile>(&path).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{m:o}: {e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_container_over_the_size_limit_is_refused_before_reading() {
        let path = std::env::temp_dir().join(format!("hearth-big-{}.ct", std::process::id()));
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MAX_CONTAINER_BYTES + 1).unwrap();
        let e = read::<CiphertextFile>(&path).unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn every_truncation_and_every_bit_flip_is_detected() {
        let b = sample();
        for n in 0..b.len() {
            assert!(open::<KeyFile>(Path::new("k"), &b[..n]).is_err(), "{n}");
        }
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut c = b.clone();
                c[i] ^= 1 << bit;
                // Every flip is caught (version 2 checksums the header too).
                assert!(
                    open::<KeyFile>(Path::new("k"), &c).is_err(),
                    "byte {i} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn wrong_kind_is_named() {
        let e = open::<CiphertextFile>(Path::new("k"), &sample()).unwrap_err();
        assert!(e.to_string().contains("secret-key file"), "{e}");
    }
}
