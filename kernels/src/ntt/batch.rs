//! Transforms of a batch of RNS limbs with plans stored side by side.

use super::engine::{NttEngine, SoftwareNtt};
use super::plan::NttPlan;
use crate::arith::Word;
use crate::error::Error;

/// Forward NTT of `plans.len()` limbs stored one after another in `limbs`
/// (limb `i` occupies `limbs[i·N..(i+1)·N]` and uses `plans[i]`), in software.
///
/// Errors with [`Error::LengthMismatch`] if `limbs.len() ≠ plans.len()·N` or
/// the plans disagree on `N`.
pub fn forward_limbs<W: Word, S: AsRef<[W]> + Sync>(
    plans: &[NttPlan<W, S>],
    limbs: &mut [W],
) -> Result<(), Error> {
    for_each_limb(plans, limbs, |p, l| SoftwareNtt.forward(&[p], l))
}

/// Inverse NTT of a batch of limbs (layout as in [`forward_limbs`]).
pub fn inverse_limbs<W: Word, S: AsRef<[W]> + Sync>(
    plans: &[NttPlan<W, S>],
    limbs: &mut [W],
) -> Result<(), Error> {
    for_each_limb(plans, limbs, |p, l| SoftwareNtt.inverse(&[p], l))
}

fn for_each_limb<W: Word, S: AsRef<[W]> + Sync>(
    plans: &[NttPlan<W, S>],
    limbs: &mut [W],
    mut f: impl FnMut(&NttPlan<W, S>, &mut [W]) -> Result<(), Error>,
) -> Result<(), Error> {
    let n = plans.first().map_or(0, NttPlan::degree);
    if plans.iter().any(|p| p.degree() != n) || limbs.len() != plans.len() * n {
        return Err(Error::LengthMismatch {
            expected: plans.len() * n,
            actual: limbs.len(),
        });
    }
    for (plan, limb) in plans.iter().zip(limbs.chunks_exact_mut(n.max(1))) {
        f(plan, limb)?;
    }
    Ok(())
}
