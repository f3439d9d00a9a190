//! One AVX-512 register of lanes and the lazy Shoup multiplier for it.
//!
//! Every strategy computes `y·w mod q` in `[0, 2q)` from the companion
//! `w' = floor(w·2^B/q)` stored in the plan, `B` the word width (Harvey 2014,
//! Lemma 1: with `t = floor(y·w''/β)` for `w'' = floor(w·β/q)` and `y < β`,
//! `y·w − t·q ∈ [0, 2q)`).
//!
//! - [`U64Ifma`] (AVX-512 IFMA, `q < 2^50`): `β = 2^52`. The 52-bit companion
//!   is `floor(w·2^52/q) = floor(w'/2^12)` (floor of a floor), a shift of the
//!   stored one. `vpmadd52huq` gives `t`, `vpmadd52luq` the low 52 bits of
//!   `y·w` and `t·q`; their difference modulo `2^52` is exact because the
//!   result is below `2q < 2^52`. Needs `y < 2^52`: butterfly inputs are
//!   below `4q < 2^52`.
//! - [`U64Wide`] (AVX-512F/DQ, `q < 2^62`): `β = 2^64`, the high half of the
//!   64×64 product assembled from four 32×32 products, then two low products
//!   (`vpmullq`) whose difference modulo `2^64` is exact as `2q < 2^64`.
//! - [`U32`] (AVX-512F, `q < 2^30`): sixteen lanes, `β = 2^32`; high halves
//!   from `vpmuludq` on the even and the odd lanes, low products `vpmulld`.
//! - [`super::avx2::U64Avx2`] (AVX2, `q < 2^62`): four lanes, as [`U64Wide`]
//!   with the 64-bit low products and the unsigned minimum emulated.

use core::arch::x86_64::*;

/// Lanes of one SIMD register and the operations the butterflies need.
///
/// # Safety
/// Every method requires the CPU features of the implementing strategy
/// (AVX-512F, plus DQ or IFMA as documented on the type).
pub(super) trait Lanes {
    /// The scalar word.
    type S: Copy + Into<u64>;
    /// The register.
    type V: Copy;
    /// Lanes per register.
    const LANES: usize;
    /// Whether to fuse pairs of wide stages ([`super::radix4`]): a gain when
    /// loads and stores bound the butterflies, not when multiplies do.
    const FUSE_STAGES: bool = true;
    /// Loads one register from `p` (unaligned).
    unsafe fn load(p: *const Self::S) -> Self::V;
    /// Stores one register at `p` (unaligned).
    unsafe fn store(p: *mut Self::S, v: Self::V);
    /// Every lane `x` (truncated to the word).
    unsafe fn splat(x: u64) -> Self::V;
    /// Lane-wise wrapping addition.
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise wrapping subtraction.
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise unsigned minimum.
    unsafe fn min(a: Self::V, b: Self::V) -> Self::V;
    /// Lane `i` of the result is lane `idx[i]` of the 2·LANES lanes `a ‖ b`.
    unsafe fn permute2(a: Self::V, idx: Self::V, b: Self::V) -> Self::V;
    /// Lane `i` of the result is lane `idx[i]` of `a`.
    unsafe fn permute(idx: Self::V, a: Self::V) -> Self::V;
    /// Loads the first `count ≤ LANES` words at `p`, zeroing the rest.
    unsafe fn load_first(p: *const Self::S, count: usize) -> Self::V;
    /// An index vector with lane `i` equal to `f(i)`.
    unsafe fn index(f: impl Fn(usize) -> usize) -> Self::V;
    /// Turns stored companions into the ones [`Lanes::lazy_mul`] expects.
    unsafe fn companion(w_shoup: Self::V) -> Self::V;
    /// `y·w mod q` in `[0, 2q)` given `companion(w')`; `y < 4q`.
    unsafe fn lazy_mul(y: Self::V, w: Self::V, w_c: Self::V, q: Self::V) -> Self::V;
}

macro_rules! u64_lanes {
    () => {
        type S = u64;
        const LANES: usize = 8;
        type V = __m512i;
        #[inline(always)]
        unsafe fn load(p: *const Self::S) -> __m512i {
            // SAFETY: the caller guarantees 64 readable bytes at `p`.
            unsafe { _mm512_loadu_si512(p.cast()) }
        }
        #[inline(always)]
        unsafe fn store(p: *mut Self::S, v: __m512i) {
            // SAFETY: the caller guarantees 64 writable bytes at `p`.
            unsafe { _mm512_storeu_si512(p.cast(), v) }
        }
        #[inline(always)]
        unsafe fn splat(x: u64) -> __m512i {
            // SAFETY: AVX-512F (trait contract).
            unsafe { _mm512_set1_epi64(x as i64) }
        }
        #[inline(always)]
        unsafe fn add(a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: AVX-512F (trait contract).
            unsafe { _mm512_add_epi64(a, b) }
        }
        #[inline(always)]
        unsafe fn sub(a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: AVX-512F (trait contract).
            unsafe { _mm512_sub_epi64(a, b) }
        }
        #[inline(always)]
        unsafe fn min(a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: AVX-512F (trait contract).
            unsafe { _mm512_min_epu64(a, b) }
        }
        #[inline(always)]
        unsafe fn permute2(a: __m512i, idx: __m512i, b: __m512i) -> __m512i {
            // SAFETY: AVX-512F (trait contract).
            unsafe { _mm512_permutex2var_epi64(a, idx, b) }
        }
        #[inline(always)]
        unsafe fn permute(idx: __m512i, a: __m512i) -> __m512i {
            // SAFETY: AVX-512F (trait contract).
            unsafe { _mm512_permutexvar_epi64(idx, a) }
        }
        #[inline(always)]
        unsafe fn load_first(p: *const u64, count: usize) -> __m512i {
            // SAFETY: AVX-512F; the caller guarantees `count` readable words.
            unsafe { _mm512_maskz_loadu_epi64(((1u16 << count) - 1) as u8, p as *const i64) }
        }
        #[inline(always)]
        unsafe fn index(f: impl Fn(usize) -> usize) -> __m512i {
            let v: [i64; 8] = core::array::from_fn(|i| f(i) as i64);
            // SAFETY: AVX-512F; `v` holds eight words.
            unsafe { _mm512_loadu_epi64(v.as_ptr()) }
        }
    };
}

