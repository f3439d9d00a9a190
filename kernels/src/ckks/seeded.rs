//! Seeded secret-key ciphertexts: `c_1 = a` sent as the 32-byte seed it is
//! expanded from, `c_0` bit-packed to each prime's width.
//!
//! A fresh secret-key ciphertext is `(c_0, c_1) = (−a·s + e + m, a)` with
//! `a` uniform. When `a` is expanded deterministically from a seed
//! ([`expand_a`]), the client sends `(c_0, seed)` and the server, which
//! knows the primes, recomputes `c_1` ([`SeededCiphertext::expand`]) — what
//! SEAL does for symmetric encryption (its seeded serialization). Only
//! fresh ciphertexts can be sent this way; once evaluated, `c_1` is no
//! longer the expansion of anything.
//!
//! ## The seed expansion (a format contract)
//! `a` at level `l` is drawn from the ChaCha20 stream of
//! `rand_chacha::ChaCha20Rng::from_seed(seed)` (20 rounds, 64-bit block
//! counter from 0, stream 0; the same words as the `chacha20` crate's
//! `ChaCha20Rng`, which is what runs here), limb by limb for
//! `q_0, …, q_l`, coefficient by coefficient in storage order (the NTT
//! domain: `a` is uniform, so it is sampled there directly), each residue
//! by [`super::sampling::sample_uniform`]: one `next_u64` (two
//! little-endian 32-bit words of the stream) masked to the bit length of
//! `q_i`, redrawn while `≥ q_i`. Integer operations only, so the same seed
//! gives the same `a` on every target and every engine; changing any of
//! this changes what every stored seeded ciphertext decrypts to, and the
//! known-answer test (`kernels/tests/ckks_seeded.rs`) pins it.
//!
//! The seed is public (it travels with the ciphertext, like `c_1` would).
//! [`super::Encryptor::encrypt_sk_seeded`] draws it from the encrypting
//! generator, so it is as unpredictable as that generator's output.
//!
//! ## The byte format
//! ```text
//! header (24 bytes):
//!   b"HCKS"            magic
//!   u8  version = 1
//!   u8  word bytes     4 (u32) or 8 (u64)
//!   u8  log2 N
//!   u8  flags          0 (no flags defined)
//!   u32 limbs          level + 1
//!   u32 0              reserved
//! u64 scale            the f64 scale's IEEE-754 bits, in [1, 2^192)
//! [u8; 32] seed        expands to c1 = a
//! then for each limb i = 0..limbs:
//!   u64 q_i            the prime
//!   ⌈N·b_i/8⌉ bytes    c0, limb i (NTT domain), bit-packed (below),
//!                      b_i = bit length of q_i
//! ```
//! Integers little-endian. Length:
//! `56 + Σ_{i ≤ l} (8 + ⌈N·b_i/8⌉)` bytes ([`SeededCiphertext::byte_len`]),
//! against `24 + Σ_{i ≤ l} (8 + 2·N·w)` for the plain format with `w`-byte
//! words.
//!
//! Bit packing ([`pack_residues`], [`unpack_residues`], [`packed_len`]):
//! residue `k` of a limb occupies bits `k·b … k·b + b − 1` of the limb's
//! bit string, least significant bit first, where bit `j` of the string is
//! bit `j mod 8` of byte `⌊j/8⌋`; the unused high bits of the last byte
//! are zero. The reader refuses nonzero padding and residues `≥ q_i`, so
//! every accepted byte string is the one the writer makes.
//!
//! [`SeededCiphertext::from_le_bytes`] checks, in order and before it
//! allocates: the header's length, magic and version
//! ([`CkksError::UnknownFormat`]), word size and degree
//! ([`CkksError::ParameterMismatch`]), flags and reserved bytes
//! ([`CkksError::Malformed`]), the limb count against the chain
//! ([`CkksError::LevelOutOfRange`]), the scale
//! ([`super::encoding::check_scale`]), the total length
//! ([`CkksError::WrongLength`]); then per limb the prime and the residues.

use alloc::vec::Vec;

use rand_core::SeedableRng;

use super::encoding::check_scale;
use super::types::Ciphertext;
use super::{CkksContext, CkksError};
use crate::arith::Word;
use crate::poly::{Domain, RnsPoly};

/// The magic bytes of the seeded format.
pub const MAGIC: [u8; 4] = *b"HCKS";
/// The seeded format's version.
pub const VERSION: u8 = 1;
/// Bytes of a seed.
pub const SEED_BYTES: usize = 32;
/// Bytes before the first limb: the 24-byte header and the seed.
pub const HEADER_BYTES: usize = 24 + SEED_BYTES;

