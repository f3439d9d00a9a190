//! x86_64 fast paths, selected at run time (`std` feature).
//!
//! Each path computes exactly the portable transform (the fully reduced
//! output is unique); `kernels/tests/backends.rs` checks them bit for bit
//! against [`Backend::Portable`] for many degrees and moduli. Degrees below
//! two registers of lanes (`N = 16` with `u32`) run the portable code.

mod avx2;
mod butterfly;
mod lanes;
mod radix4;
mod simd;

use super::backend::Backend;
use super::plan::NttPlan;
use crate::arith::Word;
use avx2::U64Avx2;
use butterfly::Tables;
use core::any::TypeId;
use lanes::{Lanes, U64Ifma, U64Wide, U32};

fn is<W: Word, T: 'static>() -> bool {
    TypeId::of::<W>() == TypeId::of::<T>()
}

/// Views `&mut [W]` as `&mut [T]` when `W` is `T`.
fn cast_mut<W: Word, T: 'static>(a: &mut [W]) -> Option<&mut [T]> {
    // SAFETY: `W` is `T`, so the slice's layout is unchanged.
    is::<W, T>().then(|| unsafe { &mut *(a as *mut [W] as *mut [T]) })
}

/// Views `&[W]` as `&[T]` when `W` is `T`.
fn cast<W: Word, T: 'static>(a: &[W]) -> Option<&[T]> {
    // SAFETY: `W` is `T`, so the slice's layout is unchanged.
    is::<W, T>().then(|| unsafe { &*(a as *const [W] as *const [T]) })
}

/// The tables of one direction, viewed with the lanes' scalar type.
fn tables<'a, W: Word, L: Lanes>(q: W, w: &'a [W], ws: &'a [W]) -> Option<Tables<'a, L::S>>
where
    L::S: 'static,
{
    Some(Tables {
        q: q.to_u64(),
        w: cast::<W, L::S>(w)?,
        w_shoup: cast::<W, L::S>(ws)?,
    })
}

/// Runs the forward transform with the SIMD backend `b` (already checked
/// with `Backend::is_supported`); returns `false` if `b` does not handle this plan,
/// leaving `a` untouched. `a.len() = N`.
pub(super) fn forward<W: Word, S: AsRef<[W]>>(
    plan: &NttPlan<W, S>,
    b: Backend,
    a: &mut [W],
) -> bool {
    let q = plan.modulus().value();
    let (w, ws) = (plan.forward_twiddles(), plan.forward_twiddles_shoup());
    match b {
        Backend::Avx512Ifma => run_u64::<W, U64Ifma>(q, w, ws, a, |tb, a| {
            // SAFETY: `Backend::is_supported` checked AVX-512F/DQ/IFMA and q < 2^50.
            unsafe { forward_ifma(tb, a) }
        }),
        Backend::Avx512 if is::<W, u32>() => {
            let (Some(tb), Some(a)) = (tables::<W, U32>(q, w, ws), cast_mut::<W, u32>(a)) else {
                return false;
            };
            if a.len() < 2 * U32::LANES {
                return false;
            }
            // SAFETY: `Backend::is_supported` checked AVX-512F/DQ.
            unsafe { forward_u32(&tb, a) };
            true
        }
        Backend::Avx512 => run_u64::<W, U64Wide>(q, w, ws, a, |tb, a| {
            // SAFETY: `Backend::is_supported` checked AVX-512F/DQ.
            unsafe { forward_wide(tb, a) }
        }),
        Backend::Avx2 => run_u64::<W, U64Avx2>(q, w, ws, a, |tb, a| {
            // SAFETY: `Backend::is_supported` checked AVX2.
            unsafe { forward_avx2(tb, a) }
        }),
        Backend::Portable => false,
    }
}

