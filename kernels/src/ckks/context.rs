//! The CKKS context: parameters, ring, encoder and precomputed constants.

use alloc::vec::Vec;

use super::encoding::Encoder;
use super::params::CkksParams;
use super::CkksError;
use crate::arith::{ShoupOperand, Word};
use crate::poly::{Basis, RingContext};
use crate::rns::{product_mod, BaseConverter, RescaleConstants};

/// Everything derived once from a [`CkksParams`] for one word type.
#[derive(Debug, Clone)]
pub struct CkksContext<W: Word> {
    params: CkksParams,
    ring: RingContext<W>,
    encoder: Encoder,
    /// `rescale[l]` divides by `q_l` in the basis `q_0..q_(l-1)` (`l ≥ 1`).
    rescale: Vec<RescaleConstants<W>>,
    /// Fast base conversion from `P` to the whole chain.
    p_to_q: BaseConverter<W>,
    /// `P^-1 mod q_i`.
    p_inv: Vec<ShoupOperand<W>>,
    /// `P mod q_i`.
    p_mod_q: Vec<W>,
}

impl<W: Word> CkksContext<W> {
    /// Builds the context (NTT plans for every prime, encoder tables).
    pub fn new(params: CkksParams) -> Result<Self, CkksError> {
        let n = params.degree();
        let ring = RingContext::<W>::new(n, params.chain(), params.special())?;
        let encoder = Encoder::new(params.log_degree())?;
        let q = ring.q_moduli();
        let p = ring.p_moduli();
        let mut rescale = Vec::with_capacity(q.len());
        for l in 0..q.len() {
            // Level 0 cannot be rescaled; keep a placeholder for indexing.
            let (others, last) = if l == 0 {
                (&q[..0], &q[0])
            } else {
                (&q[..l], &q[l])
            };
            rescale.push(RescaleConstants::new(others, last)?);
        }
        let p_to_q = BaseConverter::new(p, q)?;
        let mut p_inv = Vec::with_capacity(q.len());
        let mut p_mod_q = Vec::with_capacity(q.len());
        for qi in q {
            let pm = product_mod(p, qi);
            let inv = qi.inv_vartime(pm).ok_or(CkksError::InvalidParameters(
                "special primes must differ from the chain primes",
            ))?;
            p_inv.push(ShoupOperand::new(qi, inv));
            p_mod_q.push(pm);
        }
        Ok(Self {
            params,
            ring,
            encoder,
            rescale,
            p_to_q,
            p_inv,
            p_mod_q,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &CkksParams {
        &self.params
    }
    /// The ring (moduli and NTT plans).
    pub fn ring(&self) -> &RingContext<W> {
        &self.ring
    }
    /// The encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }
    /// `N`.
    pub fn degree(&self) -> usize {
        self.ring.degree()
    }
    /// The top level `L`.
    pub fn max_level(&self) -> usize {
        self.ring.num_q() - 1
    }
    /// The basis of a ciphertext at `level`.
    pub fn level_basis(&self, level: usize) -> Basis {
        Basis { q: level + 1, p: 0 }
    }
    /// The key-switching basis at `level`: `q_0..q_level` and all of `P`.
    pub fn extended_basis(&self, level: usize) -> Basis {
        Basis {
            q: level + 1,
            p: self.ring.num_p(),
        }
    }
    /// The full basis `Q ∪ P`.
    pub fn full_basis(&self) -> Basis {
        self.extended_basis(self.max_level())
    }
    pub(crate) fn rescale_constants(&self, level: usize) -> &RescaleConstants<W> {
        &self.rescale[level]
    }
    pub(crate) fn p_to_q(&self) -> &BaseConverter<W> {
        &self.p_to_q
    }
    pub(crate) fn p_inv(&self) -> &[ShoupOperand<W>] {
        &self.p_inv
    }
    pub(crate) fn p_mod_q(&self) -> &[W] {
        &self.p_mod_q
    }
    /// Checks a level against the chain.
    pub fn check_level(&self, level: usize) -> Result<(), CkksError> {
        if level > self.max_level() {
            return Err(CkksError::InvalidParameters(
                "level above the top of the chain",
            ));
        }
        Ok(())
    }
}
