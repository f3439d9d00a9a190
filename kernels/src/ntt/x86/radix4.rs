//! Two consecutive NTT stages in one pass over memory.
//!
//! Each pass loads four registers, runs the butterflies of two stages on
//! them in registers and stores them once, halving the loads and stores of
//! the stages with half-blocks of at least two registers. The butterflies,
//! twiddles and bounds are exactly those of two single stages
//! ([`super::simd`], both built from [`super::butterfly`]), so the words
//! computed are the same.

use super::butterfly::{fwd_bfly, inv_bfly, moduli, Tables};
use super::lanes::Lanes;

/// Forward stages with half-blocks `t` and `t/2` (`t/2 ≥ LANES`) over `a`:
/// block `j` of `2t` words uses twiddle `base + j`, then its halves use
/// `2(base + j)` and `2(base + j) + 1`.
///
/// # Safety
/// The CPU supports the features of `L`; `a.len()` is a multiple of `2t`;
/// the table has at least `2(base + a.len()/2t)` entries.
#[inline(always)]
pub(super) unsafe fn forward_pair<L: Lanes>(
    tb: &Tables<'_, L::S>,
    a: &mut [L::S],
    base: usize,
    t: usize,
) {
    let h = t / 2;
    // SAFETY: forwarded caller contract; `k + LANES ≤ h` keeps every access
    // inside its block of 2t words.
    unsafe {
        let q = moduli::<L>(tb.q);
        let tw = |i: usize| {
            [
                L::splat(tb.w[i].into()),
                L::companion(L::splat(tb.w_shoup[i].into())),
            ]
        };
        for (j, block) in a.chunks_exact_mut(2 * t).enumerate() {
            let (w1, w2a, w2b) = (tw(base + j), tw(2 * (base + j)), tw(2 * (base + j) + 1));
            let p = block.as_mut_ptr();
            for k in (0..h).step_by(L::LANES) {
                let ptrs = [p.add(k), p.add(k + h), p.add(k + t), p.add(k + t + h)];
                let [x0, x1, x2, x3] = ptrs.map(|p| L::load(p));
                let [x0, x2] = fwd_bfly::<L>(x0, x2, w1, q);
                let [x1, x3] = fwd_bfly::<L>(x1, x3, w1, q);
                let [x0, x1] = fwd_bfly::<L>(x0, x1, w2a, q);
                let [x2, x3] = fwd_bfly::<L>(x2, x3, w2b, q);
                for (p, x) in ptrs.into_iter().zip([x0, x1, x2, x3]) {
                    L::store(p, x);
                }
            }
        }
    }
}

/// Inverse stages with half-blocks `t` and `2t` (`t ≥ LANES`) over `a`:
/// block `j` of `4t` words has halves using twiddles `base + 2j` and
/// `base + 2j + 1`, then uses `base/2 + j` (`base` even).
///
/// # Safety
/// The CPU supports the features of `L`; `a.len()` is a multiple of `4t`;
/// the table has at least `base + a.len()/2t` entries.
#[inline(always)]
pub(super) unsafe fn inverse_pair<L: Lanes>(
    tb: &Tables<'_, L::S>,
    a: &mut [L::S],
    base: usize,
    t: usize,
) {
    debug_assert!(base.is_multiple_of(2));
    // SAFETY: forwarded caller contract; `k + LANES ≤ t` keeps every access
    // inside its block of 4t words.
    unsafe {
        let q = moduli::<L>(tb.q);
        let tw = |i: usize| {
            [
                L::splat(tb.w[i].into()),
                L::companion(L::splat(tb.w_shoup[i].into())),
            ]
        };
        for (j, block) in a.chunks_exact_mut(4 * t).enumerate() {
            let (w1a, w1b, w2) = (tw(base + 2 * j), tw(base + 2 * j + 1), tw(base / 2 + j));
            let p = block.as_mut_ptr();
            for k in (0..t).step_by(L::LANES) {
                let ptrs = [p.add(k), p.add(k + t), p.add(k + 2 * t), p.add(k + 3 * t)];
                let [x0, x1, x2, x3] = ptrs.map(|p| L::load(p));
                let [x0, x1] = inv_bfly::<L>(x0, x1, w1a, q);
                let [x2, x3] = inv_bfly::<L>(x2, x3, w1b, q);
                let [x0, x2] = inv_bfly::<L>(x0, x2, w2, q);
                let [x1, x3] = inv_bfly::<L>(x1, x3, w2, q);
                for (p, x) in ptrs.into_iter().zip([x0, x1, x2, x3]) {
                    L::store(p, x);
                }
            }
        }
    }
}
