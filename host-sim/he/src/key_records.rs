//! Evaluation keys as records of the PMEM object store, one record per
//! Galois key and level it is used at (and one for a relinearization key),
//! so that a key switch at level `l` reads from PMEM only the key's digits
//! and limbs of `q_0..q_l ∪ P` (hybrid key switching, Han and Ki, CT-RSA
//! 2020: such a truncated key gives the same switch as the whole one). The
//! bootstrapping keys ([`crate::boot`]) and the latency packing's rotation
//! keys ([`crate::compiler::streamed`]) are stored this way.
//!
//! ## Record format (one contract, here)
//! Name `<set>/galois/<element>@<level>` or `<set>/relin@<level>`. Body:
//! magic `HBK1`, then little-endian `u32` `log2 N`, `u32` level `l`, `u32`
//! special primes, `u32` digits, `u64` Galois element (0 for the
//! relinearization key), `u64` fingerprint of the primes (FNV-1a of every
//! chain and special prime, LE), then the key's words (`u64` LE): digit by
//! digit, `b` then `a`, each over `q_0..q_l ∪ P` limb by limb. A record's
//! length is fixed by its header, so it is checked before any key is
//! allocated ([`check_record`]).

use hearth_kernels::ckks::{CkksContext, KeySwitchKey};
use hearth_kernels::poly::{Domain, RnsPoly};
use hearth_pmem::{ObjectStore, RecordKind};

use crate::error::{Error, Result};

const MAGIC: &[u8; 4] = b"HBK1";
/// Bytes of a record's header.
pub const HEADER_BYTES: usize = 36;

/// The store name of the Galois key of `element` truncated to `level`.
pub fn galois_record(set: &str, element: usize, level: usize) -> String {
    format!("{set}/galois/{element}@{level}")
}

/// The store name of the relinearization key truncated to `level`.
pub fn relin_record(set: &str, level: usize) -> String {
    format!("{set}/relin@{level}")
}

/// FNV-1a of `log2 N` and every prime of `ctx`: ties a record to its
/// parameters.
pub fn fingerprint(ctx: &CkksContext<u64>) -> u64 {
    let ring = ctx.ring();
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    };
    eat(u64::from(ring.log_degree()));
    for m in ring.q_moduli().iter().chain(ring.p_moduli()) {
        eat(m.value());
    }
    h
}

/// The header of one key record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// `log2 N`.
    pub log_n: u32,
    /// The key's level.
    pub level: u32,
    /// Special primes.
    pub special: u32,
    /// Digits.
    pub digits: u32,
    /// The Galois element (0: relinearization).
    pub element: u64,
    /// [`fingerprint`] of the parameters.
    pub fingerprint: u64,
}

impl RecordHeader {
    /// The header a record of `element` at `level` must have under `ctx`.
    pub fn expected(ctx: &CkksContext<u64>, element: usize, level: usize) -> Self {
        RecordHeader {
            log_n: ctx.ring().log_degree(),
            level: level as u32,
            special: ctx.ring().num_p() as u32,
            digits: (level + 1).div_ceil(ctx.params().alpha()) as u32,
            element: element as u64,
            fingerprint: fingerprint(ctx),
        }
    }

    /// Bytes of the whole record (header and words).
    pub fn record_bytes(&self) -> u64 {
        let limbs = u64::from(self.level) + 1 + u64::from(self.special);
        HEADER_BYTES as u64 + u64::from(self.digits) * 2 * limbs * (1u64 << self.log_n) * 8
    }

    fn to_bytes(self) -> [u8; HEADER_BYTES] {
        let mut h = [0u8; HEADER_BYTES];
        h[..4].copy_from_slice(MAGIC);
        h[4..8].copy_from_slice(&self.log_n.to_le_bytes());
        h[8..12].copy_from_slice(&self.level.to_le_bytes());
        h[12..16].copy_from_slice(&self.special.to_le_bytes());
        h[16..20].copy_from_slice(&self.digits.to_le_bytes());
        h[20..28].copy_from_slice(&self.element.to_le_bytes());
        h[28..36].copy_from_slice(&self.fingerprint.to_le_bytes());
        h
    }

    fn parse(b: &[u8]) -> Option<Self> {
        if b.len() < HEADER_BYTES || &b[..4] != MAGIC {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(w)
        };
        Some(RecordHeader {
            log_n: u32_at(4),
            level: u32_at(8),
            special: u32_at(12),
            digits: u32_at(16),
            element: u64_at(20),
            fingerprint: u64_at(28),
        })
    }
}

