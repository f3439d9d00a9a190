//! Residue number system (RNS) arithmetic over a basis of word-sized primes.
//!
//! An integer `x ∈ [0, Q)`, `Q = q_0·…·q_(k-1)` with pairwise coprime `q_i`,
//! is held as its residues `x_i = x mod q_i` (the Chinese remainder theorem).
//! A polynomial is held as one *limb* of `N` residues per prime, limbs stored
//! one after another.
//!
//! ## Fast base conversion
//! (Bajard, Eynard, Hasan, Zucca, "A full RNS variant of FV like somewhat
//! homomorphic encryption schemes", SAC 2016, §2.2.) With
//! `q̂_i = Q / q_i`, the map
//!
//! ```text
//! Conv_{Q→T}(x)_t = Σ_i [x_i · q̂_i^-1]_(q_i) · q̂_i   mod t
//! ```
//!
//! returns `x + u·Q` modulo every target prime `t`, for some integer
//! `0 ≤ u < k`: it skips the final reduction modulo `Q`. It costs `k` word
//! multiplications per output residue and needs no big integers. The
//! [`BaseConverter`] precomputes `q̂_i^-1 mod q_i` and `q̂_i mod t` with their
//! Shoup companions.
//!
//! ## Uses in CKKS
//! - ModUp (Han and Ki, "Better bootstrapping for approximate homomorphic
//!   encryption", CT-RSA 2020, §3): extend a digit `[x]_(Q_j)` to the whole
//!   basis `Q_l ∪ P` before the key-switching inner product. The `u·Q_j`
//!   slack is harmless: it multiplies the key's noise only.
//! - ModDown: `(x − Conv_{P→Q}([x]_P)) · P^-1 mod Q`, an approximate division
//!   by `P` whose error is below `k_P`.
//! - Rescale (Cheon, Han, Kim, Kim, Song, "A full RNS variant of approximate
//!   homomorphic encryption", SAC 2018, §3.2): the exact rounded division by
//!   the last prime, `⌊x / q_l⌉ mod q_i = (x_i − [x_l + ⌊q_l/2⌋]_(q_i) +
//!   [⌊q_l/2⌋]_(q_i)) · q_l^-1 mod q_i`, see [`rescale_limb`].

mod convert;
mod lazy;
mod narrow;
mod split52;

pub use convert::{rescale_correction, rescale_limb, BaseConverter, RescaleConstants};
pub use lazy::{WideAcc, WideReducer, LAZY_TERMS};
pub use narrow::{mul_acc_narrow, mul_acc_narrow_scalars};
pub use split52::{join_split52, mul_acc_split52, mul_acc_split52_scalars, SPLIT52_TERMS};

use crate::arith::{Modulus, Word};

/// `(Π moduli) mod target` (exact).
pub fn product_mod<W: Word>(moduli: &[Modulus<W>], target: &Modulus<W>) -> W {
    moduli.iter().fold(target.reduce(W::ONE), |acc, m| {
        target.mul(acc, target.reduce(m.value()))
    })
}

/// Reduces a signed integer modulo `m` (exact for every `i128`).
#[inline]
pub fn reduce_i128<W: Word>(m: &Modulus<W>, x: i128) -> W {
    reduce_i128_with(m, two_pow_64_mod(m), x)
}

/// `2^64 mod q`, the constant of [`reduce_i128_with`].
pub fn two_pow_64_mod<W: Word>(m: &Modulus<W>) -> W {
    let q = m.value().to_u64();
    W::from_u64_truncating(((1u128 << 64) % q as u128) as u64)
}

/// Reduces a signed integer modulo `m` given `r64 = 2^64 mod q`:
/// `|x| = hi·2^64 + lo ≡ (hi mod q)·r64 + (lo mod q)`, then the sign. Only
/// 64-bit divisions, no 128-bit one.
#[inline]
pub fn reduce_i128_with<W: Word>(m: &Modulus<W>, r64: W, x: i128) -> W {
    let q = m.value().to_u64();
    let a = x.unsigned_abs();
    let (hi, lo) = ((a >> 64) as u64, a as u64);
    let h = W::from_u64_truncating(hi % q);
    let l = W::from_u64_truncating(lo % q);
    let r = m.add(m.mul(h, r64), l);
    if x < 0 {
        m.neg(r)
    } else {
        r
    }
}

/// Reduces the signed integers `src` modulo `m` into `dst` (element by
/// element, up to the shorter length): the same residues as
/// [`reduce_i128_with`], without its two 64-bit divisions per element.
///
/// `|x| = hi·2^64 + lo`; each word is reduced by the one-word Barrett step
/// with `μ = ⌊2^64/q⌋` (`= ⌊(2^64 − 1)/q⌋`, `q` odd): `t = ⌊x·μ / 2^64⌋`
/// and `x − t·q ∈ [0, 2q)` (proof in [`crate::arith::barrett`], for any
/// `x < 2^64` and `2q ≤ 2^64`), then one conditional subtraction. A
/// non-zero `hi` (coefficients of `2^64` or more) then costs one modular
/// multiplication by `2^64 mod q`. Computed in `u64` whatever the word, so
/// `u32` residues come out the same. The sign is applied by masks (encoded
/// coefficients have random signs, a branch would mispredict half the
/// time); `hi == 0` is a branch (not constant time: for encoded, public,
/// plaintext coefficients).
pub fn reduce_i128_slice<W: Word>(m: &Modulus<W>, src: &[i128], dst: &mut [W]) {
    let q = m.value().to_u64();
    let mu = u64::MAX / q;
    let r64 = two_pow_64_mod(m);
    let word = |x: u64| -> u64 {
        let t = ((x as u128 * mu as u128) >> 64) as u64;
        let r = x.wrapping_sub(t.wrapping_mul(q));
        core::cmp::min(r, r.wrapping_sub(q))
    };
    for (d, &c) in dst.iter_mut().zip(src) {
        let a = c.unsigned_abs();
        let (hi, lo) = ((a >> 64) as u64, a as u64);
        let l = word(lo);
        let r = if hi == 0 {
            l
        } else {
            let h = m.mul(W::from_u64_truncating(word(hi)), r64);
            m.add(h, W::from_u64_truncating(l)).to_u64()
        };
        // −r mod q: q − r, and 0 for r = 0 (min picks the wrapped-below one).
        let neg = core::cmp::min(q - r, (q - r).wrapping_sub(q));
        let mask = (c >> 127) as u64;
        *d = W::from_u64_truncating((r & !mask) | (neg & mask));
    }
}

/// Reduces a small signed integer `|x| < q` modulo `m` without branching on
/// its sign (for secret coefficients).
#[inline(always)]
pub fn reduce_small<W: Word>(m: &Modulus<W>, x: i64) -> W {
    let q = m.value().to_u64();
    let mask = (x >> 63) as u64; // all ones when negative
    W::from_u64_truncating((x as u64).wrapping_add(q & mask))
}