/// A fresh secret-key ciphertext whose `c_1` is the expansion of `seed`
/// ([`expand_a`]): `c_0` (NTT domain), the seed, the scale.
#[derive(Debug, Clone, PartialEq)]
pub struct SeededCiphertext<W: Word> {
    pub(crate) c0: RnsPoly<W>,
    pub(crate) seed: [u8; SEED_BYTES],
    pub(crate) scale: f64,
}

/// `a` at `level` expanded from `seed` (the contract in the module docs),
/// NTT domain.
pub fn expand_a<W: Word>(
    ctx: &CkksContext<W>,
    seed: &[u8; SEED_BYTES],
    level: usize,
) -> Result<RnsPoly<W>, CkksError> {
    ctx.check_level(level)?;
    let ring = ctx.ring();
    let basis = ctx.level_basis(level);
    let mut rng = chacha20::ChaCha20Rng::from_seed(*seed);
    let mut a = RnsPoly::zero(ring, basis, Domain::Ntt);
    for (limb, m) in a
        .data_mut()
        .chunks_exact_mut(ring.degree())
        .zip(ring.moduli_of(basis))
    {
        super::sampling::sample_uniform(&mut rng, m, limb);
    }
    Ok(a)
}

/// Bytes of `n` residues bit-packed at `bits` bits each: `⌈n·bits/8⌉`.
pub fn packed_len(n: usize, bits: u32) -> usize {
    (n * bits as usize).div_ceil(8)
}

/// Bit-packs `words` (each below `2^bits`, `bits ≤ 64`) into `out`, which
/// must hold [`packed_len`]`(words.len(), bits)` bytes (layout in the module
/// docs).
pub fn pack_residues<W: Word>(words: &[W], bits: u32, out: &mut [u8]) {
    debug_assert_eq!(out.len(), packed_len(words.len(), bits));
    let mut acc: u128 = 0;
    let mut have = 0u32;
    let mut bytes = out.iter_mut();
    for &w in words {
        acc |= (w.to_u64() as u128) << have;
        have += bits;
        while have >= 8 {
            if let Some(b) = bytes.next() {
                *b = acc as u8;
            }
            acc >>= 8;
            have -= 8;
        }
    }
    if have > 0 {
        if let Some(b) = bytes.next() {
            *b = acc as u8;
        }
    }
}

/// Unpacks `out.len()` residues of `bits` bits each from `bytes`
/// ([`packed_len`] of them), refusing a residue `≥ q` or nonzero padding
/// bits.
pub fn unpack_residues<W: Word>(
    bytes: &[u8],
    bits: u32,
    q: W,
    out: &mut [W],
) -> Result<(), CkksError> {
    if bytes.len() != packed_len(out.len(), bits) {
        return Err(CkksError::WrongLength {
            expected: packed_len(out.len(), bits),
            actual: bytes.len(),
        });
    }
    let q = q.to_u64();
    let mask = u64::MAX >> (64 - bits);
    let mut acc: u128 = 0;
    let mut have = 0u32;
    let mut src = bytes.iter();
    for x in out.iter_mut() {
        while have < bits {
            let b = src.next().copied().unwrap_or(0);
            acc |= (b as u128) << have;
            have += 8;
        }
        let v = (acc as u64) & mask;
        acc >>= bits;
        have -= bits;
        if v >= q {
            return Err(CkksError::Malformed("residue out of range"));
        }
        *x = W::from_u64_truncating(v);
    }
    if acc != 0 || src.next().is_some() {
        return Err(CkksError::Malformed("nonzero padding bits"));
    }
    Ok(())
}

impl<W: Word> SeededCiphertext<W> {
    /// The level.
    pub fn level(&self) -> usize {
        self.c0.basis().q - 1
    }
    /// The scale `Δ`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// `c0`.
    pub fn c0(&self) -> &RnsPoly<W> {
        &self.c0
    }
    /// The seed `c_1` expands from.
    pub fn seed(&self) -> &[u8; SEED_BYTES] {
        &self.seed
    }

    /// The ciphertext `(c_0, expand_a(seed))` (the server's side).
    pub fn expand(&self, ctx: &CkksContext<W>) -> Result<Ciphertext<W>, CkksError> {
        let level = self.level();
        ctx.check_level(level)?;
        self.c0
            .validate(ctx.ring(), ctx.level_basis(level), Domain::Ntt)?;
        Ok(Ciphertext {
            c0: self.c0.clone(),
            c1: expand_a(ctx, &self.seed, level)?,
            scale: self.scale,
        })
    }

    /// Bytes of the format at `level`: `56 + Σ_{i ≤ level} (8 + ⌈N·b_i/8⌉)`.
    pub fn byte_len(ctx: &CkksContext<W>, level: usize) -> usize {
        let ring = ctx.ring();
        HEADER_BYTES
            + (0..=level.min(ring.num_q().saturating_sub(1)))
                .map(|i| 8 + packed_len(ring.degree(), ring.modulus(i).bits()))
                .sum::<usize>()
    }

