//! [`Bootstrapping`]: the [`Refresh`] of a compiled network's bootstrap
//! steps — its values divided by the step's range on the way in and
//! multiplied back on the way out by reading the scale differently (the
//! scaling is in [`crate::compiler::bootstrap`]'s module docs). In
//! [`BootMode::Pair`] a source's ciphertexts are refreshed two by one
//! bootstrap ([`Bootstrapper::bootstrap_pair`]; network values are real),
//! an odd last one paired with itself, so the key schedule is the same for
//! every bootstrap. Counts the bootstraps it ran.

use crate::compiler::Refresh;
use crate::error::Result;
use crate::layers::Ct;
use hearth_kernels::ckks::boot::{BootKeySource, BootMode, Bootstrapper};
use hearth_kernels::ckks::{CkksError, Evaluator};
use hearth_kernels::ntt::NttEngine;

/// Refreshes ciphertexts with `boot` and the keys of `keys`.
#[derive(Debug)]
pub struct Bootstrapping<'a, K> {
    boot: &'a Bootstrapper<u64>,
    keys: &'a mut K,
    mode: BootMode,
    count: usize,
}

impl<'a, K> Bootstrapping<'a, K> {
    /// A refresh by `boot` with `keys`, one bootstrap per ciphertext.
    pub fn new(boot: &'a Bootstrapper<u64>, keys: &'a mut K) -> Self {
        Self::in_mode(boot, keys, BootMode::Single)
    }

    /// A refresh by `boot` with `keys` whose bootstraps run in `mode` (the
    /// key source must follow that mode's key schedule).
    pub fn in_mode(boot: &'a Bootstrapper<u64>, keys: &'a mut K, mode: BootMode) -> Self {
        Bootstrapping {
            boot,
            keys,
            mode,
            count: 0,
        }
    }

    /// Bootstraps run so far (a pair counts once).
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The scale to read a ciphertext of scale `scale` at, holding values
    /// up to `range`: `scale·range`, at most the largest the mode accepts.
    fn read_as(&self, scale: f64, range: f64) -> f64 {
        let max = match self.mode {
            BootMode::Single => self.boot.max_input_scale(),
            BootMode::Pair => self.boot.max_input_scale() / 2.0,
        };
        (scale * range).min(max)
    }
}

impl<K: BootKeySource<u64>> Bootstrapping<'_, K> {
    /// `a` (and `b`, in [`BootMode::Pair`]) refreshed by one bootstrap,
    /// read at `R·Δ` (at most the largest scale accepted) so they hold
    /// `m/R`, and their outputs' scales divided by the same factor. A
    /// pair without `b` pairs `a` with itself; [`BootMode::Single`] takes
    /// no `b`.
    fn bootstrap_scaled<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        a: &Ct,
        b: Option<&Ct>,
        range: f64,
    ) -> Result<(Ct, Option<Ct>)> {
        if let Some(b) = b {
            // One source's ciphertexts share their scale; reading `b` at
            // `a`'s would change its values otherwise.
            if b.scale() != a.scale() {
                return Err(CkksError::ScaleMismatch {
                    left: a.scale(),
                    right: b.scale(),
                }
                .into());
            }
        }
        let read_as = self.read_as(a.scale(), range);
        let factor = read_as / a.scale();
        let read = |x: &Ct| {
            let mut x = x.clone();
            x.set_scale(read_as);
            x
        };
        let a = read(a);
        let (mut y, mut z) = match (self.mode, b) {
            (BootMode::Single, _) => (self.boot.bootstrap(ev, self.keys, &a)?, None),
            (BootMode::Pair, b) => {
                let b = b.map(read);
                let (y, z) =
                    self.boot
                        .bootstrap_pair(ev, self.keys, &a, b.as_ref().unwrap_or(&a))?;
                (y, b.map(|_| z))
            }
        };
        self.count += 1;
        y.set_scale(y.scale() / factor);
        if let Some(z) = z.as_mut() {
            z.set_scale(z.scale() / factor);
        }
        Ok((y, z))
    }
}

impl<E: NttEngine<u64>, K: BootKeySource<u64>> Refresh<E> for Bootstrapping<'_, K> {
    fn refresh(&mut self, ev: &mut Evaluator<'_, u64, E>, ct: &Ct, range: f64) -> Result<Ct> {
        Ok(self.bootstrap_scaled(ev, ct, None, range)?.0)
    }

    fn refresh_all(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        cts: &[Ct],
        range: f64,
    ) -> Result<Vec<Ct>> {
        let per_bootstrap = match self.mode {
            BootMode::Single => 1,
            BootMode::Pair => 2,
        };
        let mut out = Vec::with_capacity(cts.len());
        for group in cts.chunks(per_bootstrap) {
            let (y, z) = self.bootstrap_scaled(ev, &group[0], group.get(1), range)?;
            out.push(y);
            out.extend(z);
        }
        Ok(out)
    }
}
