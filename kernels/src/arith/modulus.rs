//! A validated modulus and fully reduced arithmetic modulo it.
//!
//! **Conditional subtraction without branches.** For `x < 2q` (and
//! `2q ≤ 2^W`), `min(x, x − q)` with wrapping subtraction is `x mod q`: if
//! `x ≥ q`, `x − q < x` is the smaller and lies in `[0, q)`; if `x < q`, the
//! subtraction wraps to `x − q + 2^W ≥ 2^W − q > x`, so `x` is kept.
//! [`Modulus::reduce_from_4q`] applies this with `2q`, then with `q`.
//! Sums: `a + b < 2q` and `a + q − b < 2q` for `a, b < q`, and `2q < 2^W`,
//! so [`Modulus::add`] and [`Modulus::sub`] never overflow.

use super::word::Word;
use crate::error::Error;

/// An odd modulus `3 ≤ q < 2^(W::BITS - 2)` with its Barrett constants.
///
/// Construction validates the value once ([`Modulus::new`]); every operation
/// afterwards is infallible and returns values in `[0, q)` given inputs in
/// `[0, q)`. Operations are branch-free in the operands (constant time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Modulus<W: Word> {
    q: W,
    /// Bit length `L` of `q`.
    bits: u32,
    /// `floor(2^(2L) / q)`, fits in `L + 1` bits.
    mu_wide: W,
    /// `floor(2^BITS / q)`.
    mu_word: W,
}

impl<W: Word> Modulus<W> {
    /// Validates `q`: odd, at least 3, at most `W::MAX_MODULUS_BITS` bits.
    pub fn new(q: W) -> Result<Self, Error> {
        let v = q.to_u64();
        if v < 3 {
            return Err(Error::ModulusTooSmall { modulus: v });
        }
        if v & 1 == 0 {
            return Err(Error::EvenModulus { modulus: v });
        }
        let bits = 64 - v.leading_zeros();
        if bits > W::MAX_MODULUS_BITS {
            return Err(Error::ModulusTooLarge {
                modulus: v,
                max_bits: W::MAX_MODULUS_BITS,
            });
        }
        let mu_wide = ((1u128 << (2 * bits)) / v as u128) as u64;
        let mu_word = ((1u128 << W::BITS) / v as u128) as u64;
        Ok(Self {
            q,
            bits,
            mu_wide: W::from_u64_truncating(mu_wide),
            mu_word: W::from_u64_truncating(mu_word),
        })
    }

    /// Validates a `u64` value for this word size (see [`Modulus::new`]).
    pub fn from_u64(q: u64) -> Result<Self, Error> {
        if q >> W::MAX_MODULUS_BITS.min(63) != 0 {
            return Err(Error::ModulusTooLarge {
                modulus: q,
                max_bits: W::MAX_MODULUS_BITS,
            });
        }
        Self::new(W::from_u64_truncating(q))
    }

    /// The modulus `q`.
    #[inline(always)]
    pub fn value(&self) -> W {
        self.q
    }

    /// Bit length of `q`.
    #[inline(always)]
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// `floor(2^(2L) / q)` where `L` is the bit length of `q`.
    #[inline(always)]
    pub fn barrett_wide_constant(&self) -> W {
        self.mu_wide
    }

    /// `floor(2^BITS / q)`.
    #[inline(always)]
    pub fn barrett_word_constant(&self) -> W {
        self.mu_word
    }

    /// Reduces `x` in `[0, 2q)` to `[0, q)`.
    #[inline(always)]
    pub fn reduce_once(&self, x: W) -> W {
        // If x >= q then x - q < x; otherwise x - q wraps above x.
        core::cmp::min(x, x.wrapping_sub(self.q))
    }

    /// Reduces `x` in `[0, 4q)` to `[0, q)`.
    #[inline(always)]
    pub fn reduce_from_4q(&self, x: W) -> W {
        let two_q = self.q.wrapping_add(self.q);
        let x = core::cmp::min(x, x.wrapping_sub(two_q));
        self.reduce_once(x)
    }

    /// `a + b mod q`.
    #[inline(always)]
    pub fn add(&self, a: W, b: W) -> W {
        self.reduce_once(a.wrapping_add(b))
    }

    /// `a - b mod q`.
    #[inline(always)]
    pub fn sub(&self, a: W, b: W) -> W {
        self.reduce_once(a.wrapping_add(self.q).wrapping_sub(b))
    }

    /// `-a mod q`.
    #[inline(always)]
    pub fn neg(&self, a: W) -> W {
        self.sub(W::ZERO, a)
    }

    /// `a · b mod q` (Barrett reduction of the double-word product).
    #[inline(always)]
    pub fn mul(&self, a: W, b: W) -> W {
        super::barrett::reduce_product(self, a.widening_mul(b))
    }

    /// Reduces any word `x` modulo `q`.
    #[inline(always)]
    pub fn reduce(&self, x: W) -> W {
        self.reduce_once(super::barrett::lazy_reduce_word(self, x))
    }

    /// Reduces any `u64` modulo `q` (exact; not constant time).
    pub fn reduce_u64_vartime(&self, x: u64) -> W {
        W::from_u64_truncating(x % self.q.to_u64())
    }

    /// Reduces a signed value modulo `q` into `[0, q)` (not constant time).
    pub fn reduce_i64_vartime(&self, x: i64) -> W {
        let q = self.q.to_u64() as i128;
        W::from_u64_truncating((x as i128).rem_euclid(q) as u64)
    }

    /// `a^e mod q` by square-and-multiply (time depends on `e` only).
    pub fn pow(&self, a: W, mut e: u64) -> W {
        let mut base = a;
        let mut acc = self.reduce(W::ONE);
        while e != 0 {
            if e & 1 == 1 {
                acc = self.mul(acc, base);
            }
            base = self.mul(base, base);
            e >>= 1;
        }
        acc
    }

    /// The inverse of `a` modulo `q`, or `None` when `gcd(a, q) ≠ 1`
    /// (extended Euclid; not constant time).
    pub fn inv_vartime(&self, a: W) -> Option<W> {
        let q = self.q.to_u64() as i128;
        let (mut r0, mut r1) = (q, a.to_u64() as i128 % q);
        let (mut t0, mut t1) = (0i128, 1i128);
        while r1 != 0 {
            let k = r0 / r1;
            (r0, r1) = (r1, r0 - k * r1);
            (t0, t1) = (t1, t0 - k * t1);
        }
        if r0 != 1 {
            return None;
        }
        Some(W::from_u64_truncating(t0.rem_euclid(q) as u64))
    }
}
