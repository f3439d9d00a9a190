//! A stable little-endian byte format for ciphertexts and its SHA-256 digest.
//!
//! ```text
//! header (16 bytes):
//!   b"HCKT"            magic
//!   u8  version = 1
//!   u8  word bytes     4 (u32) or 8 (u64)
//!   u8  log2 N
//!   u8  flags          bit 0: SEEDED (see below); other bits 0
//!   u32 limbs          level + 1
//!   u32 0              reserved
//! u64 scale            the f64 scale's IEEE-754 bits, in [1, 2^192)
//! then for each limb i = 0..limbs:
//!   u64 q_i            the prime
//!   N words            c0, limb i (NTT domain)
//!   N words            c1, limb i (NTT domain)
//! ```
//!
//! All integers little-endian. `SEEDED` marks a ciphertext whose
//! encryption randomness came from a caller's seed (reproducible runs,
//! known-answer tests): two such encryptions under one key share their
//! masks, so `c0 − c0'` reveals `Δ·(m − m')`. It is insecure, and
//! [`Ciphertext::from_le_bytes`] refuses it
//! ([`CkksError::SeededCiphertext`]); a reader that means to accept one
//! (the owner decrypting a test run, a server started in an explicit test
//! mode) uses [`Ciphertext::from_le_bytes_with_randomness`]. A fresh
//! ciphertext has flags 0, which is what [`CiphertextDigest`] and the
//! known-answer digests hash.
//!
//! The limb-interleaved order lets a device
//! that produces a ciphertext one limb at a time ([`super::encrypt_pk_limb`])
//! stream it out, or hash it with [`CiphertextDigest`], without holding it.

use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use super::encoding::check_scale;
use super::types::Ciphertext;
use super::{CkksContext, CkksError};
use crate::arith::Word;
use crate::poly::{Domain, RnsPoly};

/// The magic bytes.
pub const MAGIC: [u8; 4] = *b"HCKT";
/// The format version.
pub const VERSION: u8 = 1;
/// Header flag (byte 7): the encryption randomness came from a seed.
pub const FLAG_SEEDED: u8 = 1;

/// Where a ciphertext's encryption randomness came from, as its byte format
/// records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Randomness {
    /// Fresh randomness (an unpredictable generator): secure.
    Fresh,
    /// A caller's seed (reproducible): insecure, for tests and known
    /// answers only.
    Seeded,
}

/// The 24 bytes before the first limb of an unmarked (fresh) ciphertext.
pub fn header<W: Word>(log_n: u32, limbs: usize, scale: f64) -> [u8; 24] {
    header_with::<W>(log_n, limbs, scale, Randomness::Fresh)
}

/// The 24 bytes before the first limb, with the randomness mark.
pub fn header_with<W: Word>(
    log_n: u32,
    limbs: usize,
    scale: f64,
    randomness: Randomness,
) -> [u8; 24] {
    let mut h = [0u8; 24];
    h[..4].copy_from_slice(&MAGIC);
    h[4] = VERSION;
    h[5] = (W::BITS / 8) as u8;
    h[6] = log_n as u8;
    h[7] = match randomness {
        Randomness::Fresh => 0,
        Randomness::Seeded => FLAG_SEEDED,
    };
    h[8..12].copy_from_slice(&(limbs as u32).to_le_bytes());
    h[16..24].copy_from_slice(&scale.to_bits().to_le_bytes());
    h
}

/// Feeds the bytes of one limb (prime, `c0` words, `c1` words) to `sink`.
pub fn write_limb<W: Word>(q: W, c0: &[W], c1: &[W], mut sink: impl FnMut(&[u8])) {
    sink(&q.to_u64().to_le_bytes());
    for &x in c0.iter().chain(c1) {
        let b = x.to_u64().to_le_bytes();
        sink(&b[..(W::BITS / 8) as usize]);
    }
}

/// Incremental SHA-256 of the byte format, limb by limb.
#[derive(Debug, Clone)]
pub struct CiphertextDigest {
    hasher: Sha256,
}

impl CiphertextDigest {
    /// Starts a digest with the header of a ciphertext.
    pub fn new<W: Word>(log_n: u32, limbs: usize, scale: f64) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(header::<W>(log_n, limbs, scale));
        Self { hasher }
    }
    /// Adds one limb.
    pub fn update_limb<W: Word>(&mut self, q: W, c0: &[W], c1: &[W]) {
        write_limb(q, c0, c1, |b| self.hasher.update(b));
    }
    /// Starts a limb piecewise: its prime. Follow with [`Self::update_words`]
    /// for `c0`, then for `c1`; together the same bytes as
    /// [`Self::update_limb`].
    pub fn update_prime<W: Word>(&mut self, q: W) {
        self.hasher.update(q.to_u64().to_le_bytes());
    }
    /// Adds words of a limb (see [`Self::update_prime`]).
    pub fn update_words<W: Word>(&mut self, words: &[W]) {
        for &x in words {
            let b = x.to_u64().to_le_bytes();
            self.hasher.update(&b[..(W::BITS / 8) as usize]);
        }
    }
    /// The digest.
    pub fn finalize(self) -> [u8; 32] {
        self.hasher.finalize().into()
    }
}

