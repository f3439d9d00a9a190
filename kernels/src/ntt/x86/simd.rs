//! The NTT on one SIMD register of lanes ([`Lanes`]: four `u64` with AVX2,
//! eight `u64` or sixteen `u32` with AVX-512).
//!
//! Same butterflies and lazy bounds as the portable path (see [`crate::ntt`]).
//! Stages with half-block `t ≥ LANES` broadcast one twiddle over whole
//! registers; the stages with `t < LANES` regroup two registers into an `X`
//! and a `Y` register with lane permutations. Work is ordered for the cache:
//! the first (forward) or last (inverse) stages run over the whole array while
//! blocks are larger than [`BLOCK_BYTES`]; the others run block by block while
//! the block stays in L1.
//!
//! Twiddle indices: at the stage with blocks of `2t` words, block `j` of the
//! whole array uses table entry `N/(2t) + j` (the portable `m + i`). A
//! sub-array of `L` words at position `c·L` therefore starts at entry
//! `(N + c·L)/(2t)`.

use super::butterfly::{fwd_bfly, inv_bfly, moduli, reduce, Tables};
use super::lanes::Lanes;
use super::radix4;

/// Bytes per cache block (half of a 32 KiB L1 data cache).
const BLOCK_BYTES: usize = 16 << 10;

/// One stage with half-blocks of `t ≥ LANES` words over `a`; block `j` uses
/// twiddle `base + j`.
#[inline(always)]
unsafe fn stage_wide<L: Lanes, const FWD: bool>(
    tb: &Tables<'_, L::S>,
    a: &mut [L::S],
    base: usize,
    t: usize,
) {
    // SAFETY: forwarded trait contract; every pointer stays inside `a`
    // (k + LANES ≤ t within a block of 2t words).
    unsafe {
        let q = moduli::<L>(tb.q);
        for (j, block) in a.chunks_exact_mut(2 * t).enumerate() {
            let w = L::splat(tb.w[base + j].into());
            let wc = L::companion(L::splat(tb.w_shoup[base + j].into()));
            let p = block.as_mut_ptr();
            for k in (0..t).step_by(L::LANES) {
                let (x, y) = (L::load(p.add(k)), L::load(p.add(k + t)));
                let [x, y] = if FWD {
                    fwd_bfly::<L>(x, y, [w, wc], q)
                } else {
                    inv_bfly::<L>(x, y, [w, wc], q)
                };
                L::store(p.add(k), x);
                L::store(p.add(k + t), y);
            }
        }
    }
}

/// One stage with half-blocks of `t < LANES` words over `a` (`a.len()` a
/// multiple of `2·LANES`), twiddles from `base`. Two registers hold
/// `2·LANES / 2t` blocks; `X` takes the first half of each block, `Y` the
/// second. With `FINAL` (forward only) outputs are reduced to `[0, q)`.
#[inline(always)]
unsafe fn stage_narrow<L: Lanes, const FWD: bool, const FINAL: bool, const T: usize>(
    tb: &Tables<'_, L::S>,
    a: &mut [L::S],
    base: usize,
) {
    let (lanes, t) = (L::LANES, T);
    let blocks = lanes / t;
    debug_assert!(base + a.len() / (2 * t) <= tb.w.len());
    // SAFETY: forwarded trait contract; each chunk has 2·LANES words and the
    // twiddle table at least `base + a.len()/(2t)` entries.
    unsafe {
        let q = moduli::<L>(tb.q);
        // X lane i is word (i / t)·2t + i % t of the pair; Y lane i is t later.
        let ix = L::index(|i| (i / t) * 2 * t + i % t);
        let iy = L::index(|i| (i / t) * 2 * t + i % t + t);
        // Word p of the pair comes from X or Y lane (p / 2t)·t + p % t.
        let back = |p: usize| {
            let (blk, off) = (p / (2 * t), p % (2 * t));
            blk * t + off % t + if off < t { 0 } else { lanes }
        };
        let (ilo, ihi) = (L::index(back), L::index(|p| back(p + lanes)));
        let itw = L::index(|i| i / t);
        for (c, pair) in a.chunks_exact_mut(2 * lanes).enumerate() {
            let p = pair.as_mut_ptr();
            let (v0, v1) = (L::load(p), L::load(p.add(lanes)));
            let (x, y) = (L::permute2(v0, ix, v1), L::permute2(v0, iy, v1));
            let j = base + c * blocks;
            let w = L::permute(itw, L::load_first(tb.w.as_ptr().add(j), blocks));
            let ws = L::permute(itw, L::load_first(tb.w_shoup.as_ptr().add(j), blocks));
            let wc = L::companion(ws);
            let [mut x, mut y] = if FWD {
                fwd_bfly::<L>(x, y, [w, wc], q)
            } else {
                inv_bfly::<L>(x, y, [w, wc], q)
            };
            if FINAL {
                x = reduce::<L>(reduce::<L>(x, q[1]), q[0]);
                y = reduce::<L>(reduce::<L>(y, q[1]), q[0]);
            }
            L::store(p, L::permute2(x, ilo, y));
            L::store(p.add(lanes), L::permute2(x, ihi, y));
        }
    }
}

/// Words per cache block.
fn block_words<L: Lanes>() -> usize {
    BLOCK_BYTES / core::mem::size_of::<L::S>()
}

