//! The `u64` NTT on eight AVX-512 lanes.
//!
//! Same butterflies and lazy bounds as the portable path (see [`crate::ntt`]),
//! with the multiplier chosen by [`Mul512`]. Stages with half-block `t ≥ 8`
//! broadcast one twiddle over whole vectors; the three stages with `t = 4, 2,
//! 1` regroup two vectors into an `X` and a `Y` vector with lane permutations.
//! Work is ordered for the cache: the first (forward) or last (inverse)
//! stages run over the whole array while blocks are larger than [`BLOCK`];
//! the others run block by block while the block stays in L1.
//!
//! Twiddle indices: at the stage with blocks of `2t` words, block `j` of the
//! whole array uses table entry `N/(2t) + j` (the portable `m + i`). A
//! sub-array of `L` words at position `c·L` therefore starts at entry
//! `(N + c·L)/(2t)`.

use super::mul::Mul512;
use core::arch::x86_64::*;

/// Words per cache block (16 KiB of `u64`).
const BLOCK: usize = 2048;

/// Plan data the kernels read.
pub(crate) struct Tables<'a> {
    pub q: u64,
    pub w: &'a [u64],
    pub w_shoup: &'a [u64],
}

#[inline(always)]
unsafe fn load(p: *const u64) -> __m512i {
    // SAFETY: the caller guarantees 8 readable words at `p`.
    unsafe { _mm512_loadu_epi64(p as *const i64) }
}

#[inline(always)]
unsafe fn store(p: *mut u64, v: __m512i) {
    // SAFETY: the caller guarantees 8 writable words at `p`.
    unsafe { _mm512_storeu_epi64(p as *mut i64, v) }
}

#[inline(always)]
unsafe fn splat(x: u64) -> __m512i {
    // SAFETY: AVX-512F is available (module contract).
    unsafe { _mm512_set1_epi64(x as i64) }
}

/// `x mod 2q` for `x < 4q` (or `mod q` for `x < 2q` with `m = q`).
#[inline(always)]
unsafe fn reduce(x: __m512i, m: __m512i) -> __m512i {
    // SAFETY: AVX-512F is available (module contract).
    unsafe { _mm512_min_epu64(x, _mm512_sub_epi64(x, m)) }
}

/// Forward (Cooley–Tukey) Harvey butterfly: `x, y < 4q` in, `< 4q` out.
#[inline(always)]
unsafe fn fwd_bfly<M: Mul512>(
    x: __m512i,
    y: __m512i,
    w: __m512i,
    wc: __m512i,
    q: __m512i,
    two_q: __m512i,
) -> (__m512i, __m512i) {
    // SAFETY: AVX-512F is available (module contract).
    unsafe {
        let u = reduce(x, two_q);
        let v = M::lazy_mul(y, w, wc, q);
        (
            _mm512_add_epi64(u, v),
            _mm512_sub_epi64(_mm512_add_epi64(u, two_q), v),
        )
    }
}

/// Inverse (Gentleman–Sande) Harvey butterfly: `x, y < 2q` in, `< 2q` out.
#[inline(always)]
unsafe fn inv_bfly<M: Mul512>(
    x: __m512i,
    y: __m512i,
    w: __m512i,
    wc: __m512i,
    q: __m512i,
    two_q: __m512i,
) -> (__m512i, __m512i) {
    // SAFETY: AVX-512F is available (module contract).
    unsafe {
        let s = reduce(_mm512_add_epi64(x, y), two_q);
        let d = _mm512_sub_epi64(_mm512_add_epi64(x, two_q), y);
        (s, M::lazy_mul(d, w, wc, q))
    }
}

/// One stage with half-blocks of `t ≥ 8` words over `a`; block `j` uses
/// twiddle `base + j`.
#[inline(always)]
unsafe fn stage_wide<M: Mul512, const FWD: bool>(
    tb: &Tables<'_>,
    a: &mut [u64],
    base: usize,
    t: usize,
) {
    // SAFETY: AVX-512F is available; every pointer stays inside `a`
    // (k + 8 ≤ t within a block of 2t words).
    unsafe {
        let (q, two_q) = (splat(tb.q), splat(2 * tb.q));
        for (j, block) in a.chunks_exact_mut(2 * t).enumerate() {
            let w = splat(tb.w[base + j]);
            let wc = M::companion(splat(tb.w_shoup[base + j]));
            let p = block.as_mut_ptr();
            for k in (0..t).step_by(8) {
                let (x, y) = (load(p.add(k)), load(p.add(k + t)));
                let (x, y) = if FWD {
                    fwd_bfly::<M>(x, y, w, wc, q, two_q)
                } else {
                    inv_bfly::<M>(x, y, w, wc, q, two_q)
                };
                store(p.add(k), x);
                store(p.add(k + t), y);
            }
        }
    }
}

