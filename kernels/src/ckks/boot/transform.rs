//! One level of a homomorphic DFT: a diagonal matrix product evaluated
//! with baby-step giant-step rotations.
//!
//! (Halevi and Shoup, "Algorithms in HElib", CRYPTO 2014, §4.) With the
//! diagonal offsets `k = g + j`, `j = k mod b`:
//! `M·x = Σ_g rot_g( Σ_j rot_(−g)(d_(g+j)) ⊙ rot_j(x) )`, so only the baby
//! rotations `rot_j(x)` and one giant rotation per `g` are key switches;
//! the plaintexts `rot_(−g)(d_k)` are encoded once, at scale `q_l` of the
//! level `l` they are used at, and one rescale ends the level. `b` is the
//! power of two that minimises the number of rotations. The baby steps are
//! hoisted: `x` is decomposed for key switching once
//! ([`crate::ckks::eval::Evaluator::hoist`]); the inner sums of all giant
//! steps are taken in one limb-major pass over the baby rotations
//! ([`crate::ckks::eval::Evaluator::mul_plain_sums`]), bit-identical with
//! summing the products one by one.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::super::encrypt::Encryptor;
use super::super::keys::rotation_galois_element;
use super::super::types::{Ciphertext, Plaintext};
use super::super::{CkksContext, CkksError, Evaluator};
use super::key_source::BootKeySource;
use super::linear::LinearMap;
use crate::arith::Word;
use crate::ntt::NttEngine;

/// The plaintexts of one giant step: `(g, Galois element of g, [(j, pt)])`.
type GiantStep<W> = (usize, usize, Vec<(usize, Plaintext<W>)>);

/// A [`LinearMap`] encoded for one level.
#[derive(Debug, Clone)]
pub struct EncodedTransform<W: Word> {
    level: usize,
    /// Baby steps `(j, Galois element)`, `j ≠ 0`, ascending.
    baby: Vec<(usize, usize)>,
    /// Per giant step `g` (ascending, with its Galois element; `0` for
    /// `g = 0`): the plaintexts by baby step.
    giant: Vec<GiantStep<W>>,
}

/// The baby-step size minimising the rotations for these offsets.
fn best_baby(offsets: &BTreeSet<usize>, n: usize) -> usize {
    let cost = |b: usize| {
        let babies: BTreeSet<usize> = offsets.iter().map(|k| k % b).filter(|&j| j != 0).collect();
        let giants: BTreeSet<usize> = offsets
            .iter()
            .map(|k| k - k % b)
            .filter(|&g| g != 0)
            .collect();
        babies.len() + giants.len()
    };
    let mut best = (usize::MAX, 1);
    let mut b = 1;
    while b <= n {
        let c = cost(b);
        if c < best.0 {
            best = (c, b);
        }
        b *= 2;
    }
    best.1
}

impl<W: Word> EncodedTransform<W> {
    /// Encodes `map` for ciphertexts at `level`.
    pub fn new<E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        map: &LinearMap,
        level: usize,
    ) -> Result<Self, CkksError> {
        let n = map.slots();
        let degree = ctx.degree();
        let offsets: BTreeSet<usize> = map.diagonals().keys().copied().collect();
        let b = best_baby(&offsets, n);
        let scale = ctx.ring().modulus(level).value().to_u64() as f64;
        let enc = Encryptor::new(ctx);
        let mut giants: BTreeMap<usize, Vec<(usize, Plaintext<W>)>> = BTreeMap::new();
        let mut babies = BTreeSet::new();
        let mut values = alloc::vec![(0.0, 0.0); n];
        for (&k, d) in map.diagonals() {
            let (j, g) = (k % b, k - k % b);
            // rot_(−g)(d): values[p] = d[p − g].
            for (p, v) in values.iter_mut().enumerate() {
                let x = d[(p + n - g) % n];
                *v = (x.re, x.im);
            }
            let pt = enc.encode_complex(engine, &values, scale, level)?;
            giants.entry(g).or_default().push((j, pt));
            if j != 0 {
                babies.insert(j);
            }
        }
        let elt = |s: usize| rotation_galois_element(degree, s as i64);
        Ok(Self {
            level,
            baby: babies.into_iter().map(|j| (j, elt(j))).collect(),
            giant: giants
                .into_iter()
                .map(|(g, pts)| (g, if g == 0 { 0 } else { elt(g) }, pts))
                .collect(),
        })
    }

    /// The level the transform takes its input at.
    pub fn level(&self) -> usize {
        self.level
    }

    /// Bytes of the encoded plaintexts.
    pub fn bytes(&self) -> usize {
        self.giant
            .iter()
            .flat_map(|(_, _, pts)| pts)
            .map(|(_, pt)| core::mem::size_of_val(pt.poly().data()))
            .sum()
    }

    /// The Galois elements in order of use, with the level of each switch.
    pub fn galois_uses(&self) -> Vec<(usize, usize)> {
        self.baby
            .iter()
            .map(|&(_, e)| (e, self.level))
            .chain(
                self.giant
                    .iter()
                    .filter(|(g, _, _)| *g != 0)
                    .map(|&(_, e, _)| (e, self.level)),
            )
            .collect()
    }

    /// `M·x`, one level down.
    pub fn apply<E: NttEngine<W>, K: BootKeySource<W>>(
        &self,
        ev: &mut Evaluator<'_, W, E>,
        keys: &mut K,
        x: &Ciphertext<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        if x.level() != self.level {
            return Err(CkksError::LevelMismatch {
                left: x.level(),
                right: self.level,
            });
        }
        let mut rots: BTreeMap<usize, Ciphertext<W>> = BTreeMap::new();
        rots.insert(0, x.clone());
        if !self.baby.is_empty() {
            // The baby steps share one ModUp (hoisting).
            let h = ev.hoist(x)?;
            for &(j, e) in &self.baby {
                let r = ev.apply_galois_hoisted(&h, e, keys.galois_key(e)?)?;
                rots.insert(j, r);
            }
        }
        // Every giant step's inner sum in one limb-major pass.
        let index: BTreeMap<usize, usize> = rots.keys().enumerate().map(|(i, &j)| (j, i)).collect();
        let xs: Vec<&Ciphertext<W>> = rots.values().collect();
        let mut rows: Vec<Vec<Option<&Plaintext<W>>>> = Vec::with_capacity(self.giant.len());
        for (_, _, pts) in &self.giant {
            let mut row = alloc::vec![None; xs.len()];
            for (j, pt) in pts {
                let i = index.get(j).ok_or(CkksError::InvalidParameters(
                    "a diagonal without its baby step",
                ))?;
                row[*i] = Some(pt);
            }
            rows.push(row);
        }
        let inners = ev.mul_plain_sums(&xs, &rows)?;
        let mut acc: Option<Ciphertext<W>> = None;
        for ((g, e, _), inner) in self.giant.iter().zip(inners) {
            let Some(mut inner) = inner else { continue };
            if *g != 0 {
                inner = ev.apply_galois_key(&inner, *e, keys.galois_key(*e)?)?;
            }
            acc = Some(match acc {
                None => inner,
                Some(a) => ev.add(&a, &inner)?,
            });
        }
        let acc = acc.ok_or(CkksError::InvalidParameters("empty linear transform"))?;
        ev.rescale(&acc)
    }
}