/// Forward NTT, fully reduced output. `a.len() = N ≥ 2·LANES`, tables of `N`.
///
/// # Safety
/// The CPU supports the features of `L`.
#[inline(always)]
pub(super) unsafe fn forward<L: Lanes>(tb: &Tables<'_, L::S>, a: &mut [L::S]) {
    let n = a.len();
    let (mut t, mut m) = (n / 2, 1);
    // SAFETY: forwarded caller contract.
    unsafe {
        while 2 * t > block_words::<L>() {
            if L::FUSE_STAGES && t > block_words::<L>() {
                radix4::forward_pair::<L>(tb, a, m, t);
                (t, m) = (t / 4, m * 4);
            } else {
                stage_wide::<L, true>(tb, a, m, t);
                (t, m) = (t / 2, m * 2);
            }
        }
        for (c, chunk) in a.chunks_exact_mut(2 * t).enumerate() {
            let (mut tt, mut base) = (t, m + c);
            while L::FUSE_STAGES && tt >= 2 * L::LANES {
                radix4::forward_pair::<L>(tb, chunk, base, tt);
                (tt, base) = (tt / 4, base * 4);
            }
            while tt >= L::LANES {
                stage_wide::<L, true>(tb, chunk, base, tt);
                (tt, base) = (tt / 2, base * 2);
            }
            debug_assert_eq!(tt, L::LANES / 2);
            if L::LANES >= 16 {
                stage_narrow::<L, true, false, 8>(tb, chunk, base);
                base *= 2;
            }
            if L::LANES >= 8 {
                stage_narrow::<L, true, false, 4>(tb, chunk, base);
                base *= 2;
            }
            stage_narrow::<L, true, false, 2>(tb, chunk, base);
            stage_narrow::<L, true, true, 1>(tb, chunk, base * 2);
        }
    }
}

/// Inverse NTT, fully reduced output; the last stage is fused with the
/// scaling by `N^-1`. `a.len() = N ≥ 2·LANES`. `n_inv` and `w_n_inv` are
/// `(value, companion)` pairs for `N^-1` and `w_1·N^-1` (`w_1` = table entry
/// 1, the last stage's twiddle).
///
/// # Safety
/// As [`forward`].
#[inline(always)]
pub(super) unsafe fn inverse<L: Lanes>(
    tb: &Tables<'_, L::S>,
    a: &mut [L::S],
    n_inv: [L::S; 2],
    w_n_inv: [L::S; 2],
) {
    let n = a.len();
    let l = n.min(block_words::<L>());
    // SAFETY: forwarded caller contract.
    unsafe {
        for (c, chunk) in a.chunks_exact_mut(l).enumerate() {
            let start = n + c * l;
            stage_narrow::<L, false, false, 1>(tb, chunk, start / 2);
            stage_narrow::<L, false, false, 2>(tb, chunk, start / 4);
            if L::LANES >= 8 {
                stage_narrow::<L, false, false, 4>(tb, chunk, start / 8);
            }
            if L::LANES >= 16 {
                stage_narrow::<L, false, false, 8>(tb, chunk, start / 16);
            }
            let mut t = L::LANES;
            while L::FUSE_STAGES && 4 * t <= l && 2 * t < n / 2 {
                radix4::inverse_pair::<L>(tb, chunk, start / (2 * t), t);
                t *= 4;
            }
            while 2 * t <= l && t < n / 2 {
                stage_wide::<L, false>(tb, chunk, start / (2 * t), t);
                t *= 2;
            }
        }
        let mut t = l.min(n / 2);
        while L::FUSE_STAGES && 2 * t < n / 2 {
            radix4::inverse_pair::<L>(tb, a, n / (2 * t), t);
            t *= 4;
        }
        while t < n / 2 {
            stage_wide::<L, false>(tb, a, n / (2 * t), t);
            t *= 2;
        }
        inverse_last_stage::<L>(tb.q, a, n_inv, w_n_inv);
    }
}

/// The last inverse stage (`t = N/2`) with `N^-1` folded in:
/// `x' = (x + y)·N^-1`, `y' = (x − y + 2q)·(w_1·N^-1)`, fully reduced.
#[inline(always)]
unsafe fn inverse_last_stage<L: Lanes>(
    q: u64,
    a: &mut [L::S],
    n_inv: [L::S; 2],
    w_n_inv: [L::S; 2],
) {
    let half = a.len() / 2;
    let (lo, hi) = a.split_at_mut(half);
    // SAFETY: forwarded trait contract; `k + LANES ≤ half` in both halves.
    unsafe {
        let q = moduli::<L>(q);
        let ni = [
            L::splat(n_inv[0].into()),
            L::companion(L::splat(n_inv[1].into())),
        ];
        let wn = [
            L::splat(w_n_inv[0].into()),
            L::companion(L::splat(w_n_inv[1].into())),
        ];
        for k in (0..half).step_by(L::LANES) {
            let (px, py) = (lo.as_mut_ptr().add(k), hi.as_mut_ptr().add(k));
            let (x, y) = (L::load(px), L::load(py));
            // x + y < 4q and x − y + 2q < 4q: within every multiplier's bound.
            let s = L::add(x, y);
            let d = L::sub(L::add(x, q[1]), y);
            L::store(px, reduce::<L>(L::lazy_mul(s, ni[0], ni[1], q[0]), q[0]));
            L::store(py, reduce::<L>(L::lazy_mul(d, wn[0], wn[1], q[0]), q[0]));
        }
    }
}
