//! An independent reference for CKKS rescaling (test only): the rounded
//! division by the last prime computed with u128 arithmetic on the
//! ciphertext's stable byte format, checked byte for byte against the
//! kernels' `Evaluator::rescale`.
//!
//! `x_i ← (x_i − t_i)·q_l^{-1} mod q_i`, `t = [x_l + ⌊q_l/2⌋]_{q_l} − ⌊q_l/2⌋`
//! taken coefficient-wise as a centred remainder (Cheon, Han, Kim, Kim, Song,
//! "A Full RNS Variant of Approximate Homomorphic Encryption", SAC 2018,
//! §3.3). The offset `⌊q_l/2⌋` is added to every coefficient in the
//! coefficient domain, so it must be removed there too, before `t` is
//! transformed to the NTT domain.

use super::layers::Ct;
use crate::error::{Error, Result};
use hearth_kernels::ckks::{Ciphertext, CkksContext};
use hearth_kernels::ntt::NttEngine;

fn mulmod(a: u64, b: u64, q: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(q)) as u64
}

fn inverse(a: u64, q: u64) -> u64 {
    let (mut r, mut b, mut e) = (1u64, a % q, q - 2);
    while e > 0 {
        if e & 1 == 1 {
            r = mulmod(r, b, q);
        }
        b = mulmod(b, b, q);
        e >>= 1;
    }
    r
}

/// Divides `ct` by its last prime with rounding: level `l → l − 1`, scale `Δ → Δ/q_l`.
pub(crate) fn rescale<E: NttEngine<u64>>(
    ctx: &CkksContext<u64>,
    engine: &mut E,
    ct: &Ct,
) -> Result<Ct> {
    let level = ct.level();
    if level == 0 {
        return Err(Error::Parameters(
            "CKKS: no level left to rescale (the network is deeper than the parameters)".into(),
        ));
    }
    let ring = ctx.ring();
    let n = ring.degree();
    let bytes = ct.to_le_bytes(ctx);
    let limb_bytes = 8 + 16 * n;
    let word =
        |b: &[u8], k: usize| u64::from_le_bytes(b[8 * k..8 * k + 8].try_into().unwrap_or([0; 8]));
    let limb = |i: usize, p: usize| -> Vec<u64> {
        let c = &bytes[24 + i * limb_bytes + 8..24 + (i + 1) * limb_bytes];
        (0..n).map(|j| word(c, p * n + j)).collect()
    };
    let ql = ring.modulus(level).value();
    let half = ql >> 1;
    let mut out = bytes[..24].to_vec();
    out[8..12].copy_from_slice(&(level as u32).to_le_bytes());
    out[16..24].copy_from_slice(&(ct.scale() / ql as f64).to_bits().to_le_bytes());
    let mut polys: Vec<Vec<Vec<u64>>> = Vec::with_capacity(2);
    for p in 0..2 {
        let mut last = limb(level, p);
        engine.inverse(&[ring.plan(level)], &mut last)?;
        last.iter_mut().for_each(|x| *x = (*x + half) % ql);
        let mut limbs = Vec::with_capacity(level);
        for i in 0..level {
            let qi = ring.modulus(i).value();
            let half_i = half % qi;
            let mut t: Vec<u64> = last.iter().map(|&x| (x % qi + qi - half_i) % qi).collect();
            engine.forward(&[ring.plan(i)], &mut t)?;
            let inv = inverse(ql % qi, qi);
            let x = limb(i, p);
            limbs.push(
                x.iter()
                    .zip(&t)
                    .map(|(&a, &b)| mulmod((a + qi - b) % qi, inv, qi))
                    .collect(),
            );
        }
        polys.push(limbs);
    }
    for i in 0..level {
        out.extend(ring.modulus(i).value().to_le_bytes());
        for p in &polys {
            out.extend(p[i].iter().flat_map(|w| w.to_le_bytes()));
        }
    }
    Ciphertext::from_le_bytes(ctx, &out).map_err(Error::Ckks)
}
