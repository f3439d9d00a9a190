//! Four `u64` lanes with AVX2, any modulus below `2^62`.
//!
//! AVX2 lacks the 64-bit unsigned minimum, the 64-bit low product and the
//! two-source 64-bit permutation; they are built from signed compares,
//! 32×32 products (`vpmuludq`) and 32-bit permutations. The Shoup product
//! is as in [`super::lanes::U64Wide`] (`β = 2^64`).

use super::lanes::Lanes;
use core::arch::x86_64::*;

/// Four `u64` lanes (AVX2), `q < 2^62`.
pub(super) struct U64Avx2;

/// Swaps the 32-bit halves of each lane (the high halves for `vpmuludq`,
/// without a shift LLVM would turn back into scalar 64-bit multiplies).
#[inline(always)]
unsafe fn swap_halves(a: __m256i) -> __m256i {
    // SAFETY: AVX2 (trait contract).
    unsafe { _mm256_shuffle_epi32::<0b1011_0001>(a) }
}

/// The low 64 bits of each lane's product.
#[inline(always)]
unsafe fn mul_lo(a: __m256i, b: __m256i) -> __m256i {
    // SAFETY: AVX2 (trait contract).
    unsafe {
        let lolo = _mm256_mul_epu32(a, b);
        let cross = _mm256_add_epi64(
            _mm256_mul_epu32(a, swap_halves(b)),
            _mm256_mul_epu32(swap_halves(a), b),
        );
        _mm256_add_epi64(lolo, _mm256_slli_epi64::<32>(cross))
    }
}

/// The high 64 bits of each lane's product.
#[inline(always)]
unsafe fn mul_hi(a: __m256i, b: __m256i) -> __m256i {
    // SAFETY: AVX2 (trait contract).
    unsafe {
        let (a_hi, b_hi) = (swap_halves(a), swap_halves(b));
        let lolo = _mm256_mul_epu32(a, b);
        let lohi = _mm256_mul_epu32(a, b_hi);
        let hilo = _mm256_mul_epu32(a_hi, b);
        let hihi = _mm256_mul_epu32(a_hi, b_hi);
        // a·b = hihi·2^64 + (hilo + lohi)·2^32 + lolo; no sum below overflows.
        let t = _mm256_add_epi64(hilo, _mm256_srli_epi64::<32>(lolo));
        let u = _mm256_add_epi64(_mm256_and_si256(t, _mm256_set1_epi64x(0xffff_ffff)), lohi);
        _mm256_add_epi64(
            _mm256_add_epi64(hihi, _mm256_srli_epi64::<32>(t)),
            _mm256_srli_epi64::<32>(u),
        )
    }
}

impl Lanes for U64Avx2 {
    type S = u64;
    type V = __m256i;
    const LANES: usize = 4;
    const FUSE_STAGES: bool = false;

    #[inline(always)]
    unsafe fn load(p: *const u64) -> __m256i {
        // SAFETY: AVX2; the caller guarantees 32 readable bytes at `p`.
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut u64, v: __m256i) {
        // SAFETY: AVX2; the caller guarantees 32 writable bytes at `p`.
        unsafe { _mm256_storeu_si256(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe { _mm256_set1_epi64x(x as i64) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe { _mm256_add_epi64(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe { _mm256_sub_epi64(a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe {
            // Unsigned order is signed order after flipping the top bit.
            let s = _mm256_set1_epi64x(i64::MIN);
            let a_gt_b = _mm256_cmpgt_epi64(_mm256_xor_si256(a, s), _mm256_xor_si256(b, s));
            _mm256_blendv_epi8(a, b, a_gt_b)
        }
    }
    #[inline(always)]
    unsafe fn permute2(a: __m256i, idx: __m256i, b: __m256i) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe {
            // `idx` holds 32-bit indices 0..16; bit 3 picks `b`.
            let pa = _mm256_permutevar8x32_epi32(a, idx);
            let pb = _mm256_permutevar8x32_epi32(b, idx);
            let from_b = _mm256_castsi256_ps(_mm256_slli_epi32::<28>(idx));
            _mm256_castps_si256(_mm256_blendv_ps(
                _mm256_castsi256_ps(pa),
                _mm256_castsi256_ps(pb),
                from_b,
            ))
        }
    }
    #[inline(always)]
    unsafe fn permute(idx: __m256i, a: __m256i) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe { _mm256_permutevar8x32_epi32(a, idx) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const u64, count: usize) -> __m256i {
        let mask: [i64; 4] = core::array::from_fn(|i| if i < count { -1 } else { 0 });
        // SAFETY: AVX2; the caller guarantees `count` readable words, and
        // masked-off lanes are not accessed.
        unsafe { _mm256_maskload_epi64(p as *const i64, _mm256_loadu_si256(mask.as_ptr().cast())) }
    }
    #[inline(always)]
    unsafe fn index(f: impl Fn(usize) -> usize) -> __m256i {
        // 64-bit lane i takes 32-bit elements 2·f(i) and 2·f(i) + 1.
        let v: [i32; 8] = core::array::from_fn(|j| (2 * f(j / 2) + j % 2) as i32);
        // SAFETY: AVX2; `v` holds eight 32-bit words.
        unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
    }
    #[inline(always)]
    unsafe fn companion(w_shoup: __m256i) -> __m256i {
        w_shoup
    }
    #[inline(always)]
    unsafe fn lazy_mul(y: __m256i, w: __m256i, w_c: __m256i, q: __m256i) -> __m256i {
        // SAFETY: AVX2 (trait contract).
        unsafe {
            let t = mul_hi(y, w_c);
            _mm256_sub_epi64(mul_lo(y, w), mul_lo(t, q))
        }
    }
}