/// Lane permutations for the stages with `t = 4, 2, 1`: `(X, Y)` indices
/// into the concatenation of two vectors, and the inverse interleavings.
struct Shuffle {
    x: [i64; 8],
    y: [i64; 8],
    lo: [i64; 8],
    hi: [i64; 8],
    /// Twiddle lane `i` is table entry `base + tw[i]`.
    tw: [i64; 8],
}

const SHUFFLES: [Shuffle; 3] = [
    // t = 1: blocks [x y].
    Shuffle {
        x: [0, 2, 4, 6, 8, 10, 12, 14],
        y: [1, 3, 5, 7, 9, 11, 13, 15],
        lo: [0, 8, 1, 9, 2, 10, 3, 11],
        hi: [4, 12, 5, 13, 6, 14, 7, 15],
        tw: [0, 1, 2, 3, 4, 5, 6, 7],
    },
    // t = 2: blocks [x0 x1 y0 y1].
    Shuffle {
        x: [0, 1, 4, 5, 8, 9, 12, 13],
        y: [2, 3, 6, 7, 10, 11, 14, 15],
        lo: [0, 1, 8, 9, 2, 3, 10, 11],
        hi: [4, 5, 12, 13, 6, 7, 14, 15],
        tw: [0, 0, 1, 1, 2, 2, 3, 3],
    },
    // t = 4: blocks [x0..x3 y0..y3].
    Shuffle {
        x: [0, 1, 2, 3, 8, 9, 10, 11],
        y: [4, 5, 6, 7, 12, 13, 14, 15],
        lo: [0, 1, 2, 3, 8, 9, 10, 11],
        hi: [4, 5, 6, 7, 12, 13, 14, 15],
        tw: [0, 0, 0, 0, 1, 1, 1, 1],
    },
];

#[inline(always)]
unsafe fn idx(i: &[i64; 8]) -> __m512i {
    // SAFETY: AVX-512F is available; `i` holds 8 words.
    unsafe { _mm512_loadu_epi64(i.as_ptr()) }
}

/// One stage with `t = 2^log_t ∈ {1, 2, 4}` over `a` (`a.len()` a multiple
/// of 16), twiddles from `base`. With `FINAL` (forward only) the outputs are
/// reduced from `[0, 4q)` to `[0, q)`.
#[inline(always)]
unsafe fn stage_narrow<M: Mul512, const FWD: bool, const FINAL: bool>(
    tb: &Tables<'_>,
    a: &mut [u64],
    base: usize,
    log_t: usize,
) {
    let sh = &SHUFFLES[log_t];
    let blocks_per_16 = 8 >> log_t;
    // SAFETY: AVX-512F is available; each chunk has 16 words; the twiddle
    // table has at least base + blocks entries (debug-checked below).
    unsafe {
        let (q, two_q) = (splat(tb.q), splat(2 * tb.q));
        let (ix, iy, ilo, ihi, itw) = (
            idx(&sh.x),
            idx(&sh.y),
            idx(&sh.lo),
            idx(&sh.hi),
            idx(&sh.tw),
        );
        debug_assert!(base + a.len() / (2 << log_t) <= tb.w.len());
        let mask = ((1u16 << blocks_per_16) - 1) as u8;
        for (c, chunk) in a.chunks_exact_mut(16).enumerate() {
            let p = chunk.as_mut_ptr();
            let (v0, v1) = (load(p), load(p.add(8)));
            let x = _mm512_permutex2var_epi64(v0, ix, v1);
            let y = _mm512_permutex2var_epi64(v0, iy, v1);
            let j = base + c * blocks_per_16;
            let wl = _mm512_maskz_loadu_epi64(mask, tb.w.as_ptr().add(j) as *const i64);
            let ws = _mm512_maskz_loadu_epi64(mask, tb.w_shoup.as_ptr().add(j) as *const i64);
            let w = _mm512_permutexvar_epi64(itw, wl);
            let wc = M::companion(_mm512_permutexvar_epi64(itw, ws));
            let (mut x, mut y) = if FWD {
                fwd_bfly::<M>(x, y, w, wc, q, two_q)
            } else {
                inv_bfly::<M>(x, y, w, wc, q, two_q)
            };
            if FINAL {
                x = reduce(reduce(x, two_q), q);
                y = reduce(reduce(y, two_q), q);
            }
            store(p, _mm512_permutex2var_epi64(x, ilo, y));
            store(p.add(8), _mm512_permutex2var_epi64(x, ihi, y));
        }
    }
}