impl<W: Word> Ciphertext<W> {
    /// Feeds the byte format to `sink` in order (unmarked: fresh
    /// randomness).
    pub fn write_le_bytes(&self, ctx: &CkksContext<W>, sink: impl FnMut(&[u8])) {
        self.write_le_bytes_with(ctx, Randomness::Fresh, sink);
    }

    /// Feeds the byte format to `sink` in order, marked with where the
    /// encryption randomness came from.
    pub fn write_le_bytes_with(
        &self,
        ctx: &CkksContext<W>,
        randomness: Randomness,
        mut sink: impl FnMut(&[u8]),
    ) {
        let limbs = self.c0.basis().q;
        let log_n = ctx.ring().log_degree();
        sink(&header_with::<W>(log_n, limbs, self.scale, randomness));
        for i in 0..limbs {
            let q = ctx.ring().modulus(i).value();
            write_limb(q, self.c0.limb(i), self.c1.limb(i), &mut sink);
        }
    }

    /// The byte format as a vector (unmarked: fresh randomness).
    pub fn to_le_bytes(&self, ctx: &CkksContext<W>) -> Vec<u8> {
        self.to_le_bytes_with(ctx, Randomness::Fresh)
    }

    /// The byte format as a vector, marked with where the encryption
    /// randomness came from.
    pub fn to_le_bytes_with(&self, ctx: &CkksContext<W>, randomness: Randomness) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_le_bytes_with(ctx, randomness, |b| out.extend_from_slice(b));
        out
    }

    /// SHA-256 of the byte format.
    pub fn digest(&self, ctx: &CkksContext<W>) -> [u8; 32] {
        let mut h = Sha256::new();
        self.write_le_bytes(ctx, |b| h.update(b));
        h.finalize().into()
    }

    /// Parses the byte format, checking it against `ctx`: magic, version,
    /// word size, degree, level, every prime and residue, and the scale
    /// ([`check_scale`]). Refuses a ciphertext marked seeded
    /// ([`CkksError::SeededCiphertext`]).
    pub fn from_le_bytes(ctx: &CkksContext<W>, bytes: &[u8]) -> Result<Self, CkksError> {
        match Self::from_le_bytes_with_randomness(ctx, bytes)? {
            (ct, Randomness::Fresh) => Ok(ct),
            (_, Randomness::Seeded) => Err(CkksError::SeededCiphertext),
        }
    }

    /// Parses the byte format like [`Self::from_le_bytes`], accepting a
    /// seeded ciphertext too, and says which it was.
    pub fn from_le_bytes_with_randomness(
        ctx: &CkksContext<W>,
        bytes: &[u8],
    ) -> Result<(Self, Randomness), CkksError> {
        let ring = ctx.ring();
        let n = ring.degree();
        let wb = (W::BITS / 8) as usize;
        if bytes.len() < 24 || bytes[..4] != MAGIC {
            return Err(CkksError::Malformed("not a hearth ciphertext"));
        }
        if bytes[4] != VERSION || bytes[5] as usize != wb || bytes[6] as u32 != ring.log_degree() {
            return Err(CkksError::ParameterMismatch);
        }
        let randomness = match bytes[7] {
            0 => Randomness::Fresh,
            FLAG_SEEDED => Randomness::Seeded,
            _ => return Err(CkksError::Malformed("unknown header flags")),
        };
        if bytes[12..16] != [0; 4] {
            return Err(CkksError::Malformed("reserved header bytes are not zero"));
        }
        let limbs = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        let mut sc = [0u8; 8];
        sc.copy_from_slice(&bytes[16..24]);
        let scale = check_scale(f64::from_bits(u64::from_le_bytes(sc)))?;
        if limbs == 0 || limbs > ring.num_q() {
            return Err(CkksError::ParameterMismatch);
        }
        let limb_bytes = 8 + 2 * n * wb;
        if bytes.len() != 24 + limbs * limb_bytes {
            return Err(CkksError::Malformed("wrong length"));
        }
        let mut c0 = Vec::with_capacity(limbs * n);
        let mut c1 = Vec::with_capacity(limbs * n);
        for i in 0..limbs {
            let chunk = &bytes[24 + i * limb_bytes..24 + (i + 1) * limb_bytes];
            let mut qb = [0u8; 8];
            qb.copy_from_slice(&chunk[..8]);
            if u64::from_le_bytes(qb) != ring.modulus(i).value().to_u64() {
                return Err(CkksError::ParameterMismatch);
            }
            let words = chunk[8..].chunks_exact(wb).map(|w| {
                let mut b = [0u8; 8];
                b[..wb].copy_from_slice(w);
                W::from_u64_truncating(u64::from_le_bytes(b))
            });
            let words: Vec<W> = words.collect();
            c0.extend_from_slice(&words[..n]);
            c1.extend_from_slice(&words[n..]);
        }
        let basis = ctx.level_basis(limbs - 1);
        let ct = Self {
            c0: RnsPoly::from_limbs(ring, basis, Domain::Ntt, c0)
                .map_err(|_| CkksError::Malformed("residue out of range"))?,
            c1: RnsPoly::from_limbs(ring, basis, Domain::Ntt, c1)
                .map_err(|_| CkksError::Malformed("residue out of range"))?,
            scale,
        };
        Ok((ct, randomness))
    }
}
