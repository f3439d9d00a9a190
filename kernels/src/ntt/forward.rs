//! Forward transform (merged Cooley–Tukey, Harvey butterflies).

use super::backend::Backend;
use super::plan::NttPlan;
use crate::arith::shoup::lazy_mul_shoup;
use crate::arith::Word;
use crate::error::Error;

impl<W: Word, S: AsRef<[W]>> NttPlan<W, S> {
    /// Forward NTT in place: natural-order coefficients in `[0, q)` in,
    /// bit-reversed evaluations `a(ψ^(2·brv(i)+1))` in `[0, q)` out.
    ///
    /// Errors with [`Error::LengthMismatch`] unless `a.len() == N`.
    pub fn forward(&self, a: &mut [W]) -> Result<(), Error> {
        self.forward_with(self.backend(), a)
    }

    /// [`Self::forward`] with a chosen backend; every backend gives the same
    /// output. Errors with [`Error::BackendUnavailable`] if `backend` cannot
    /// run here, and [`Error::LengthMismatch`] unless `a.len() == N`.
    pub fn forward_with(&self, backend: Backend, a: &mut [W]) -> Result<(), Error> {
        self.check_len(a.len())?;
        if !backend.is_supported::<W>(self.modulus().bits()) {
            return Err(Error::BackendUnavailable {
                backend: backend.name(),
                modulus_bits: self.modulus().bits(),
            });
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if super::x86::forward(self, backend, a) {
            return Ok(());
        }
        // The portable backend, or a degree a SIMD backend leaves to it.
        self.forward_portable(a);
        Ok(())
    }

    fn forward_portable(&self, a: &mut [W]) {
        self.forward_lazy_portable(a);
        let m = *self.modulus();
        for x in a.iter_mut() {
            *x = m.reduce_from_4q(*x);
        }
    }

    /// The forward butterflies without the final reduction: inputs in
    /// `[0, 4q)`, outputs in `[0, 4q)`. `a.len()` must be `N`.
    pub fn forward_lazy_portable(&self, a: &mut [W]) {
        debug_assert_eq!(a.len(), self.degree());
        let q = self.modulus().value();
        let two_q = q.wrapping_add(q);
        let n = self.degree();
        let w = self.forward_twiddles();
        let ws = self.forward_twiddles_shoup();
        let mut t = n;
        let mut m = 1;
        while m < n {
            t >>= 1;
            for (i, block) in a.chunks_exact_mut(2 * t).enumerate() {
                let (wv, wq) = (w[m + i], ws[m + i]);
                let (lo, hi) = block.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let u = core::cmp::min(*x, x.wrapping_sub(two_q));
                    let v = lazy_mul_shoup(*y, wv, wq, q);
                    *x = u.wrapping_add(v);
                    *y = u.wrapping_sub(v).wrapping_add(two_q);
                }
            }
            m <<= 1;
        }
    }
}
