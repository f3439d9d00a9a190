//! Fast base conversion and rescaling (see the module docs of [`crate::rns`]).

use alloc::vec::Vec;

use super::product_mod;
use crate::arith::{Modulus, ShoupOperand, Word};
use crate::error::Error;
use crate::jobs::{Jobs, Sequential};

/// Precomputed fast base conversion from a source basis to a target basis.
#[derive(Debug, Clone)]
pub struct BaseConverter<W: Word> {
    src: Vec<Modulus<W>>,
    dst: Vec<Modulus<W>>,
    /// `q̂_i^-1 mod q_i`.
    qhat_inv: Vec<ShoupOperand<W>>,
    /// `q̂_i mod t_j`, stored at `[j·k + i]`.
    qhat_mod_dst: Vec<ShoupOperand<W>>,
}

impl<W: Word> BaseConverter<W> {
    /// Precomputes the conversion from `src` to `dst`. The source moduli must
    /// be pairwise coprime (distinct primes).
    pub fn new(src: &[Modulus<W>], dst: &[Modulus<W>]) -> Result<Self, Error> {
        let mut qhat_inv = Vec::with_capacity(src.len());
        let mut others = Vec::with_capacity(src.len());
        for (i, qi) in src.iter().enumerate() {
            others.clear();
            others.extend(
                src.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, m)| *m),
            );
            let qhat = product_mod(&others, qi);
            let inv = qi.inv_vartime(qhat).ok_or(Error::NotPrime {
                modulus: qi.value().to_u64(),
            })?;
            qhat_inv.push(ShoupOperand::new(qi, inv));
        }
        let mut qhat_mod_dst = Vec::with_capacity(src.len() * dst.len());
        for t in dst {
            for i in 0..src.len() {
                others.clear();
                others.extend(
                    src.iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, m)| *m),
                );
                qhat_mod_dst.push(ShoupOperand::new(t, product_mod(&others, t)));
            }
        }
        Ok(Self {
            src: src.to_vec(),
            dst: dst.to_vec(),
            qhat_inv,
            qhat_mod_dst,
        })
    }

    /// The source moduli.
    pub fn source(&self) -> &[Modulus<W>] {
        &self.src
    }

    /// The target moduli.
    pub fn target(&self) -> &[Modulus<W>] {
        &self.dst
    }

    /// Converts `input` (`k` limbs of `n` residues, coefficient domain) into
    /// `output`, the first `m ≤ target().len()` target limbs (`m·n` words):
    /// `output_t = x + u·Q mod t`, `0 ≤ u < k`. `scratch` must hold `k·n`
    /// words.
    pub fn convert(
        &self,
        n: usize,
        input: &[W],
        output: &mut [W],
        scratch: &mut [W],
    ) -> Result<(), Error> {
        self.convert_on(&Sequential, n, input, output, scratch)
    }

    /// [`Self::convert`] with one job per source limb, then one per target
    /// limb, on `jobs` (bit-identical whatever runs them).
    pub fn convert_on<J: Jobs + ?Sized>(
        &self,
        jobs: &J,
        n: usize,
        input: &[W],
        output: &mut [W],
        scratch: &mut [W],
    ) -> Result<(), Error> {
        let k = self.src.len();
        check_len(input.len(), k * n)?;
        let m = output.len().checked_div(n).unwrap_or(0);
        if m > self.dst.len() {
            return Err(Error::LengthMismatch {
                expected: self.dst.len() * n,
                actual: output.len(),
            });
        }
        check_len(output.len(), m * n)?;
        check_len(scratch.len(), k * n)?;
        if n == 0 {
            return Ok(());
        }
        // y_i = [x_i · q̂_i^-1]_(q_i)
        jobs.each_chunk(scratch, n, &|i, y| {
            let (qi, inv) = (&self.src[i], &self.qhat_inv[i]);
            for (yc, &xc) in y.iter_mut().zip(&input[i * n..(i + 1) * n]) {
                *yc = inv.mul(qi, xc);
            }
        });
        let scratch = &*scratch;
        jobs.each_chunk(output, n, &|j, out| {
            let t = &self.dst[j];
            let tv = t.value();
            for i in 0..k {
                let c = self.qhat_mod_dst[j * k + i];
                let y = &scratch[i * n..(i + 1) * n];
                // Shoup works for any word yc; lazy result in [0, 2t).
                if i == 0 {
                    for (o, &yc) in out.iter_mut().zip(y) {
                        *o = t.reduce_once(c.lazy_mul(yc, tv));
                    }
                } else {
                    for (o, &yc) in out.iter_mut().zip(y) {
                        let p = t.reduce_once(c.lazy_mul(yc, tv));
                        *o = t.add(*o, p);
                    }
                }
            }
        });
        Ok(())
    }
}

