//! Where the diagonal evaluation ([`crate::linear`]) gets its rotation
//! keys: a trait, so that the keys can live in memory
//! ([`GaloisKeys`]) or be read from the PMEM store one at a time
//! ([`crate::compiler::streamed::StoredRotationKeys`]).
//!
//! A rotation by `r` slots is the automorphism `X → X^{5^r}` followed by a
//! key switch with the Galois key of `5^r mod 2N`
//! ([`rotation_galois_element`]). A switch at level `l` reads only the
//! key's digits and limbs of `q_0..q_l ∪ P`, so a source may hand out a key
//! truncated to the level of the ciphertext it rotates: the switch, and so
//! the result, is the same bit for bit.

use crate::error::Result;
use crate::layers::Ct;
use hearth_kernels::ckks::{rotation_galois_element, CkksError, Evaluator, GaloisKeys, Hoisted};
use hearth_kernels::ntt::NttEngine;

/// Rotates ciphertexts with keys it holds or fetches.
pub trait RotationKeys {
    /// `x` rotated left by `step` slots (`x` itself, copied, when `step`
    /// is a multiple of the slot count).
    fn rotate<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        x: &Ct,
        step: i64,
    ) -> Result<Ct>;

    /// The ciphertext `h` was hoisted from ([`Evaluator::hoist`]), at
    /// `level`, rotated left by `step > 0` slots, sharing `h`'s
    /// decomposition.
    fn rotate_hoisted<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        h: &Hoisted<u64>,
        level: usize,
        step: i64,
    ) -> Result<Ct>;

    /// The evaluation of one sample has ended: a source that reads keys
    /// ahead may start on the next sample's first one. (Nothing by
    /// default.)
    fn end_sample(&mut self) {}
}

/// Keys in memory: a missing key is [`CkksError::MissingGaloisKey`]; a
/// plain rotation whose own key is absent is composed of power-of-two ones
/// when their keys are present ([`Evaluator::rotate`]).
impl RotationKeys for &GaloisKeys<u64> {
    fn rotate<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        x: &Ct,
        step: i64,
    ) -> Result<Ct> {
        Ok(ev.rotate(x, step, self)?)
    }

    fn rotate_hoisted<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        h: &Hoisted<u64>,
        _level: usize,
        step: i64,
    ) -> Result<Ct> {
        let k = rotation_galois_element(ev.context().degree(), step);
        let key = self
            .get(k)
            .ok_or(CkksError::MissingGaloisKey { galois_element: k })?;
        Ok(ev.apply_galois_hoisted(h, k, key)?)
    }
}
