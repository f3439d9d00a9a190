//! Fused sums of ciphertexts times constants, `y_r = Σ_t c_{r,t}·x_{k(r,t)}`
//! for many outputs `r` over shared inputs: the linear layers of the
//! throughput packing, where each input ciphertext carries one value of
//! every sample of a batch.
//!
//! Each constant is encoded at `target / Δ_x`, so every product and every
//! sum has the scale `target`. The products are accumulated unreduced —
//! single-word sums of 32×32-bit products for primes below `2^31` (a form
//! compilers vectorize), double-word [`WideAcc`]s above — and reduced once
//! per block of terms, so each result is the canonical residue of the exact
//! sum: bit for bit what [`Evaluator::mul_const`] and [`Evaluator::add`]
//! give term by term.
//!
//! The coefficients are visited in blocks of [`COEFF_BLOCK`]. Within one
//! block of one limb every output's sum is formed before the next block, so
//! the block of every input (`inputs × COEFF_BLOCK` words, 1.6 MB for 784
//! inputs) stays in the core's cache while each output that reads it is
//! summed: an input limb comes from memory once, not once per output that
//! uses it (a 7×7 convolution of stride 3 reads each pixel for about 16
//! outputs). This is the loop tiling of dense linear algebra (Goto and van
//! de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
//! 34(3), 2008) applied to the coefficient axis.

use super::{check_levels, check_scales, const_times_scale, narrow_block, Evaluator};
use crate::arith::Word;
use crate::ckks::{Ciphertext, CkksError, Unrelinearized};
use crate::ntt::NttEngine;
use crate::poly::RnsPoly;
use crate::rns::{
    join_split52, mul_acc_narrow_scalars, mul_acc_split52_scalars, reduce_i128, WideAcc,
    WideReducer, LAZY_TERMS, SPLIT52_TERMS,
};
use alloc::vec::Vec;

/// Coefficients per block: the inputs' blocks of one limb and part of a
/// 784-input layer (784 × 256 × 8 bytes) fit a 2 MiB L2 cache.
const COEFF_BLOCK: usize = 256;

