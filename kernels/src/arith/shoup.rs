//! Multiplication by a precomputed operand (Shoup).
//!
//! For a fixed `w < q` and a radix `β` (the word: `β = 2^W`), precompute
//! `w' = floor(w·β/q)`. For any `a < β`, `t = floor(a·w'/β)` satisfies
//! `Q − 1 ≤ t ≤ Q` with `Q = floor(a·w/q)`, so `a·w − t·q ∈ [0, 2q)`
//! (V. Shoup, NTL; D. Harvey, "Faster arithmetic for number-theoretic
//! transforms", J. Symb. Comput. 60, 2014, Lemma 1 / Algorithm 2).
//!
//! *Proof.* `w' ≤ w·β/q` gives `a·w'/β ≤ a·w/q`, so `t ≤ Q`.
//! `w' > w·β/q − 1` gives `a·w'/β > a·w/q − a/β > a·w/q − 1`, so
//! `t > a·w/q − 2 ≥ Q − 2`, i.e. `t ≥ Q − 1`. Since `2q < β`, the result is
//! the difference of the low words of `a·w` and `t·q` modulo `β`: one high
//! multiply and two low multiplies, no division. This is the multiplier of
//! the NTT butterflies. The x86 IFMA path uses the same lemma with
//! `β = 2^52`, where `floor(w·2^52/q) = floor(w'/2^12)`.

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