fn run_u64<W: Word, L: Lanes<S = u64>>(
    q: W,
    w: &[W],
    ws: &[W],
    a: &mut [W],
    f: impl FnOnce(&Tables<'_, u64>, &mut [u64]),
) -> bool {
    let (Some(tb), Some(a)) = (tables::<W, L>(q, w, ws), cast_mut::<W, u64>(a)) else {
        return false;
    };
    f(&tb, a);
    true
}

/// Runs the inverse transform with `b` (see [`forward`]).
pub(super) fn inverse<W: Word, S: AsRef<[W]>>(
    plan: &NttPlan<W, S>,
    b: Backend,
    a: &mut [W],
) -> bool {
    let m = *plan.modulus();
    let (w, ws) = (plan.inverse_twiddles(), plan.inverse_twiddles_shoup());
    let ni = plan.degree_inv();
    let wn = plan.last_inverse_twiddle();
    let (ni, wn) = ([ni.value, ni.quotient], [wn.value, wn.quotient]);
    let q = m.value();
    match b {
        Backend::Avx512Ifma => inv_u64::<W, U64Ifma>(q, w, ws, a, ni, wn, |tb, a, x, y| {
            // SAFETY: `Backend::is_supported` checked AVX-512F/DQ/IFMA and q < 2^50.
            unsafe { inverse_ifma(tb, a, x, y) }
        }),
        Backend::Avx512 if is::<W, u32>() => {
            let (Some(tb), Some(a)) = (tables::<W, U32>(q, w, ws), cast_mut::<W, u32>(a)) else {
                return false;
            };
            let (Some(ni), Some(wn)) = (cast::<W, u32>(&ni), cast::<W, u32>(&wn)) else {
                return false;
            };
            if a.len() < 2 * U32::LANES {
                return false;
            }
            // SAFETY: `Backend::is_supported` checked AVX-512F/DQ.
            unsafe { inverse_u32(&tb, a, [ni[0], ni[1]], [wn[0], wn[1]]) };
            true
        }
        Backend::Avx512 => inv_u64::<W, U64Wide>(q, w, ws, a, ni, wn, |tb, a, x, y| {
            // SAFETY: `Backend::is_supported` checked AVX-512F/DQ.
            unsafe { inverse_wide(tb, a, x, y) }
        }),
        Backend::Avx2 => inv_u64::<W, U64Avx2>(q, w, ws, a, ni, wn, |tb, a, x, y| {
            // SAFETY: `Backend::is_supported` checked AVX2.
            unsafe { inverse_avx2(tb, a, x, y) }
        }),
        Backend::Portable => false,
    }
}

#[allow(clippy::type_complexity)]
fn inv_u64<W: Word, L: Lanes<S = u64>>(
    q: W,
    w: &[W],
    ws: &[W],
    a: &mut [W],
    ni: [W; 2],
    wn: [W; 2],
    f: impl FnOnce(&Tables<'_, u64>, &mut [u64], [u64; 2], [u64; 2]),
) -> bool {
    let (Some(tb), Some(a)) = (tables::<W, L>(q, w, ws), cast_mut::<W, u64>(a)) else {
        return false;
    };
    f(&tb, a, ni.map(|x| x.to_u64()), wn.map(|x| x.to_u64()));
    true
}

#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn forward_wide(tb: &Tables<'_, u64>, a: &mut [u64]) {
    // SAFETY: the features are enabled on this function.
    unsafe { simd::forward::<U64Wide>(tb, a) }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
unsafe fn forward_ifma(tb: &Tables<'_, u64>, a: &mut [u64]) {
    // SAFETY: the features are enabled on this function; q < 2^50.
    unsafe { simd::forward::<U64Ifma>(tb, a) }
}

#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn forward_u32(tb: &Tables<'_, u32>, a: &mut [u32]) {
    // SAFETY: the features are enabled on this function.
    unsafe { simd::forward::<U32>(tb, a) }
}

#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn inverse_wide(tb: &Tables<'_, u64>, a: &mut [u64], ni: [u64; 2], wn: [u64; 2]) {
    // SAFETY: the features are enabled on this function.
    unsafe { simd::inverse::<U64Wide>(tb, a, ni, wn) }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
unsafe fn inverse_ifma(tb: &Tables<'_, u64>, a: &mut [u64], ni: [u64; 2], wn: [u64; 2]) {
    // SAFETY: the features are enabled on this function; q < 2^50.
    unsafe { simd::inverse::<U64Ifma>(tb, a, ni, wn) }
}

#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn inverse_u32(tb: &Tables<'_, u32>, a: &mut [u32], ni: [u32; 2], wn: [u32; 2]) {
    // SAFETY: the features are enabled on this function.
    unsafe { simd::inverse::<U32>(tb, a, ni, wn) }
}

#[target_feature(enable = "avx2")]
unsafe fn forward_avx2(tb: &Tables<'_, u64>, a: &mut [u64]) {
    // SAFETY: the feature is enabled on this function.
    unsafe { simd::forward::<U64Avx2>(tb, a) }
}

#[target_feature(enable = "avx2")]
unsafe fn inverse_avx2(tb: &Tables<'_, u64>, a: &mut [u64], ni: [u64; 2], wn: [u64; 2]) {
    // SAFETY: the feature is enabled on this function.
    unsafe { simd::inverse::<U64Avx2>(tb, a, ni, wn) }
}
