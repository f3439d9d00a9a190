//! Lazy accumulation of products in a double word.
//!
//! Sums `Σ a_k·b_k mod q` are accumulated unreduced in a two-word
//! accumulator `(hi, lo)` and reduced once: `hi·2^W + lo ≡ hi·R + lo`
//! with `R = 2^W mod q` (a Shoup product, valid for any word `hi`) plus
//! `lo mod q`. Each product is below `q² < 2^(2W − 4)`, so up to
//! [`LAZY_TERMS`] of them fit before the accumulator could wrap.

use crate::arith::{Modulus, ShoupOperand, Word};

/// How many products a [`WideAcc`] may take before it must be reduced.
pub const LAZY_TERMS: usize = 16;

/// An unreduced sum of products, as a double word `hi·2^W + lo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WideAcc<W: Word> {
    lo: W,
    hi: W,
}

impl<W: Word> WideAcc<W> {
    /// Adds `a·b`.
    #[inline(always)]
    pub fn mul_add(&mut self, a: W, b: W) {
        let p = a.widening_mul(b);
        let (pl, ph) = (W::wide_lo(p), W::wide_shr(p, W::BITS));
        let lo = self.lo.wrapping_add(pl);
        let carry = W::from_u64_truncating((lo < pl) as u64);
        self.lo = lo;
        self.hi = self.hi.wrapping_add(ph).wrapping_add(carry);
    }

    /// Adds `a·b` to the low word alone: for factors below `2^32` (residues
    /// of a prime below `2^31`) whose sum the caller knows stays below
    /// `2^64` with `W = u64` (the bound of a single-word accumulator of
    /// such products): one 32×32-bit product and a 64-bit add, which
    /// compilers vectorize, where [`Self::mul_add`] is a double-word
    /// product with a carry.
    #[inline(always)]
    pub fn add_narrow_product(&mut self, a: W, b: W) {
        const LOW: u64 = 0xFFFF_FFFF;
        let p = (a.to_u64() & LOW) * (b.to_u64() & LOW);
        self.lo = W::from_u64_truncating(self.lo.to_u64().wrapping_add(p));
    }

    /// An accumulator holding the single product `a·b`.
    #[inline(always)]
    pub fn product(a: W, b: W) -> Self {
        let p = a.widening_mul(b);
        Self {
            lo: W::wide_lo(p),
            hi: W::wide_shr(p, W::BITS),
        }
    }

    /// An accumulator holding the 64-bit value `v` (any word size).
    #[inline(always)]
    pub fn from_u64(v: u64) -> Self {
        let hi = if W::BITS >= 64 { 0 } else { v >> W::BITS };
        Self {
            lo: W::from_u64_truncating(v),
            hi: W::from_u64_truncating(hi),
        }
    }

    /// The accumulator `hi·2^W + lo`.
    #[inline(always)]
    pub fn from_words(lo: W, hi: W) -> Self {
        Self { lo, hi }
    }

    /// An accumulator holding the single word `x`.
    #[inline(always)]
    pub fn from_word(x: W) -> Self {
        Self { lo: x, hi: W::ZERO }
    }
}

/// Reduces [`WideAcc`]s modulo one prime.
#[derive(Debug, Clone, Copy)]
pub struct WideReducer<W: Word> {
    m: Modulus<W>,
    r: ShoupOperand<W>,
}

impl<W: Word> WideReducer<W> {
    /// The reducer for `m` (precomputes `2^W mod q`).
    pub fn new(m: &Modulus<W>) -> Self {
        let all_ones = W::from_u64_truncating(u64::MAX);
        let r = m.add(m.reduce(all_ones), m.reduce(W::ONE));
        Self {
            m: *m,
            r: ShoupOperand::new(m, r),
        }
    }

    /// `acc mod q`, in `[0, q)`.
    #[inline(always)]
    pub fn reduce(&self, acc: WideAcc<W>) -> W {
        let h = self.r.mul(&self.m, acc.hi);
        self.m.add(h, self.m.reduce(acc.lo))
    }
}