fn check_len(actual: usize, expected: usize) -> Result<(), Error> {
    if actual == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch { expected, actual })
    }
}

/// Constants to divide by the last prime `q_l` of a basis, for each of the
/// other primes `q_i`: `q_l^-1 mod q_i` and `⌊q_l/2⌋ mod q_i`.
#[derive(Debug, Clone)]
pub struct RescaleConstants<W: Word> {
    /// `q_l^-1 mod q_i`.
    pub inv_last: Vec<ShoupOperand<W>>,
    /// `⌊q_l/2⌋ mod q_i`.
    pub half_last: Vec<W>,
    /// `⌊q_l/2⌋` itself.
    pub half: W,
}

impl<W: Word> RescaleConstants<W> {
    /// Constants for dividing by `last` in the basis `others`.
    pub fn new(others: &[Modulus<W>], last: &Modulus<W>) -> Result<Self, Error> {
        let ql = last.value();
        let half = W::from_u64_truncating(ql.to_u64() >> 1);
        let mut inv_last = Vec::with_capacity(others.len());
        let mut half_last = Vec::with_capacity(others.len());
        for qi in others {
            let r = qi.reduce(ql);
            let inv = qi.inv_vartime(r).ok_or(Error::NotPrime {
                modulus: qi.value().to_u64(),
            })?;
            inv_last.push(ShoupOperand::new(qi, inv));
            half_last.push(qi.reduce(half));
        }
        Ok(Self {
            inv_last,
            half_last,
            half,
        })
    }
}

/// One limb of the rounded division by the last prime:
/// `x_i ← (x_i − t_i) · q_l^-1 mod q_i`, with
/// `t = [x_l + ⌊q_l/2⌋]_(q_l) − ⌊q_l/2⌋`, the centred residue of `x` modulo
/// `q_l` shifted so that the quotient rounds to nearest.
///
/// `t_i` must be computed coefficient by coefficient (use
/// [`rescale_correction`]); since the rest is linear, the caller may then
/// transform it to the NTT domain and pass NTT-domain limbs.
pub fn rescale_limb<W: Word>(
    qi: &Modulus<W>,
    consts: &RescaleConstants<W>,
    i: usize,
    limb: &mut [W],
    correction: &[W],
) {
    let inv = consts.inv_last[i];
    for (x, &t) in limb.iter_mut().zip(correction) {
        *x = inv.mul(qi, qi.sub(*x, t));
    }
}

/// `t_i = ([x_l + ⌊q_l/2⌋]_(q_l) mod q_i) − ⌊q_l/2⌋ mod q_i` for each
/// coefficient of the last limb `x_l` (coefficient domain).
pub fn rescale_correction<W: Word>(
    qi: &Modulus<W>,
    q_last: &Modulus<W>,
    consts: &RescaleConstants<W>,
    i: usize,
    last: &[W],
    out: &mut [W],
) {
    let half_i = consts.half_last[i];
    for (o, &x) in out.iter_mut().zip(last) {
        let shifted = q_last.add(x, consts.half);
        *o = qi.sub(qi.reduce(shifted), half_i);
    }
}
