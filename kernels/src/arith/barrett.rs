//! Barrett reduction.
//!
//! Let `q` be odd with `L` bits (`2^(L-1) < q < 2^L`), `q < 2^(W-2)` for the
//! word width `W`, and write `Q = floor(x/q)` for the exact quotient.
//!
//! **Double-word products** ([`lazy_reduce_product`]), HAC Algorithm 14.42
//! with base 2: for `x < 2^(2L)` (any product of two values below `q`), with
//! `μ = floor(2^(2L)/q)`, `q1 = floor(x / 2^(L-1))` and
//! `t = floor(q1·μ / 2^(L+1))`, the result `x − t·q` lies in `[0, 3q)`.
//!
//! *Proof.* Upper: `q1 ≤ x/2^(L-1)` and `μ ≤ 2^(2L)/q`, so
//! `q1·μ/2^(L+1) ≤ x/q` and `t ≤ Q`. Lower: `q1 > x/2^(L-1) − 1` and
//! `μ > 2^(2L)/q − 1`, so `q1·μ/2^(L+1) > x/q − x/2^(2L) − 2^(L-1)/q ≥
//! x/q − 2` (as `x < 2^(2L)` and `q > 2^(L-1)`); hence `t > x/q − 3 ≥ Q − 3`,
//! i.e. `t ≥ Q − 2`. So `x − t·q = (x − Q·q) + (Q − t)·q < q + 2q`.
//! *Overflow:* `q1 < 2^(L+1)` and `μ < 2^(L+1)`, so `q1·μ < 2^(2L+2) ≤ 2^(2W)`
//! fits a double word; `μ` fits a word (`L + 1 < W`); and `3q < 2^W`, so
//! `x − t·q` is computed exactly from the low words with wrapping arithmetic.
//!
//! **Narrow moduli** ([`reduce_product_narrow`]): for `L ≤ 31` the same
//! computation fits one `u64` (`x < 2^(2L) ≤ 2^62`, `q1·μ < 2^(2L+2) ≤
//! 2^64`), so products of 31-bit residues are reduced with single-word
//! multiplies whatever the word type, to the same `[0, q)` value.
//!
//! **One word** ([`lazy_reduce_word`]): for any `x < 2^W`, with
//! `μ' = floor(2^W / q)` and `t = floor(x·μ' / 2^W)`, `x − t·q ∈ [0, 2q)`.
//!
//! *Proof.* `t ≤ x/q` gives `t ≤ Q`; `μ' > 2^W/q − 1` gives
//! `x·μ'/2^W > x/q − x/2^W > x/q − 1`, so `t > x/q − 2 ≥ Q − 2`, i.e.
//! `t ≥ Q − 1`. `2q < 2^W` makes the wrapping subtraction exact.

use super::{Modulus, Word};

/// Reduces a double-word `x < 2^(2L)` (for example the product of two values
/// below `q`) to `[0, 3q)`.
#[inline(always)]
pub fn lazy_reduce_product<W: Word>(m: &Modulus<W>, x: W::Wide) -> W {
    let l = m.bits();
    let x1 = W::wide_shr(x, l - 1);
    let t = W::wide_shr(x1.widening_mul(m.barrett_wide_constant()), l + 1);
    W::wide_lo(x).wrapping_sub(t.wrapping_mul(m.value()))
}

/// Reduces a double-word `x < 2^(2L)` to `[0, q)`.
#[inline(always)]
pub fn reduce_product<W: Word>(m: &Modulus<W>, x: W::Wide) -> W {
    let r = lazy_reduce_product(m, x);
    let two_q = m.value().wrapping_add(m.value());
    let r = core::cmp::min(r, r.wrapping_sub(two_q));
    m.reduce_once(r)
}

/// Reduces `x < 2^(2L)` to `[0, q)` in `u64` arithmetic, for a modulus of
/// `L ≤ 31` bits (callers check [`Modulus::bits`]); equal to
/// [`reduce_product`] of the same `x`.
#[inline(always)]
pub fn reduce_product_narrow<W: Word>(m: &Modulus<W>, x: u64) -> u64 {
    let l = m.bits();
    debug_assert!(l <= 31);
    let q = m.value().to_u64();
    let t = ((x >> (l - 1)) * m.barrett_wide_constant().to_u64()) >> (l + 1);
    let r = x.wrapping_sub(t.wrapping_mul(q));
    let r = core::cmp::min(r, r.wrapping_sub(2 * q));
    core::cmp::min(r, r.wrapping_sub(q))
}

/// Reduces any word `x` to `[0, 2q)`.
#[inline(always)]
pub fn lazy_reduce_word<W: Word>(m: &Modulus<W>, x: W) -> W {
    let t = x.mul_hi(m.barrett_word_constant());
    x.wrapping_sub(t.wrapping_mul(m.value()))
}