/// The record of `key` (the key of `element`, 0 for relinearization) cut
/// to `level`.
pub fn encode_record(
    ctx: &CkksContext<u64>,
    key: &KeySwitchKey<u64>,
    element: usize,
    level: usize,
) -> Result<Vec<u8>> {
    if level > key.level() {
        return Err(Error::ParamRange {
            field: "level of a stored key",
            value: level as u64,
            min: 0,
            max: key.level() as u64,
        });
    }
    let h = RecordHeader::expected(ctx, element, level);
    let mut out = Vec::with_capacity(h.record_bytes() as usize);
    out.extend_from_slice(&h.to_bytes());
    for (b, a) in key.digits().iter().take(h.digits as usize) {
        for p in [b, a] {
            let pq = p.basis().q;
            let limbs = (0..=level).chain((0..h.special as usize).map(|i| pq + i));
            for i in limbs {
                for w in p.limb(i) {
                    out.extend_from_slice(&w.to_le_bytes());
                }
            }
        }
    }
    Ok(out)
}

/// Checks that the record `name` in `store` is the key of `element` at
/// `level` for `ctx` by its length (from the index) and header, before
/// anything the size of a key is allocated; returns its length.
pub fn check_record(
    store: &mut ObjectStore,
    ctx: &CkksContext<u64>,
    name: &str,
    element: usize,
    level: usize,
) -> Result<u64> {
    let want = RecordHeader::expected(ctx, element, level);
    if !store.contains(name) {
        return Err(Error::KeyRecord {
            record: name.to_string(),
            message: "missing from the key store".into(),
        });
    }
    let len = store.get_len(name)?;
    if len != want.record_bytes() {
        return Err(Error::KeyRecord {
            record: name.to_string(),
            message: format!(
                "{len} bytes, but a key of these parameters at level {level} has {}",
                want.record_bytes()
            ),
        });
    }
    Ok(len)
}

/// Decodes a record read from the store: header against `element`,
/// `level` and `ctx`, length, then every residue (reduced, NTT domain).
pub fn decode_record(
    ctx: &CkksContext<u64>,
    name: &str,
    bytes: &[u8],
    element: usize,
    level: usize,
) -> Result<KeySwitchKey<u64>> {
    let bad = |message: String| Error::KeyRecord {
        record: name.to_string(),
        message,
    };
    let want = RecordHeader::expected(ctx, element, level);
    let got = RecordHeader::parse(bytes).ok_or_else(|| bad("not a key record".into()))?;
    if got.fingerprint != want.fingerprint || got.log_n != want.log_n {
        return Err(bad("a key of other parameters (foreign key)".into()));
    }
    if got.element != want.element {
        return Err(bad(format!(
            "holds the key of Galois element {}, not {element}",
            got.element
        )));
    }
    if got != want || bytes.len() as u64 != want.record_bytes() {
        return Err(bad(format!(
            "header {got:?} or length {} does not match {want:?}",
            bytes.len()
        )));
    }
    let ring = ctx.ring();
    let ext = ctx.extended_basis(level);
    let words = ext.len() * ctx.degree();
    let mut chunks = bytes[HEADER_BYTES..].chunks_exact(words * 8);
    let mut poly = || -> Result<RnsPoly<u64>> {
        let raw = chunks
            .next()
            .ok_or_else(|| bad("record too short".into()))?;
        let data = raw
            .chunks_exact(8)
            .map(|w| {
                let mut b = [0u8; 8];
                b.copy_from_slice(w);
                u64::from_le_bytes(b)
            })
            .collect();
        RnsPoly::from_limbs(ring, ext, Domain::Ntt, data).map_err(|e| bad(e.to_string()))
    };
    let mut digits = Vec::with_capacity(want.digits as usize);
    for _ in 0..want.digits {
        let b = poly()?;
        let a = poly()?;
        digits.push((b, a));
    }
    KeySwitchKey::from_digits(ctx, digits).map_err(|e| bad(e.to_string()))
}

/// What [`put_galois_key`] and the key-set generators wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySetInfo {
    /// Records written.
    pub records: usize,
    /// Bytes of the records (headers included).
    pub bytes: u64,
    /// Galois keys generated (distinct elements).
    pub galois_keys: usize,
}

/// Writes `body` as the record `name` and releases the store's pages of it
/// from the process (written and durable, they need not stay resident).
pub fn put_record(
    store: &mut ObjectStore,
    info: &mut KeySetInfo,
    name: &str,
    body: &[u8],
) -> Result<()> {
    info.records += 1;
    info.bytes += body.len() as u64;
    store.put(name, RecordKind::Blob, body)?;
    store.release_resident()?;
    Ok(())
}

/// Writes the Galois key `key` of `element` into the key set `set`, once
/// per level of `levels`, truncated to it.
pub fn put_galois_key(
    store: &mut ObjectStore,
    info: &mut KeySetInfo,
    set: &str,
    ctx: &CkksContext<u64>,
    key: &KeySwitchKey<u64>,
    element: usize,
    levels: impl IntoIterator<Item = usize>,
) -> Result<()> {
    for level in levels {
        let body = encode_record(ctx, key, element, level)?;
        put_record(store, info, &galois_record(set, element, level), &body)?;
    }
    info.galois_keys += 1;
    Ok(())
}
