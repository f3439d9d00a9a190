//! The seam between the ring arithmetic and whatever runs its NTTs.
//!
//! Everything in hearth that multiplies polynomials (the CKKS evaluator,
//! key switching, the neural-network runtime) calls an [`NttEngine`] and never
//! knows whether the transforms run in software on the local CPU
//! ([`SoftwareNtt`]), on the FPGA pipeline through its driver, or on a
//! fallback wrapper around the pipeline (`hearth-hal` provides both).
//!
//! ## For callers
//! A batch is `plans.len()` limbs stored one after another in `limbs`: limb
//! `i` is `limbs[i·N..(i+1)·N]` and is transformed with `plans[i]`. Inputs are
//! in `[0, q_i)`; outputs are fully reduced and follow the NTT convention of
//! [`crate::ntt`] exactly, whatever the engine.
//!
//! ## For implementors
//! Every implementation must produce bit-identical outputs to
//! [`SoftwareNtt`]. On failure, `limbs` may hold partial results; the caller
//! must treat them as garbage. Check lengths with [`check_batch`].

use super::plan::NttPlan;
use crate::arith::Word;
use crate::error::Error;
use crate::jobs::Jobs;

/// Runs batches of forward and inverse NTTs, and (as a [`Jobs`] runner) the
/// limb-wise work between them: an engine that runs its transforms on
/// several threads can run the base conversions and inner products of key
/// switching there too.
pub trait NttEngine<W: Word>: Jobs {
    /// Forward NTT of every limb of the batch (natural → bit-reversed).
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error>;
    /// Inverse NTT of every limb of the batch (bit-reversed → natural).
    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error>;
}

/// A mutable borrow of an engine is an engine (as `embedded-hal` does for
/// `&mut T`), so an evaluator that owns its engine can be lent one for a
/// while and the caller keeps it afterwards.
impl<W: Word, E: NttEngine<W> + ?Sized> NttEngine<W> for &mut E {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error> {
        (**self).forward(plans, limbs)
    }

    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error> {
        (**self).inverse(plans, limbs)
    }
}

/// The kernels' own NTT on the local CPU: the reference engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct SoftwareNtt;

/// Jobs run in order on the calling thread.
impl Jobs for SoftwareNtt {}

impl<W: Word> NttEngine<W> for SoftwareNtt {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error> {
        each_limb(plans, limbs, |p, l| p.forward(l))
    }

    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error> {
        each_limb(plans, limbs, |p, l| p.inverse(l))
    }
}

/// Checks the batch, then applies `f` to each (plan, limb) pair in order.
fn each_limb<W: Word, S: AsRef<[W]>>(
    plans: &[&NttPlan<W, S>],
    limbs: &mut [W],
    f: impl Fn(&NttPlan<W, S>, &mut [W]) -> Result<(), Error>,
) -> Result<(), Error> {
    let n = check_batch(plans, limbs.len())?;
    for (plan, limb) in plans.iter().zip(limbs.chunks_exact_mut(n.max(1))) {
        f(plan, limb)?;
    }
    Ok(())
}

/// Checks that all plans share one degree `N` and `len == plans.len()·N`;
/// returns `N` (0 for an empty batch).
pub fn check_batch<W: Word, S: AsRef<[W]>>(
    plans: &[&NttPlan<W, S>],
    len: usize,
) -> Result<usize, Error> {
    let n = plans.first().map_or(0, |p| p.degree());
    if let Some(p) = plans.iter().find(|p| p.degree() != n) {
        return Err(Error::LengthMismatch {
            expected: n,
            actual: p.degree(),
        });
    }
    if len != plans.len() * n {
        return Err(Error::LengthMismatch {
            expected: plans.len() * n,
            actual: len,
        });
    }
    Ok(n)
}
