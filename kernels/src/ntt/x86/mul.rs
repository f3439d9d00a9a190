//! Lazy Shoup multiplication on eight `u64` lanes, two ways.
//!
//! Both compute `y·w mod q` in `[0, 2q)` from the 64-bit companion
//! `w' = floor(w·2^64/q)` stored in the plan (Harvey 2014, Lemma 1: with
//! `t = floor(y·w''/β)` for `w'' = floor(w·β/q)` and `y < β`,
//! `y·w − t·q ∈ [0, 2q)`).
//!
//! - [`Ifma`] (AVX-512 IFMA, `q < 2^50`): `β = 2^52`. The 52-bit companion is
//!   `floor(w·2^52/q) = floor(w'/2^12)` (floor of a floor), a shift of the
//!   stored one. `vpmadd52huq` gives `t`, `vpmadd52luq` the low 52 bits of
//!   `y·w` and `t·q`; their difference modulo `2^52` is exact because the
//!   result is below `2q < 2^52`. Needs `y < 2^52`: butterfly inputs are below
//!   `4q < 2^52`.
//! - [`Wide`] (AVX-512F/DQ, `q < 2^62`): `β = 2^64`, the high half of the
//!   64×64 product assembled from four 32×32 products, then two low
//!   products (`vpmullq`) whose difference modulo `2^64` is exact as
//!   `2q < 2^64`.

use core::arch::x86_64::*;

/// A lazy Shoup multiplier on `__m512i` lanes.
pub(super) trait Mul512 {
    /// Turns stored 64-bit companions into the ones [`Mul512::lazy_mul`]
    /// expects.
    ///
    /// # Safety
    /// The CPU supports the features of the implementing strategy.
    unsafe fn companion(w_shoup: __m512i) -> __m512i;
    /// `y·w mod q` in `[0, 2q)` given `companion(w')`.
    ///
    /// # Safety
    /// As [`Mul512::companion`]; lanes of `y` below the strategy's bound.
    unsafe fn lazy_mul(y: __m512i, w: __m512i, w_c: __m512i, q: __m512i) -> __m512i;
}

/// 52-bit integer fused multiply-add (AVX-512 IFMA), `q < 2^50`.
pub(super) struct Ifma;

impl Mul512 for Ifma {
    #[inline(always)]
    unsafe fn companion(w_shoup: __m512i) -> __m512i {
        // SAFETY: AVX-512F is available (caller contract).
        unsafe { _mm512_srli_epi64::<12>(w_shoup) }
    }

    #[inline(always)]
    unsafe fn lazy_mul(y: __m512i, w: __m512i, w_c: __m512i, q: __m512i) -> __m512i {
        // SAFETY: AVX-512F and IFMA are available (caller contract).
        unsafe {
            let zero = _mm512_setzero_si512();
            let t = _mm512_madd52hi_epu64(zero, y, w_c);
            let p = _mm512_madd52lo_epu64(zero, y, w);
            let tq = _mm512_madd52lo_epu64(zero, t, q);
            _mm512_and_si512(_mm512_sub_epi64(p, tq), _mm512_set1_epi64((1i64 << 52) - 1))
        }
    }
}

/// Full 64-bit lanes (AVX-512F and DQ), `q < 2^62`.
pub(super) struct Wide;

/// The high 64 bits of each lane's 128-bit product.
#[inline(always)]
unsafe fn mul_hi(a: __m512i, b: __m512i) -> __m512i {
    // SAFETY: AVX-512F is available (caller contract).
    unsafe {
        let a_hi = _mm512_srli_epi64::<32>(a);
        let b_hi = _mm512_srli_epi64::<32>(b);
        let lolo = _mm512_mul_epu32(a, b);
        let lohi = _mm512_mul_epu32(a, b_hi);
        let hilo = _mm512_mul_epu32(a_hi, b);
        let hihi = _mm512_mul_epu32(a_hi, b_hi);
        // a·b = hihi·2^64 + (hilo + lohi)·2^32 + lolo; no sum below overflows.
        let t = _mm512_add_epi64(hilo, _mm512_srli_epi64::<32>(lolo));
        let u = _mm512_add_epi64(_mm512_and_si512(t, _mm512_set1_epi64(0xffff_ffff)), lohi);
        _mm512_add_epi64(
            _mm512_add_epi64(hihi, _mm512_srli_epi64::<32>(t)),
            _mm512_srli_epi64::<32>(u),
        )
    }
}

impl Mul512 for Wide {
    #[inline(always)]
    unsafe fn companion(w_shoup: __m512i) -> __m512i {
        w_shoup
    }

    #[inline(always)]
    unsafe fn lazy_mul(y: __m512i, w: __m512i, w_c: __m512i, q: __m512i) -> __m512i {
        // SAFETY: AVX-512F and DQ are available (caller contract).
        unsafe {
            let t = mul_hi(y, w_c);
            _mm512_sub_epi64(_mm512_mullo_epi64(y, w), _mm512_mullo_epi64(t, q))
        }
    }
}
