//! Barrett reduction.
//!
//! Let `q` have `L` bits and `q < 2^(W-2)`.
//!
//! **Double-word products** ([`lazy_reduce_product`]): for `x < 2^(2L)` (any
//! product of two values below `q`), with `μ = floor(2^(2L)/q)`,
//! `t = floor(floor(x / 2^(L-1)) · μ / 2^(L+1))` satisfies
//! `floor(x/q) - 2 ≤ t ≤ floor(x/q)` (HAC, Fact 14.42), so `x - t·q` lies in
//! `[0, 3q)`. `floor(x / 2^(L-1)) < 2^(L+1)` and `μ < 2^(L+1)`, so their product
//! fits a double word, and `3q < 2^W`, so the subtraction can be done in one
//! word with wrapping arithmetic.
//!
//! **One word** ([`lazy_reduce_word`]): for any `x < 2^W`, with
//! `μ' = floor(2^W / q)`, `t = floor(x·μ' / 2^W)` satisfies
//! `floor(x/q) - 1 ≤ t ≤ floor(x/q)`, so `x - t·q` lies in `[0, 2q)`.

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

/// Reduces any word `x` to `[0, 2q)`.
#[inline(always)]
pub fn lazy_reduce_word<W: Word>(m: &Modulus<W>, x: W) -> W {
    let t = x.mul_hi(m.barrett_word_constant());
    x.wrapping_sub(t.wrapping_mul(m.value()))
}
