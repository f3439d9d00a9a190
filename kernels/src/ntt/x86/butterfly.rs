//! The Harvey butterflies on one register of lanes, and the plan data they
//! read: the building blocks of the single stages ([`super::simd`]) and the
//! fused pairs of stages ([`super::radix4`]).
//!
//! Same butterflies and lazy bounds as the portable path (see [`crate::ntt`]):
//! forward (Cooley–Tukey) `x, y < 4q` in and out, inverse (Gentleman–Sande)
//! `x, y < 2q` in and out.

use super::lanes::Lanes;

/// Plan data the kernels read.
pub(crate) struct Tables<'a, S> {
    pub q: u64,
    pub w: &'a [S],
    pub w_shoup: &'a [S],
}

/// `x mod m` for `x < 2m`.
#[inline(always)]
pub(super) unsafe fn reduce<L: Lanes>(x: L::V, m: L::V) -> L::V {
    // SAFETY: forwarded trait contract.
    unsafe { L::min(x, L::sub(x, m)) }
}

/// Forward (Cooley–Tukey) Harvey butterfly: `x, y < 4q` in, `< 4q` out.
#[inline(always)]
pub(super) unsafe fn fwd_bfly<L: Lanes>(x: L::V, y: L::V, w: [L::V; 2], q: [L::V; 2]) -> [L::V; 2] {
    // SAFETY: forwarded trait contract.
    unsafe {
        let u = reduce::<L>(x, q[1]);
        let v = L::lazy_mul(y, w[0], w[1], q[0]);
        [L::add(u, v), L::sub(L::add(u, q[1]), v)]
    }
}

/// Inverse (Gentleman–Sande) Harvey butterfly: `x, y < 2q` in, `< 2q` out.
#[inline(always)]
pub(super) unsafe fn inv_bfly<L: Lanes>(x: L::V, y: L::V, w: [L::V; 2], q: [L::V; 2]) -> [L::V; 2] {
    // SAFETY: forwarded trait contract.
    unsafe {
        let s = reduce::<L>(L::add(x, y), q[1]);
        let d = L::sub(L::add(x, q[1]), y);
        [s, L::lazy_mul(d, w[0], w[1], q[0])]
    }
}

/// `[q, 2q]` splatted.
#[inline(always)]
pub(super) unsafe fn moduli<L: Lanes>(q: u64) -> [L::V; 2] {
    // SAFETY: forwarded trait contract.
    unsafe { [L::splat(q), L::splat(2 * q)] }
}
