//! The machine word the kernels compute in.

use core::fmt::{Debug, Display};
use core::hash::Hash;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
}

/// A machine word: `u32` or `u64`.
///
/// The kernels need only a handful of operations beyond plain integers: the
/// full double-word product, its high half, and a shift of a double word back
/// down to one word. All are exact and constant time on every target.
pub trait Word:
    sealed::Sealed + Copy + Eq + Ord + Hash + Default + Debug + Display + Send + Sync + 'static
{
    /// A double word, holding any product of two words.
    type Wide: Copy;
    /// Bits in the word.
    const BITS: u32;
    /// Largest modulus bit length the kernels accept: `BITS - 2`, so that
    /// `4q` fits in a word.
    const MAX_MODULUS_BITS: u32 = Self::BITS - 2;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;

    /// Converts from `u64`, keeping the low `BITS` bits.
    fn from_u64_truncating(x: u64) -> Self;
    /// Widens to `u64` (exact).
    fn to_u64(self) -> u64;
    /// Wrapping addition.
    fn wrapping_add(self, rhs: Self) -> Self;
    /// Wrapping subtraction.
    fn wrapping_sub(self, rhs: Self) -> Self;
    /// Wrapping multiplication (low word of the product).
    fn wrapping_mul(self, rhs: Self) -> Self;
    /// The full double-word product.
    fn widening_mul(self, rhs: Self) -> Self::Wide;
    /// The high word of the product.
    fn mul_hi(self, rhs: Self) -> Self;
    /// The low word of a double word.
    fn wide_lo(x: Self::Wide) -> Self;
    /// `x >> shift`, truncated to one word (`shift < 2·BITS`).
    fn wide_shr(x: Self::Wide, shift: u32) -> Self;
    /// `(x << BITS) / q` for `x < q`: the Shoup companion of `x`.
    fn shoup_quotient(x: Self, q: Self) -> Self;
}

macro_rules! impl_word {
    ($t:ty, $wide:ty) => {
        impl Word for $t {
            type Wide = $wide;
            const BITS: u32 = <$t>::BITS;
            const ZERO: Self = 0;
            const ONE: Self = 1;

            #[inline(always)]
            fn from_u64_truncating(x: u64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_u64(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn wrapping_add(self, rhs: Self) -> Self {
                <$t>::wrapping_add(self, rhs)
            }
            #[inline(always)]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$t>::wrapping_sub(self, rhs)
            }
            #[inline(always)]
            fn wrapping_mul(self, rhs: Self) -> Self {
                <$t>::wrapping_mul(self, rhs)
            }
            #[inline(always)]
            fn widening_mul(self, rhs: Self) -> $wide {
                (self as $wide) * (rhs as $wide)
            }
            #[inline(always)]
            fn mul_hi(self, rhs: Self) -> Self {
                (((self as $wide) * (rhs as $wide)) >> <$t>::BITS) as $t
            }
            #[inline(always)]
            fn wide_lo(x: $wide) -> Self {
                x as $t
            }
            #[inline(always)]
            fn wide_shr(x: $wide, shift: u32) -> Self {
                (x >> shift) as $t
            }
            #[inline]
            fn shoup_quotient(x: Self, q: Self) -> Self {
                (((x as $wide) << <$t>::BITS) / (q as $wide)) as $t
            }
        }
    };
}

impl_word!(u32, u64);
impl_word!(u64, u128);
