//! Plaintexts and ciphertexts.

use crate::arith::Word;
use crate::poly::RnsPoly;

/// An encoded message: one polynomial in the NTT domain at a level, with
/// its scale.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct Plaintext<W: Word> {
    pub(crate) poly: RnsPoly<W>,
    pub(crate) scale: f64,
}

impl<W: Word> Plaintext<W> {
    /// The level (number of chain primes minus one).
    pub fn level(&self) -> usize {
        self.poly.basis().q - 1
    }
    /// The scale `Δ`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// The polynomial (NTT domain).
    pub fn poly(&self) -> &RnsPoly<W> {
        &self.poly
    }
    /// Checks a plaintext from an untrusted source against `ctx`: degree,
    /// a chain basis (no special primes), domain, every residue, and the
    /// scale ([`super::encoding::check_scale`]).
    pub fn validate(&self, ctx: &super::CkksContext<W>) -> Result<(), super::CkksError> {
        let basis = self.poly.basis();
        if basis.p != 0 {
            return Err(super::CkksError::Malformed("not a plaintext"));
        }
        super::encoding::check_scale(self.scale)?;
        self.poly
            .validate(ctx.ring(), basis, crate::poly::Domain::Ntt)
    }
}

/// A CKKS ciphertext `(c0, c1)` with `c0 + c1·s ≈ Δ·m`, both polynomials in
/// the NTT domain at the same level.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct Ciphertext<W: Word> {
    pub(crate) c0: RnsPoly<W>,
    pub(crate) c1: RnsPoly<W>,
    pub(crate) scale: f64,
}

impl<W: Word> Ciphertext<W> {
    /// The level.
    pub fn level(&self) -> usize {
        self.c0.basis().q - 1
    }
    /// The scale `Δ`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// `c0`.
    pub fn c0(&self) -> &RnsPoly<W> {
        &self.c0
    }
    /// `c1`.
    pub fn c1(&self) -> &RnsPoly<W> {
        &self.c1
    }
    /// Checks a ciphertext from an untrusted source against `ctx`: degree,
    /// basis, domain, every residue and the scale
    /// ([`super::encoding::check_scale`]). The object does not record which
    /// primes it was made with; the byte format does (use
    /// [`Ciphertext::from_le_bytes`] to also check the primes).
    pub fn validate(&self, ctx: &super::CkksContext<W>) -> Result<(), super::CkksError> {
        let basis = self.c0.basis();
        if basis.p != 0 {
            return Err(super::CkksError::Malformed("not a ciphertext"));
        }
        super::encoding::check_scale(self.scale)?;
        self.c0
            .validate(ctx.ring(), basis, crate::poly::Domain::Ntt)?;
        self.c1
            .validate(ctx.ring(), basis, crate::poly::Domain::Ntt)
    }

    /// Overrides the tracked scale (for callers that manage scales exactly,
    /// for example after multiplying by a constant they encoded themselves).
    pub fn set_scale(&mut self, scale: f64) {
        self.scale = scale;
    }
}

/// A ciphertext product before relinearization, `(d_0, d_1, d_2)`
/// decrypting as `d_0 + d_1·s + d_2·s²` (NTT domain): what
/// [`super::Evaluator::multiply_unrelinearized`] gives. Linear combinations
/// of such products stay of degree two
/// ([`super::Evaluator::mul_const_sums_unrelinearized`]), so a layer can
/// sum many products and relinearize each of its outputs once
/// ([`super::Evaluator::relinearize`]) instead of every product.
#[derive(Debug, Clone, PartialEq)]
pub struct Unrelinearized<W: Word> {
    pub(crate) d0: RnsPoly<W>,
    pub(crate) d1: RnsPoly<W>,
    pub(crate) d2: RnsPoly<W>,
    pub(crate) scale: f64,
}

impl<W: Word> Unrelinearized<W> {
    /// The level.
    pub fn level(&self) -> usize {
        self.d0.basis().q - 1
    }
    /// The scale `Δ`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}