impl<W: Word, E: NttEngine<W>> Evaluator<'_, W, E> {
    /// `Σ_t c_t·a_t` with each constant encoded at `target / Δ_t`, so every
    /// product, and the result, has the scale `target`: the ciphertext
    /// [`Evaluator::mul_const`] and [`Evaluator::add`] give term by term,
    /// bit for bit, with no intermediate ciphertexts
    /// ([`Evaluator::mul_const_sums`] with one output). The terms must
    /// share one level and domain.
    pub fn mul_const_sum(
        &self,
        terms: &[(&Ciphertext<W>, f64)],
        target: f64,
    ) -> Result<Ciphertext<W>, CkksError> {
        let xs: Vec<&Ciphertext<W>> = terms.iter().map(|(a, _)| *a).collect();
        let row: Vec<(usize, f64)> = terms.iter().enumerate().map(|(k, t)| (k, t.1)).collect();
        self.mul_const_sums(&xs, &[row], target)?
            .pop()
            .flatten()
            .ok_or(CkksError::InvalidParameters("a sum of no terms"))
    }

    /// For every row `r` of `(input index, constant)` pairs, `Σ c·xs[k]`
    /// with each constant encoded at `target / Δ_k`, so every product and
    /// every result has the scale `target`; `None` for an empty row. Bit for
    /// bit the ciphertexts of [`Evaluator::mul_const_sum`] row by row (and
    /// of [`Evaluator::mul_const`] and [`Evaluator::add`] term by term), in
    /// one pass over the inputs' coefficients (module docs). The inputs must
    /// share one level and domain; an index past `xs` is an error.
    pub fn mul_const_sums<R: AsRef<[(usize, f64)]>>(
        &self,
        xs: &[&Ciphertext<W>],
        rows: &[R],
        target: f64,
    ) -> Result<Vec<Option<Ciphertext<W>>>, CkksError> {
        let mut sums = alloc::vec![None; rows.len()];
        self.mul_const_sums_into(xs, rows, target, &mut sums)?;
        Ok(sums)
    }

    /// [`Evaluator::mul_const_sums`] added into `sums` (one per row): row
    /// `r`'s terms are added to `sums[r]`, which is created when `None` and
    /// the row has terms, and left as it is when the row is empty. The sums
    /// over several calls, each with part of every row's terms, are bit for
    /// bit the sums of one call with all of them (each is the canonical
    /// residue of the exact sum), so a layer's inputs can be produced and
    /// summed a slice at a time. A sum given must have the scale `target`
    /// and the inputs' level and domain; on an error `sums` is unchanged.
    pub fn mul_const_sums_into<R: AsRef<[(usize, f64)]>>(
        &self,
        xs: &[&Ciphertext<W>],
        rows: &[R],
        target: f64,
        sums: &mut [Option<Ciphertext<W>>],
    ) -> Result<(), CkksError> {
        self.sums_into(xs, rows, target, sums)
    }

    /// [`Evaluator::mul_const_sums`] of products before relinearization:
    /// each of their three parts summed alike, so that each output is
    /// relinearized once ([`Evaluator::relinearize`]).
    pub fn mul_const_sums_unrelinearized<R: AsRef<[(usize, f64)]>>(
        &self,
        xs: &[&Unrelinearized<W>],
        rows: &[R],
        target: f64,
    ) -> Result<Vec<Option<Unrelinearized<W>>>, CkksError> {
        let mut sums = alloc::vec![None; rows.len()];
        self.mul_const_sums_unrelinearized_into(xs, rows, target, &mut sums)?;
        Ok(sums)
    }

    /// [`Evaluator::mul_const_sums_unrelinearized`] added into `sums`, as
    /// [`Evaluator::mul_const_sums_into`] adds: bit for bit one call's sums
    /// when the terms are split over several; on an error `sums` is
    /// unchanged.
    pub fn mul_const_sums_unrelinearized_into<R: AsRef<[(usize, f64)]>>(
        &self,
        xs: &[&Unrelinearized<W>],
        rows: &[R],
        target: f64,
        sums: &mut [Option<Unrelinearized<W>>],
    ) -> Result<(), CkksError> {
        self.sums_into(xs, rows, target, sums)
    }

    /// The sums of ciphertexts of `P` parts (`T`) of
    /// [`Evaluator::mul_const_sums_into`]: the given sums' parts are moved
    /// into [`Evaluator::sums_of_parts`] and back, unchanged on an error.
    fn sums_into<const P: usize, T: Parts<W, P>, R: AsRef<[(usize, f64)]>>(
        &self,
        xs: &[&T],
        rows: &[R],
        target: f64,
        sums: &mut [Option<T>],
    ) -> Result<(), CkksError> {
        for s in sums.iter().flatten() {
            check_scales(s.scale(), target)?;
        }
        let parts: Vec<([&RnsPoly<W>; P], f64)> =
            xs.iter().map(|a| (a.parts(), a.scale())).collect();
        let mut acc: Vec<Option<[RnsPoly<W>; P]>> = sums
            .iter_mut()
            .map(|s| s.take().map(T::into_parts))
            .collect();
        let done = self.sums_of_parts(&parts, rows, target, &mut acc);
        for (s, a) in sums.iter_mut().zip(acc) {
            *s = a.map(|p| T::from_parts(p, target));
        }
        done
    }

    /// The sums of [`Evaluator::mul_const_sums_into`] over inputs of `P`
    /// parts (polynomials) with their scales, every part summed alike, added
    /// into `outs`; every check is made before any sum is touched.
    fn sums_of_parts<const P: usize, R: AsRef<[(usize, f64)]>>(
        &self,
        xs: &[([&RnsPoly<W>; P], f64)],
        rows: &[R],
        target: f64,
        outs: &mut [Option<[RnsPoly<W>; P]>],
    ) -> Result<(), CkksError> {
        let (first, _) = xs
            .first()
            .ok_or(CkksError::InvalidParameters("a sum of no terms"))?;
        let level = |p: &RnsPoly<W>| p.basis().q - 1;
        for (a, _) in xs {
            for (p, f) in a.iter().zip(first) {
                check_levels(level(f), level(p))?;
                if p.domain() != f.domain() {
                    return Err(CkksError::InvalidParameters(
                        "terms of a sum in different domains",
                    ));
                }
            }
        }
        if outs.len() != rows.len() {
            return Err(CkksError::InvalidParameters(
                "sums and rows differ in number",
            ));
        }
        for out in outs.iter().flatten() {
            for (p, f) in out.iter().zip(first) {
                check_levels(level(f), level(p))?;
                if p.domain() != f.domain() {
                    return Err(CkksError::InvalidParameters(
                        "a sum and its terms in different domains",
                    ));
                }
            }
        }
        // Every row's constants, flattened; row `r` is `starts[r]..starts[r + 1]`.
        let mut values = Vec::with_capacity(rows.iter().map(|r| r.as_ref().len()).sum());
        let mut starts = Vec::with_capacity(rows.len() + 1);
        starts.push(0);
        for row in rows {
            for &(k, c) in row.as_ref() {
                let (_, scale) = xs.get(k).ok_or(CkksError::InvalidParameters(
                    "a term names no input ciphertext",
                ))?;
                values.push(const_times_scale(c, target / scale)?);
            }
            starts.push(values.len());
        }
        let n = first[0].limb(0).len();
        let zero = |p: &RnsPoly<W>| {
            let len = p.basis().len() * n;
            RnsPoly::from_reduced_limbs(n, p.basis(), p.domain(), alloc::vec![W::ZERO; len])
        };
        for (out, row) in outs.iter_mut().zip(rows) {
            if out.is_none() && !row.as_ref().is_empty() {
                *out = Some(first.map(zero));
            }
        }
        let mut scalars: Vec<W> = Vec::with_capacity(values.len());
        let mut block_terms: Vec<(&[W], W)> = Vec::new();
        let mut narrow_acc = [0u64; COEFF_BLOCK];
        let mut high_acc = [0u64; COEFF_BLOCK];
        let mut wide_acc = [WideAcc::<W>::default(); COEFF_BLOCK];
        for (i, m) in self.ctx.ring().moduli_of(first[0].basis()).enumerate() {
            let red = WideReducer::new(m);
            scalars.clear();
            scalars.extend(values.iter().map(|&v| reduce_i128(m, v)));
            let q = m.value().to_u64();
            let sum = match narrow_block(q) {
                Some(every) => Sum::Narrow(every),
                None if W::BITS == 64 && q < 1 << 52 => Sum::Split52,
                None => Sum::Wide,
            };
            for part in 0..P {
                for start in (0..n).step_by(COEFF_BLOCK) {
                    let end = (start + COEFF_BLOCK).min(n);
                    let len = end - start;
                    for (r, out) in outs.iter_mut().enumerate() {
                        let row = rows[r].as_ref();
                        let (Some(out), false) = (out, row.is_empty()) else {
                            continue;
                        };
                        let ss = &scalars[starts[r]..starts[r + 1]];
                        block_terms.clear();
                        block_terms.extend(
                            row.iter()
                                .zip(ss)
                                .map(|(&(k, _), &s)| (&xs[k].0[part].limb(i)[start..end], s)),
                        );
                        let dst = &mut out[part].limb_mut(i)[start..end];
                        match sum {
                            Sum::Narrow(every) => {
                                sum_narrow(&mut narrow_acc[..len], &block_terms, every, &red, dst)
                            }
                            Sum::Split52 => sum_split52(
                                &mut narrow_acc[..len],
                                &mut high_acc[..len],
                                &block_terms,
                                &red,
                                dst,
                            ),
                            Sum::Wide => sum_wide(&mut wide_acc[..len], &block_terms, &red, dst),
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A ciphertext as its `P` polynomials and scale: what the sums of this
/// module add part by part.
trait Parts<W: Word, const P: usize> {
    /// The parts, borrowed.
    fn parts(&self) -> [&RnsPoly<W>; P];
    /// The scale.
    fn scale(&self) -> f64;
    /// The parts, moved out.
    fn into_parts(self) -> [RnsPoly<W>; P];
    /// The ciphertext of `parts` at `scale`.
    fn from_parts(parts: [RnsPoly<W>; P], scale: f64) -> Self;
}

impl<W: Word> Parts<W, 2> for Ciphertext<W> {
    fn parts(&self) -> [&RnsPoly<W>; 2] {
        [&self.c0, &self.c1]
    }
    fn scale(&self) -> f64 {
        self.scale
    }
    fn into_parts(self) -> [RnsPoly<W>; 2] {
        [self.c0, self.c1]
    }
    fn from_parts([c0, c1]: [RnsPoly<W>; 2], scale: f64) -> Self {
        Ciphertext { c0, c1, scale }
    }
}

impl<W: Word> Parts<W, 3> for Unrelinearized<W> {
    fn parts(&self) -> [&RnsPoly<W>; 3] {
        [&self.d0, &self.d1, &self.d2]
    }
    fn scale(&self) -> f64 {
        self.scale
    }
    fn into_parts(self) -> [RnsPoly<W>; 3] {
        [self.d0, self.d1, self.d2]
    }
    fn from_parts([d0, d1, d2]: [RnsPoly<W>; 3], scale: f64) -> Self {
        Unrelinearized { d0, d1, d2, scale }
    }
}

/// How one limb's sums are accumulated, by the size of its prime.
#[derive(Clone, Copy)]
enum Sum {
    /// Below `2^31`: single words, reduced every so many terms.
    Narrow(usize),
    /// Below `2^52`, 64-bit words: products split at bit 52 in two words.
    Split52,
    /// Double words.
    Wide,
}

/// `dst[j] += Σ_t x_t[j]·s_t mod q` for a prime `q < 2^31`: 32×32→64-bit
/// products summed in `u64` ([`mul_acc_narrow_scalars`]) onto `dst`'s
/// residue, reduced every `every` terms ([`narrow_block`], whose bound has
/// room for a carried residue).
fn sum_narrow<W: Word>(
    acc: &mut [u64],
    terms: &[(&[W], W)],
    every: usize,
    red: &WideReducer<W>,
    dst: &mut [W],
) {
    for (a, d) in acc.iter_mut().zip(dst.iter()) {
        *a = d.to_u64();
    }
    for (b, chunk) in terms.chunks(every).enumerate() {
        if b > 0 {
            acc.iter_mut()
                .for_each(|a| *a = red.reduce(WideAcc::from_u64(*a)).to_u64());
        }
        mul_acc_narrow_scalars(acc, chunk);
    }
    for (d, &a) in dst.iter_mut().zip(acc.iter()) {
        *d = red.reduce(WideAcc::from_u64(a));
    }
}

/// `dst[j] += Σ_t x_t[j]·s_t mod q` for a prime `q < 2^52`, each product
/// split at bit 52 into `lo` and `hi` ([`mul_acc_split52_scalars`]), `lo`
/// starting from `dst`'s residue, reduced every [`SPLIT52_TERMS`] terms.
fn sum_split52<W: Word>(
    lo: &mut [u64],
    hi: &mut [u64],
    terms: &[(&[W], W)],
    red: &WideReducer<W>,
    dst: &mut [W],
) {
    for (l, d) in lo.iter_mut().zip(dst.iter()) {
        *l = d.to_u64();
    }
    hi.fill(0);
    for (b, chunk) in terms.chunks(SPLIT52_TERMS).enumerate() {
        if b > 0 {
            for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
                *l = red.reduce(join_split52(*l, *h)).to_u64();
                *h = 0;
            }
        }
        mul_acc_split52_scalars(lo, hi, chunk);
    }
    for ((d, &l), &h) in dst.iter_mut().zip(lo.iter()).zip(hi.iter()) {
        *d = red.reduce(join_split52(l, h));
    }
}

/// `dst[j] += Σ_t x_t[j]·s_t mod q` in double words, reduced every
/// [`LAZY_TERMS`]` − 1` terms (one slot of each block carries the previous
/// block's reduced sum, the first `dst`'s residue).
fn sum_wide<W: Word>(
    acc: &mut [WideAcc<W>],
    terms: &[(&[W], W)],
    red: &WideReducer<W>,
    dst: &mut [W],
) {
    for (a, &d) in acc.iter_mut().zip(dst.iter()) {
        *a = WideAcc::from_word(d);
    }
    for (b, chunk) in terms.chunks(LAZY_TERMS - 1).enumerate() {
        if b > 0 {
            acc.iter_mut()
                .for_each(|a| *a = WideAcc::from_word(red.reduce(*a)));
        }
        for &(x, s) in chunk {
            for (a, &x) in acc.iter_mut().zip(x) {
                a.mul_add(x, s);
            }
        }
    }
    for (d, a) in dst.iter_mut().zip(acc.iter()) {
        *d = red.reduce(*a);
    }
}
