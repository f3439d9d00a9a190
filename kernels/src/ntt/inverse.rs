//! Inverse transform (merged Gentleman–Sande, Harvey butterflies).

use super::backend::Backend;
use super::plan::NttPlan;
use crate::arith::shoup::lazy_mul_shoup;
use crate::arith::Word;
use crate::error::Error;

impl<W: Word, S: AsRef<[W]>> NttPlan<W, S> {
    /// Inverse NTT in place: bit-reversed evaluations in `[0, q)` in,
    /// natural-order coefficients in `[0, q)` out (`N^-1` applied).
    ///
    /// Errors with [`Error::LengthMismatch`] unless `a.len() == N`.
    pub fn inverse(&self, a: &mut [W]) -> Result<(), Error> {
        self.inverse_with(self.backend(), a)
    }

    /// [`Self::inverse`] with a chosen backend; every backend gives the same
    /// output. Errors as [`Self::forward_with`], and with
    /// [`Error::NoInverseTables`] for a forward-only plan.
    pub fn inverse_with(&self, backend: Backend, a: &mut [W]) -> Result<(), Error> {
        if !self.has_inverse() {
            return Err(Error::NoInverseTables {
                modulus: self.modulus().value().to_u64(),
                degree: self.degree(),
            });
        }
        self.check_len(a.len())?;
        if !backend.is_supported::<W>(self.modulus().bits()) {
            return Err(Error::BackendUnavailable {
                backend: backend.name(),
                modulus_bits: self.modulus().bits(),
            });
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if super::x86::inverse(self, backend, a) {
            return Ok(());
        }
        // The portable backend, or a degree a SIMD backend leaves to it.
        self.inverse_portable(a);
        Ok(())
    }

    fn inverse_portable(&self, a: &mut [W]) {
        self.inverse_lazy_portable(a);
        let m = *self.modulus();
        let n_inv = self.degree_inv();
        for x in a.iter_mut() {
            *x = n_inv.mul(&m, *x);
        }
    }

    /// The inverse butterflies without the `N^-1` scaling: inputs in
    /// `[0, 2q)`, outputs in `[0, 2q)`. `a.len()` must be `N`.
    pub fn inverse_lazy_portable(&self, a: &mut [W]) {
        debug_assert_eq!(a.len(), self.degree());
        let q = self.modulus().value();
        let two_q = q.wrapping_add(q);
        let n = self.degree();
        let w = self.inverse_twiddles();
        let ws = self.inverse_twiddles_shoup();
        let mut t = 1;
        let mut m = n;
        while m > 1 {
            let h = m >> 1;
            for (i, block) in a.chunks_exact_mut(2 * t).enumerate() {
                let (wv, wq) = (w[h + i], ws[h + i]);
                let (lo, hi) = block.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let (u, v) = (*x, *y);
                    let s = u.wrapping_add(v);
                    *x = core::cmp::min(s, s.wrapping_sub(two_q));
                    let d = u.wrapping_sub(v).wrapping_add(two_q);
                    *y = lazy_mul_shoup(d, wv, wq, q);
                }
            }
            t <<= 1;
            m = h;
        }
    }
}