    /// Feeds the byte format to `sink` in order.
    pub fn write_le_bytes(&self, ctx: &CkksContext<W>, mut sink: impl FnMut(&[u8])) {
        let ring = ctx.ring();
        let limbs = self.c0.basis().q;
        let mut h = [0u8; HEADER_BYTES];
        h[..4].copy_from_slice(&MAGIC);
        h[4] = VERSION;
        h[5] = (W::BITS / 8) as u8;
        h[6] = ring.log_degree() as u8;
        h[8..12].copy_from_slice(&(limbs as u32).to_le_bytes());
        h[16..24].copy_from_slice(&self.scale.to_bits().to_le_bytes());
        h[24..].copy_from_slice(&self.seed);
        sink(&h);
        let mut buf = Vec::new();
        for i in 0..limbs {
            let m = ring.modulus(i);
            sink(&m.value().to_u64().to_le_bytes());
            buf.clear();
            buf.resize(packed_len(ring.degree(), m.bits()), 0);
            pack_residues(self.c0.limb(i), m.bits(), &mut buf);
            sink(&buf);
        }
    }

    /// The byte format as a vector.
    pub fn to_le_bytes(&self, ctx: &CkksContext<W>) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::byte_len(ctx, self.level()));
        self.write_le_bytes(ctx, |b| out.extend_from_slice(b));
        out
    }

    /// Parses the byte format, checking it against `ctx` (the order of the
    /// checks and their errors are in the module docs); nothing is
    /// allocated before the length is known to match.
    pub fn from_le_bytes(ctx: &CkksContext<W>, bytes: &[u8]) -> Result<Self, CkksError> {
        let ring = ctx.ring();
        let n = ring.degree();
        if bytes.len() < HEADER_BYTES {
            return Err(CkksError::WrongLength {
                expected: HEADER_BYTES,
                actual: bytes.len(),
            });
        }
        let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
        if magic != MAGIC || bytes[4] != VERSION {
            return Err(CkksError::UnknownFormat {
                magic,
                version: bytes[4],
            });
        }
        if bytes[5] as u32 != W::BITS / 8 || bytes[6] as u32 != ring.log_degree() {
            return Err(CkksError::ParameterMismatch);
        }
        if bytes[7] != 0 {
            return Err(CkksError::Malformed("unknown header flags"));
        }
        if bytes[12..16] != [0; 4] {
            return Err(CkksError::Malformed("reserved header bytes are not zero"));
        }
        let limbs = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        if limbs == 0 || limbs > ring.num_q() {
            return Err(CkksError::LevelOutOfRange {
                limbs,
                max_limbs: ring.num_q(),
            });
        }
        let mut sc = [0u8; 8];
        sc.copy_from_slice(&bytes[16..24]);
        let scale = check_scale(f64::from_bits(u64::from_le_bytes(sc)))?;
        let expected = Self::byte_len(ctx, limbs - 1);
        if bytes.len() != expected {
            return Err(CkksError::WrongLength {
                expected,
                actual: bytes.len(),
            });
        }
        let mut seed = [0u8; SEED_BYTES];
        seed.copy_from_slice(&bytes[24..HEADER_BYTES]);
        let mut c0 = alloc::vec![W::ZERO; limbs * n];
        let mut at = HEADER_BYTES;
        for (i, limb) in c0.chunks_exact_mut(n).enumerate() {
            let m = ring.modulus(i);
            let mut qb = [0u8; 8];
            qb.copy_from_slice(&bytes[at..at + 8]);
            if u64::from_le_bytes(qb) != m.value().to_u64() {
                return Err(CkksError::ParameterMismatch);
            }
            at += 8;
            let len = packed_len(n, m.bits());
            unpack_residues(&bytes[at..at + len], m.bits(), m.value(), limb)?;
            at += len;
        }
        let c0 = RnsPoly::from_limbs(ring, ctx.level_basis(limbs - 1), Domain::Ntt, c0)?;
        Ok(Self { c0, seed, scale })
    }
}

impl<W: Word> Ciphertext<W> {
    /// Parses either byte format a client may send: the compact seeded one
    /// ([`SeededCiphertext::to_le_bytes`], expanded on arrival) or the full
    /// one ([`Ciphertext::to_le_bytes`]), told apart by their magic; each
    /// parser's checks apply.
    pub fn from_any_le_bytes(ctx: &CkksContext<W>, bytes: &[u8]) -> Result<Self, CkksError> {
        if bytes.get(..4) == Some(&MAGIC[..]) {
            SeededCiphertext::from_le_bytes(ctx, bytes)?.expand(ctx)
        } else {
            Ciphertext::from_le_bytes(ctx, bytes)
        }
    }
}
