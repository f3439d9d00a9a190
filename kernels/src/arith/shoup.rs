//! Multiplication by a precomputed operand (Shoup).
//!
//! For a fixed `w < q`, precompute `w' = floor(w · 2^W / q)`. For any word
//! `a < 2^W`, `t = floor(a · w' / 2^W)` satisfies
//! `floor(a·w/q) - 1 ≤ t ≤ floor(a·w/q)`, so `a·w - t·q` lies in `[0, 2q)`
//! (Harvey 2014, Lemma 1). Since `2q < 2^W`, it is computed exactly with
//! wrapping word arithmetic: one high multiply and two low multiplies, no
//! division. This is the multiplier of the NTT butterflies.

use super::{Modulus, Word};

/// A constant `w < q` together with its Shoup companion `w'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShoupOperand<W: Word> {
    /// The operand `w`, in `[0, q)`.
    pub value: W,
    /// `floor(w · 2^W / q)`.
    pub quotient: W,
}

impl<W: Word> ShoupOperand<W> {
    /// Precomputes the companion of `w` (reduced modulo `q` first).
    pub fn new(m: &Modulus<W>, w: W) -> Self {
        let value = m.reduce(w);
        Self {
            value,
            quotient: W::shoup_quotient(value, m.value()),
        }
    }

    /// `a · w mod q` in `[0, 2q)`, for any word `a`.
    #[inline(always)]
    pub fn lazy_mul(&self, a: W, q: W) -> W {
        lazy_mul_shoup(a, self.value, self.quotient, q)
    }

    /// `a · w mod q` in `[0, q)`, for any word `a`.
    #[inline(always)]
    pub fn mul(&self, m: &Modulus<W>, a: W) -> W {
        m.reduce_once(self.lazy_mul(a, m.value()))
    }
}

/// `a · w mod q` in `[0, 2q)` given `w' = floor(w·2^W/q)`; any word `a`.
#[inline(always)]
pub fn lazy_mul_shoup<W: Word>(a: W, w: W, w_shoup: W, q: W) -> W {
    let t = a.mul_hi(w_shoup);
    a.wrapping_mul(w).wrapping_sub(t.wrapping_mul(q))
}
