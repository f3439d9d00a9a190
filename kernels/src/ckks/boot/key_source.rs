//! Where bootstrapping gets its keys: a trait, so that the host can stream
//! them level by level from persistent memory, and an in-memory source.
//!
//! ## For callers (the bootstrapper)
//! [`crate::ckks::boot::Bootstrapper::bootstrap`] asks for every Galois key
//! exactly in the order of [`crate::ckks::boot::Bootstrapper::key_schedule`]
//! (one request per use, repeats included) and for the relinearization key
//! once per EvalMod. A reference it gets is used before the next request.
//!
//! ## For implementors
//! Return the key of the requested Galois element `k` (`X → X^k`), or
//! [`CkksError::MissingGaloisKey`] naming `k`; the relinearization key or
//! [`CkksError::MissingRelinKey`]. A streaming source may evict the
//! previous key when asked for the next one: the bootstrapper never holds
//! two Galois keys at once.

use alloc::vec::Vec;

use rand_core::Rng;

use super::super::keys::{GaloisKeys, KeySwitchKey, RelinKey, SecretKey};
use super::super::{CkksContext, CkksError};
use super::Bootstrapper;
use crate::arith::Word;
use crate::ntt::NttEngine;

/// Supplies the evaluation keys of one bootstrap.
pub trait BootKeySource<W: Word> {
    /// The key-switching key of the automorphism `X → X^galois_element`.
    fn galois_key(&mut self, galois_element: usize) -> Result<&KeySwitchKey<W>, CkksError>;
    /// The relinearization key.
    fn relin_key(&mut self) -> Result<&RelinKey<W>, CkksError>;
}

/// Every bootstrapping key held in memory.
#[derive(Debug, Clone)]
pub struct MemoryKeySource<W: Word> {
    /// The Galois keys, by element.
    pub galois: GaloisKeys<W>,
    /// The relinearization key (absent: requests fail with
    /// [`CkksError::MissingRelinKey`]).
    pub relin: Option<RelinKey<W>>,
}

impl<W: Word> MemoryKeySource<W> {
    /// Generates the relinearization key and the Galois key of every
    /// element of `boot.galois_elements()`, in that order.
    pub fn generate<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        sk: &SecretKey<W>,
        boot: &Bootstrapper<W>,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let relin = RelinKey::generate(ctx, engine, sk, rng)?;
        let elements: Vec<usize> = boot.galois_elements();
        let galois = GaloisKeys::generate(ctx, engine, sk, &elements, rng)?;
        Ok(Self {
            galois,
            relin: Some(relin),
        })
    }
}

impl<W: Word> BootKeySource<W> for MemoryKeySource<W> {
    fn galois_key(&mut self, galois_element: usize) -> Result<&KeySwitchKey<W>, CkksError> {
        self.galois
            .get(galois_element)
            .ok_or(CkksError::MissingGaloisKey { galois_element })
    }
    fn relin_key(&mut self) -> Result<&RelinKey<W>, CkksError> {
        self.relin.as_ref().ok_or(CkksError::MissingRelinKey)
    }
}

/// The phase of a bootstrap a key is used in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootPhase {
    /// The trace that projects a sparse message (rotations by multiples of
    /// the slot count).
    SubSum,
    /// CoeffsToSlots, level `i` (0 = applied first).
    CoeffsToSlots(usize),
    /// The conjugation that splits real and imaginary parts.
    Conjugate,
    /// SlotsToCoeffs, level `i` (0 = applied first).
    SlotsToCoeffs(usize),
    /// The conjugation that separates the two ciphertexts of a pair
    /// bootstrap.
    SplitPair,
}

/// One use of a Galois key, in the order of a bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUse {
    /// Where it is used.
    pub phase: BootPhase,
    /// The Galois element.
    pub galois_element: usize,
    /// The ciphertext level at which the key switch runs.
    pub level: usize,
}

/// Bytes of one key-switching key for `ctx` (`dnum` digits of two
/// polynomials over `Q ∪ P`, one machine word per residue): what a source
/// moves per Galois key.
pub fn key_switch_key_bytes<W: Word>(ctx: &CkksContext<W>) -> usize {
    let digits = (ctx.max_level() + 1).div_ceil(ctx.params().alpha());
    let limbs = ctx.full_basis().len();
    digits * 2 * limbs * ctx.degree() * core::mem::size_of::<W>()
}

/// Bytes of a key-switching key that a switch at `level` reads: the digits
/// covering `q_0..q_level`, each over `q_0..q_level` and `P` only. A
/// streaming source can move just these (the rest of the key is unused
/// below the top level).
pub fn key_switch_key_bytes_at_level<W: Word>(ctx: &CkksContext<W>, level: usize) -> usize {
    let l1 = (level + 1).min(ctx.max_level() + 1);
    let digits = l1.div_ceil(ctx.params().alpha());
    let limbs = ctx.extended_basis(l1 - 1).len();
    digits * 2 * limbs * ctx.degree() * core::mem::size_of::<W>()
}
