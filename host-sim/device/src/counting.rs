//! The NTT engine a run uses, wrapped to count every transform.

use hearth_kernels::arith::Word;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};

/// Wraps an engine and counts the limbs it transforms (one NTT per limb).
#[derive(Debug, Clone, Default)]
pub struct Counting<E> {
    /// The wrapped engine.
    pub inner: E,
    /// Forward NTTs so far.
    pub forward: u64,
    /// Inverse NTTs so far.
    pub inverse: u64,
}

impl<E> Counting<E> {
    /// Wraps `inner`.
    pub fn new(inner: E) -> Self {
        Counting {
            inner,
            forward: 0,
            inverse: 0,
        }
    }

    /// All NTTs so far.
    pub fn total(&self) -> u64 {
        self.forward + self.inverse
    }
}

// Jobs run where the wrapped engine runs them (they are not NTTs and are
// not counted).
hearth_kernels::forward_jobs!(Counting, inner);

impl<W: Word, E: NttEngine<W>> NttEngine<W> for Counting<E> {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.forward += plans.len() as u64;
        self.inner.forward(plans, limbs)
    }

    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.inverse += plans.len() as u64;
        self.inner.inverse(plans, limbs)
    }
}

/// The software engine, counted.
pub type Soft = Counting<SoftwareNtt>;