/// Eight `u64` lanes, 52-bit multiply-add (AVX-512F, DQ, IFMA), `q < 2^50`.
pub(super) struct U64Ifma;

impl Lanes for U64Ifma {
    u64_lanes!();

    #[inline(always)]
    unsafe fn companion(w_shoup: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_srli_epi64::<12>(w_shoup) }
    }

    #[inline(always)]
    unsafe fn lazy_mul(y: __m512i, w: __m512i, w_c: __m512i, q: __m512i) -> __m512i {
        // SAFETY: AVX-512F and IFMA (trait contract).
        unsafe {
            let zero = _mm512_setzero_si512();
            let t = _mm512_madd52hi_epu64(zero, y, w_c);
            let p = _mm512_madd52lo_epu64(zero, y, w);
            let tq = _mm512_madd52lo_epu64(zero, t, q);
            _mm512_and_si512(_mm512_sub_epi64(p, tq), _mm512_set1_epi64((1i64 << 52) - 1))
        }
    }
}

/// Eight `u64` lanes, full 64-bit products (AVX-512F and DQ), `q < 2^62`.
pub(super) struct U64Wide;

/// The high 64 bits of each lane's 128-bit product.
#[inline(always)]
unsafe fn mul_hi_u64(a: __m512i, b: __m512i) -> __m512i {
    // SAFETY: AVX-512F (caller contract).
    unsafe {
        // High halves by swapping the 32-bit halves of each lane (`vpmuludq`
        // reads only the low half). A shift would let LLVM recognise a
        // 64×64 high product and scalarise it.
        let a_hi = _mm512_shuffle_epi32::<0b1011_0001>(a);
        let b_hi = _mm512_shuffle_epi32::<0b1011_0001>(b);
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

impl Lanes for U64Wide {
    u64_lanes!();
    // Measured: the emulated 64-bit products bound this strategy.
    const FUSE_STAGES: bool = false;

    #[inline(always)]
    unsafe fn companion(w_shoup: __m512i) -> __m512i {
        w_shoup
    }

    #[inline(always)]
    unsafe fn lazy_mul(y: __m512i, w: __m512i, w_c: __m512i, q: __m512i) -> __m512i {
        // SAFETY: AVX-512F and DQ (trait contract).
        unsafe {
            let t = mul_hi_u64(y, w_c);
            _mm512_sub_epi64(_mm512_mullo_epi64(y, w), _mm512_mullo_epi64(t, q))
        }
    }
}

/// Sixteen `u32` lanes (AVX-512F), `q < 2^30`.
pub(super) struct U32;

impl Lanes for U32 {
    type S = u32;
    const LANES: usize = 16;
    type V = __m512i;
    #[inline(always)]
    unsafe fn load(p: *const Self::S) -> __m512i {
        // SAFETY: the caller guarantees 64 readable bytes at `p`.
        unsafe { _mm512_loadu_si512(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Self::S, v: __m512i) {
        // SAFETY: the caller guarantees 64 writable bytes at `p`.
        unsafe { _mm512_storeu_si512(p.cast(), v) }
    }

    #[inline(always)]
    unsafe fn splat(x: u64) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_set1_epi32(x as u32 as i32) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_add_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_sub_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_min_epu32(a, b) }
    }
    #[inline(always)]
    unsafe fn permute2(a: __m512i, idx: __m512i, b: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_permutex2var_epi32(a, idx, b) }
    }
    #[inline(always)]
    unsafe fn permute(idx: __m512i, a: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe { _mm512_permutexvar_epi32(idx, a) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const u32, count: usize) -> __m512i {
        // SAFETY: AVX-512F; the caller guarantees `count` readable words.
        unsafe { _mm512_maskz_loadu_epi32(((1u32 << count) - 1) as u16, p as *const i32) }
    }
    #[inline(always)]
    unsafe fn index(f: impl Fn(usize) -> usize) -> __m512i {
        let v: [i32; 16] = core::array::from_fn(|i| f(i) as i32);
        // SAFETY: AVX-512F; `v` holds sixteen words.
        unsafe { _mm512_loadu_epi32(v.as_ptr()) }
    }
    #[inline(always)]
    unsafe fn companion(w_shoup: __m512i) -> __m512i {
        w_shoup
    }
    #[inline(always)]
    unsafe fn lazy_mul(y: __m512i, w: __m512i, w_c: __m512i, q: __m512i) -> __m512i {
        // SAFETY: AVX-512F (trait contract).
        unsafe {
            // High halves: even lanes from the even products shifted down,
            // odd lanes from the odd products' upper halves.
            let even = _mm512_srli_epi64::<32>(_mm512_mul_epu32(y, w_c));
            let odd = _mm512_mul_epu32(_mm512_srli_epi64::<32>(y), _mm512_srli_epi64::<32>(w_c));
            let t = _mm512_mask_blend_epi32(0xaaaa, even, odd);
            _mm512_sub_epi32(_mm512_mullo_epi32(y, w), _mm512_mullo_epi32(t, q))
        }
    }
}
