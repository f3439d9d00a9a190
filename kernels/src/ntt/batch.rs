//! Transforms of a batch of RNS limbs.

use super::plan::NttPlan;
use crate::arith::Word;
use crate::error::Error;

/// Forward NTT of `plans.len()` limbs stored one after another in `limbs`
/// (limb `i` occupies `limbs[i·N..(i+1)·N]` and uses `plans[i]`).
///
/// Errors with [`Error::LengthMismatch`] if `limbs.len() ≠ plans.len()·N` or
/// the plans disagree on `N`.
pub fn forward_limbs<W: Word, S: AsRef<[W]>>(
    plans: &[NttPlan<W, S>],
    limbs: &mut [W],
) -> Result<(), Error> {
    let n = check_batch(plans, limbs.len())?;
    for (plan, limb) in plans.iter().zip(limbs.chunks_exact_mut(n.max(1))) {
        plan.forward(limb)?;
    }
    Ok(())
}

/// Inverse NTT of a batch of limbs (layout as in [`forward_limbs`]).
pub fn inverse_limbs<W: Word, S: AsRef<[W]>>(
    plans: &[NttPlan<W, S>],
    limbs: &mut [W],
) -> Result<(), Error> {
    let n = check_batch(plans, limbs.len())?;
    for (plan, limb) in plans.iter().zip(limbs.chunks_exact_mut(n.max(1))) {
        plan.inverse(limb)?;
    }
    Ok(())
}

fn check_batch<W: Word, S: AsRef<[W]>>(
    plans: &[NttPlan<W, S>],
    len: usize,
) -> Result<usize, Error> {
    let n = plans.first().map_or(0, NttPlan::degree);
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