/// Forward NTT, fully reduced output. `a.len() = N ≥ 16`, tables of `N`.
///
/// # Safety
/// The CPU supports AVX-512F, AVX-512DQ and the features of `M`.
#[inline(always)]
pub(super) unsafe fn forward<M: Mul512>(tb: &Tables<'_>, a: &mut [u64]) {
    let n = a.len();
    let (mut t, mut m) = (n / 2, 1);
    // SAFETY: forwarded caller contract.
    unsafe {
        while 2 * t > BLOCK {
            stage_wide::<M, true>(tb, a, m, t);
            (t, m) = (t / 2, m * 2);
        }
        for (c, chunk) in a.chunks_exact_mut(2 * t).enumerate() {
            let (mut tt, mut base) = (t, m + c);
            while tt >= 8 {
                stage_wide::<M, true>(tb, chunk, base, tt);
                (tt, base) = (tt / 2, base * 2);
            }
            stage_narrow::<M, true, false>(tb, chunk, base, 2);
            stage_narrow::<M, true, false>(tb, chunk, base * 2, 1);
            stage_narrow::<M, true, true>(tb, chunk, base * 4, 0);
        }
    }
}

/// Inverse NTT without `N^-1` on the last stage, which the caller's
/// [`inverse_last_stage`] fuses with the scaling. `a.len() = N ≥ 16`.
///
/// # Safety
/// As [`forward`].
#[inline(always)]
pub(super) unsafe fn inverse<M: Mul512>(tb: &Tables<'_>, a: &mut [u64], n_inv: (u64, u64)) {
    let n = a.len();
    let l = n.min(BLOCK);
    // SAFETY: forwarded caller contract.
    unsafe {
        for (c, chunk) in a.chunks_exact_mut(l).enumerate() {
            let start = n + c * l;
            stage_narrow::<M, false, false>(tb, chunk, start / 2, 0);
            stage_narrow::<M, false, false>(tb, chunk, start / 4, 1);
            stage_narrow::<M, false, false>(tb, chunk, start / 8, 2);
            let mut t = 8;
            while 2 * t <= l && t < n / 2 {
                stage_wide::<M, false>(tb, chunk, start / (2 * t), t);
                t *= 2;
            }
        }
        let mut t = l.min(n / 2);
        while t < n / 2 {
            stage_wide::<M, false>(tb, a, n / (2 * t), t);
            t *= 2;
        }
        inverse_last_stage::<M>(tb, a, n_inv);
    }
}

/// The last inverse stage (`t = N/2`, twiddle entry 1) with `N^-1` folded
/// in: `x' = (x + y)·N^-1`, `y' = (x − y + 2q)·(w·N^-1)`, fully reduced.
/// `n_inv` and `w_n_inv` are `(value, 64-bit Shoup companion)` pairs.
#[inline(always)]
unsafe fn inverse_last_stage<M: Mul512>(tb: &Tables<'_>, a: &mut [u64], n_inv: (u64, u64)) {
    let half = a.len() / 2;
    let (lo, hi) = a.split_at_mut(half);
    let w_n_inv = w_times(tb, n_inv);
    // SAFETY: AVX-512F is available; `k + 8 ≤ half` for both halves.
    unsafe {
        let (q, two_q) = (splat(tb.q), splat(2 * tb.q));
        let (ni, nic) = (splat(n_inv.0), M::companion(splat(n_inv.1)));
        let (wn, wnc) = (splat(w_n_inv.0), M::companion(splat(w_n_inv.1)));
        for k in (0..half).step_by(8) {
            let (px, py) = (lo.as_mut_ptr().add(k), hi.as_mut_ptr().add(k));
            let (x, y) = (load(px), load(py));
            // x + y < 4q and x − y + 2q < 4q: within every multiplier's bound.
            let s = _mm512_add_epi64(x, y);
            let d = _mm512_sub_epi64(_mm512_add_epi64(x, two_q), y);
            store(px, reduce(M::lazy_mul(s, ni, nic, q), q));
            store(py, reduce(M::lazy_mul(d, wn, wnc, q), q));
        }
    }
}

/// `(w_1·N^-1 mod q, its 64-bit Shoup companion)`.
fn w_times(tb: &Tables<'_>, n_inv: (u64, u64)) -> (u64, u64) {
    let q = tb.q as u128;
    let v = (tb.w[1] as u128 * n_inv.0 as u128 % q) as u64;
    (v, (((v as u128) << 64) / q) as u64)
}
