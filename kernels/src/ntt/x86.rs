//! x86_64 fast paths, selected at run time (`std` feature).
//!
//! Each path computes exactly the portable transform (the fully reduced
//! output is unique); `kernels/tests/backends.rs` checks them bit for bit
//! against [`Backend::Portable`] for many degrees and moduli.

mod avx512;
mod mul;

use super::backend::Backend;
use super::plan::NttPlan;
use crate::arith::Word;
use core::any::TypeId;
use std::is_x86_feature_detected;

fn has_avx512() -> bool {
    is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq")
}

/// Whether backend `b` runs on this CPU for word `W` and `modulus_bits`.
pub(super) fn supported<W: Word>(b: Backend, modulus_bits: u32) -> bool {
    let is_u64 = TypeId::of::<W>() == TypeId::of::<u64>();
    match b {
        Backend::Portable => true,
        Backend::Avx2 => false,
        Backend::Avx512 => is_u64 && has_avx512(),
        Backend::Avx512Ifma => {
            is_u64 && modulus_bits <= 50 && has_avx512() && is_x86_feature_detected!("avx512ifma")
        }
    }
}

/// Views `&mut [W]` as `&mut [u64]` when `W` is `u64`.
fn as_u64_mut<W: Word>(a: &mut [W]) -> Option<&mut [u64]> {
    if TypeId::of::<W>() == TypeId::of::<u64>() {
        // SAFETY: `W` is `u64`, so the slice's layout is unchanged.
        Some(unsafe { &mut *(a as *mut [W] as *mut [u64]) })
    } else {
        None
    }
}

/// Views `&[W]` as `&[u64]` when `W` is `u64`.
fn as_u64<W: Word>(a: &[W]) -> Option<&[u64]> {
    if TypeId::of::<W>() == TypeId::of::<u64>() {
        // SAFETY: `W` is `u64`, so the slice's layout is unchanged.
        Some(unsafe { &*(a as *const [W] as *const [u64]) })
    } else {
        None
    }
}

/// Runs the forward transform with `b`; returns `false` (and leaves `a`
/// untouched) if `b` is not a SIMD backend supported here. `a.len() = N`.
pub(super) fn forward<W: Word, S: AsRef<[W]>>(
    plan: &NttPlan<W, S>,
    b: Backend,
    a: &mut [W],
) -> bool {
    if !supported::<W>(b, plan.modulus().bits()) {
        return false;
    }
    let (Some(a), Some(w), Some(ws)) = (
        as_u64_mut(a),
        as_u64(plan.forward_twiddles()),
        as_u64(plan.forward_twiddles_shoup()),
    ) else {
        return false;
    };
    let tb = avx512::Tables {
        q: plan.modulus().value().to_u64(),
        w,
        w_shoup: ws,
    };
    match b {
        // SAFETY: `supported` checked the CPU features.
        Backend::Avx512 => unsafe { forward_avx512(&tb, a) },
        // SAFETY: as above, and q < 2^50.
        Backend::Avx512Ifma => unsafe { forward_ifma(&tb, a) },
        _ => return false,
    }
    true
}

/// Runs the inverse transform with `b` (see [`forward`]).
pub(super) fn inverse<W: Word, S: AsRef<[W]>>(
    plan: &NttPlan<W, S>,
    b: Backend,
    a: &mut [W],
) -> bool {
    if !supported::<W>(b, plan.modulus().bits()) {
        return false;
    }
    let (Some(a), Some(w), Some(ws)) = (
        as_u64_mut(a),
        as_u64(plan.inverse_twiddles()),
        as_u64(plan.inverse_twiddles_shoup()),
    ) else {
        return false;
    };
    let tb = avx512::Tables {
        q: plan.modulus().value().to_u64(),
        w,
        w_shoup: ws,
    };
    let ni = plan.degree_inv();
    let n_inv = (ni.value.to_u64(), ni.quotient.to_u64());
    match b {
        // SAFETY: `supported` checked the CPU features.
        Backend::Avx512 => unsafe { inverse_avx512(&tb, a, n_inv) },
        // SAFETY: as above, and q < 2^50.
        Backend::Avx512Ifma => unsafe { inverse_ifma(&tb, a, n_inv) },
        _ => return false,
    }
    true
}

#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn forward_avx512(tb: &avx512::Tables<'_>, a: &mut [u64]) {
    // SAFETY: the features are enabled on this function.
    unsafe { avx512::forward::<mul::Wide>(tb, a) }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
unsafe fn forward_ifma(tb: &avx512::Tables<'_>, a: &mut [u64]) {
    // SAFETY: the features are enabled on this function; q < 2^50.
    unsafe { avx512::forward::<mul::Ifma>(tb, a) }
}

#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn inverse_avx512(tb: &avx512::Tables<'_>, a: &mut [u64], n_inv: (u64, u64)) {
    // SAFETY: the features are enabled on this function.
    unsafe { avx512::inverse::<mul::Wide>(tb, a, n_inv) }
}

#[target_feature(enable = "avx512f,avx512dq,avx512ifma")]
unsafe fn inverse_ifma(tb: &avx512::Tables<'_>, a: &mut [u64], n_inv: (u64, u64)) {
    // SAFETY: the features are enabled on this function; q < 2^50.
    unsafe { avx512::inverse::<mul::Ifma>(tb, a, n_inv) }
}
