//! [`Bootstrapping`]: the [`Refresh`] of a compiled network's bootstrap
//! steps — one bootstrap per ciphertext, its values divided by the step's
//! range on the way in and multiplied back on the way out by reading the
//! scale differently (the scaling is in [`crate::compiler::bootstrap`]'s
//! module docs). Counts the bootstraps it ran.

use crate::compiler::Refresh;
use crate::error::Result;
use crate::layers::Ct;
use hearth_kernels::ckks::boot::{BootKeySource, Bootstrapper};
use hearth_kernels::ckks::Evaluator;
use hearth_kernels::ntt::NttEngine;

/// Refreshes ciphertexts with `boot` and the keys of `keys`.
#[derive(Debug)]
pub struct Bootstrapping<'a, K> {
    boot: &'a Bootstrapper<u64>,
    keys: &'a mut K,
    count: usize,
}

impl<'a, K> Bootstrapping<'a, K> {
    /// A refresh by `boot` with `keys`.
    pub fn new(boot: &'a Bootstrapper<u64>, keys: &'a mut K) -> Self {
        Bootstrapping {
            boot,
            keys,
            count: 0,
        }
    }

    /// Bootstraps run so far.
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }
}

impl<E: NttEngine<u64>, K: BootKeySource<u64>> Refresh<E> for Bootstrapping<'_, K> {
    fn refresh(&mut self, ev: &mut Evaluator<'_, u64, E>, ct: &Ct, range: f64) -> Result<Ct> {
        // Read at scale R·Δ (at most the largest accepted), the ciphertext
        // holds m/R.
        let read_as = (ct.scale() * range).min(self.boot.max_input_scale());
        let factor = read_as / ct.scale();
        let mut x = ct.clone();
        x.set_scale(read_as);
        let mut y = self.boot.bootstrap(ev, self.keys, &x)?;
        y.set_scale(y.scale() / factor);
        self.count += 1;
        Ok(y)
    }
}
