//! Homomorphic operations on ciphertexts.
//!
//! Levels and scales are tracked and checked: binary operations need equal
//! levels (use [`Evaluator::drop_to_level`]) and, for additions, equal
//! scales (to a relative `2^-32`); anything else is a typed error.
//!
//! - Multiplication (CKKS 2017, §3.4): `(d_0, d_1, d_2) = (a_0b_0,
//!   a_0b_1 + a_1b_0, a_1b_1)`, then relinearization key-switches `d_2` from
//!   `s²` to `s`. The scale becomes `Δ_a·Δ_b`.
//! - Rescale (CHKKS 2018, §3.2): divide by the last prime `q_l` with
//!   rounding; the scale becomes `Δ/q_l` and the level drops by one.
//! - Rotation by `r` and conjugation: `σ_k` on both parts (an index
//!   permutation in the NTT domain), then key switching of `σ_k(c_1)` from
//!   `σ_k(s)` to `s`; `k = 5^r mod 2N` rotates the slots left by `r`,
//!   `k = 2N − 1` conjugates them.

use super::encoding::{mul_round, scale_to_bits};
use super::keys::{
    conjugation_galois_element, rotation_galois_element, GaloisKeys, KeySwitchKey, RelinKey,
};
use super::keyswitch::{
    decompose, key_switch_decomposed, key_switch_with, Decomposed, KeySwitchScratch,
};
use super::types::{Ciphertext, Plaintext, Unrelinearized};
use super::{CkksContext, CkksError};
use crate::arith::Word;
use crate::ntt::NttEngine;
use crate::poly::{automorphism_table, Basis, Domain, RnsPoly};
use crate::rns::{WideAcc, WideReducer};

mod const_sums;

/// The three parts of a ciphertext product before relinearization.
type Tensor<W> = (RnsPoly<W>, RnsPoly<W>, RnsPoly<W>);

/// Relative tolerance for equal scales.
const SCALE_TOLERANCE: f64 = 2.3283064365386963e-10; // 2^-32

/// A ciphertext decomposed for several rotations ([`Evaluator::hoist`]).
#[derive(Debug, Clone)]
pub struct Hoisted<W: Word> {
    c0: RnsPoly<W>,
    scale: f64,
    dec: Decomposed<W>,
}

/// Homomorphic operations over one context and one NTT engine.
#[derive(Debug)]
pub struct Evaluator<'a, W: Word, E: NttEngine<W>> {
    ctx: &'a CkksContext<W>,
    engine: E,
    scratch: KeySwitchScratch<W>,
    rescale_buf: alloc::vec::Vec<W>,
}

fn check_scales(a: f64, b: f64) -> Result<(), CkksError> {
    if (a - b).abs() <= SCALE_TOLERANCE * a.abs().max(b.abs()) {
        Ok(())
    } else {
        Err(CkksError::ScaleMismatch { left: a, right: b })
    }
}

fn check_levels(a: usize, b: usize) -> Result<(), CkksError> {
    if a == b {
        Ok(())
    } else {
        Err(CkksError::LevelMismatch { left: a, right: b })
    }
}

impl<'a, W: Word, E: NttEngine<W>> Evaluator<'a, W, E> {
    /// An evaluator running its NTTs on `engine`.
    pub fn new(ctx: &'a CkksContext<W>, engine: E) -> Self {
        Self {
            ctx,
            engine,
            scratch: KeySwitchScratch::default(),
            rescale_buf: alloc::vec::Vec::new(),
        }
    }

    /// The engine.
    pub fn engine(&mut self) -> &mut E {
        &mut self.engine
    }

    /// The context.
    pub fn context(&self) -> &'a CkksContext<W> {
        self.ctx
    }

    /// `a + b`.
    pub fn add(&self, a: &Ciphertext<W>, b: &Ciphertext<W>) -> Result<Ciphertext<W>, CkksError> {
        check_levels(a.level(), b.level())?;
        check_scales(a.scale, b.scale)?;
        let ring = self.ctx.ring();
        let mut out = a.clone();
        out.c0.add_assign(ring, &b.c0)?;
        out.c1.add_assign(ring, &b.c1)?;
        Ok(out)
    }

    /// `a − b`.
    pub fn sub(&self, a: &Ciphertext<W>, b: &Ciphertext<W>) -> Result<Ciphertext<W>, CkksError> {
        check_levels(a.level(), b.level())?;
        check_scales(a.scale, b.scale)?;
        let ring = self.ctx.ring();
        let mut out = a.clone();
        out.c0.sub_assign(ring, &b.c0)?;
        out.c1.sub_assign(ring, &b.c1)?;
        Ok(out)
    }

    /// `−a`.
    pub fn negate(&self, a: &Ciphertext<W>) -> Ciphertext<W> {
        let ring = self.ctx.ring();
        let mut out = a.clone();
        out.c0.neg_assign(ring);
        out.c1.neg_assign(ring);
        out
    }

    /// `a + p`.
    pub fn add_plain(
        &self,
        a: &Ciphertext<W>,
        p: &Plaintext<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        check_levels(a.level(), p.level())?;
        check_scales(a.scale, p.scale)?;
        let mut out = a.clone();
        out.c0.add_assign(self.ctx.ring(), &p.poly)?;
        Ok(out)
    }

    /// `a − p`.
    pub fn sub_plain(
        &self,
        a: &Ciphertext<W>,
        p: &Plaintext<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        check_levels(a.level(), p.level())?;
        check_scales(a.scale, p.scale)?;
        let mut out = a.clone();
        out.c0.sub_assign(self.ctx.ring(), &p.poly)?;
        Ok(out)
    }

    /// `a · p` (slot-wise); the scale becomes `Δ_a·Δ_p`.
    pub fn mul_plain(
        &self,
        a: &Ciphertext<W>,
        p: &Plaintext<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        check_levels(a.level(), p.level())?;
        let ring = self.ctx.ring();
        let mut out = a.clone();
        out.c0.mul_assign(ring, &p.poly)?;
        out.c1.mul_assign(ring, &p.poly)?;
        out.scale = a.scale * p.scale;
        Ok(out)
    }

    /// `acc += a ⊙ p` in place: the values of `add(acc, mul_plain(a, p))`
    /// (modular arithmetic is exact), the scale of `acc` kept, without the
    /// two intermediate ciphertexts. `acc` and `a` must share the level,
    /// `acc`'s scale must be `a`'s times `p`'s.
    pub fn mul_plain_add(
        &self,
        acc: &mut Ciphertext<W>,
        a: &Ciphertext<W>,
        p: &Plaintext<W>,
    ) -> Result<(), CkksError> {
        check_levels(a.level(), p.level())?;
        check_levels(acc.level(), a.level())?;
        check_scales(acc.scale, a.scale * p.scale)?;
        let ring = self.ctx.ring();
        acc.c0.mul_add_assign(ring, &a.c0, &p.poly)?;
        acc.c1.mul_add_assign(ring, &a.c1, &p.poly)?;
        Ok(())
    }

    /// Adds the constant `c` to every slot (`⌊c·Δ⌉` to the constant term).
    pub fn add_const(&self, a: &Ciphertext<W>, c: f64) -> Result<Ciphertext<W>, CkksError> {
        let v = const_times_scale(c, a.scale)?;
        let ring = self.ctx.ring();
        let mut out = a.clone();
        // A constant polynomial is the same constant at every evaluation point.
        for (i, m) in ring.moduli_of(out.c0.basis()).enumerate() {
            let r = crate::rns::reduce_i128(m, v);
            out.c0
                .limb_mut(i)
                .iter_mut()
                .for_each(|x| *x = m.add(*x, r));
        }
        Ok(out)
    }

    /// Multiplies every slot by `c`, encoded as `⌊c·Δ_c⌉`; the scale becomes
    /// `Δ_a·Δ_c`. A typical choice is `Δ_c = q_l`, so that a rescale brings
    /// the scale back to `Δ_a`.
    pub fn mul_const(
        &self,
        a: &Ciphertext<W>,
        c: f64,
        const_scale: f64,
    ) -> Result<Ciphertext<W>, CkksError> {
        let v = const_times_scale(c, const_scale)?;
        let mut out = self.mul_integer(a, v);
        out.scale = a.scale * const_scale;
        Ok(out)
    }

    /// `out_g = Σ_b xs[b] ⊙ pts[g][b]` for every row `g` (`None` plaintexts
    /// skipped; `None` for a row with none): the values
    /// [`Evaluator::mul_plain`] and [`Evaluator::add`] give term by term,
    /// with the scale of the row's first product (every product of a row
    /// must have that scale). Computed limb by limb with the accumulators
    /// of a group of rows alive together (up to [`ROW_GROUPS`] groups, which
    /// the engine's runner may take on several threads), so each
    /// plaintext limb is read from memory once and each ciphertext limb
    /// once per group, and reduced once per
    /// block of products (single-word sums for primes below `2^31`,
    /// products split at bit 52 into two single-word sums below `2^52` on
    /// 64-bit words, double-word ones above; no accumulator for a row
    /// without plaintexts): the inner sums of a baby-step giant-step
    /// matrix–vector product. The ciphertexts must share one level, in the
    /// NTT domain, and the plaintexts be at that level.
    pub fn mul_plain_sums(
        &self,
        xs: &[&Ciphertext<W>],
        pts: &[alloc::vec::Vec<Option<&Plaintext<W>>>],
    ) -> Result<alloc::vec::Vec<Option<Ciphertext<W>>>, CkksError> {
        let first = *xs
            .first()
            .ok_or(CkksError::InvalidParameters("a sum of no terms"))?;
        let level = first.level();
        for a in xs {
            check_levels(level, a.level())?;
            a.c0.expect_domain(Domain::Ntt)?;
            a.c1.expect_domain(Domain::Ntt)?;
        }
        let mut scales = alloc::vec::Vec::with_capacity(pts.len());
        for row in pts {
            if row.len() != xs.len() {
                return Err(CkksError::InvalidParameters(
                    "a row of plaintexts not as long as the ciphertexts",
                ));
            }
            let mut scale = None;
            for (a, p) in xs.iter().zip(row) {
                let Some(p) = p else { continue };
                check_levels(level, p.level())?;
                let s = a.scale * p.scale;
                match scale {
                    None => scale = Some(s),
                    Some(s0) => check_scales(s0, s)?,
                }
            }
            scales.push(scale);
        }
        let n = first.c0.limb(0).len();
        // Accumulators only for the rows with a plaintext (a sparse
        // matrix's giant steps often have none), in groups the engine's
        // runner may take on several threads: each group reads the inputs
        // once per limb, its rows' accumulators alive together.
        let active: alloc::vec::Vec<usize> =
            (0..pts.len()).filter(|&r| scales[r].is_some()).collect();
        let per_group = active.len().div_ceil(ROW_GROUPS).max(1);
        let words = first.c0.data().len();
        let mut groups: alloc::vec::Vec<RowGroup<W>> = active
            .chunks(per_group)
            .map(|rows| (rows.to_vec(), alloc::vec::Vec::new()))
            .collect();
        let ring = self.ctx.ring();
        self.engine
            .each(&mut groups, per_group * 2 * words, &|_, (rows, sums)| {
                *sums = row_sums(ring, xs, pts, rows);
            });
        let sums = groups.into_iter().flat_map(|(_, sums)| sums);
        let mut out: alloc::vec::Vec<Option<Ciphertext<W>>> = scales.iter().map(|_| None).collect();
        let basis = first.c0.basis();
        for (&r, [c0, c1]) in active.iter().zip(sums) {
            let poly = |data| RnsPoly::from_reduced_limbs(n, basis, Domain::Ntt, data);
            out[r] = scales[r].map(|scale| Ciphertext {
                c0: poly(c0),
                c1: poly(c1),
                scale,
            });
        }
        Ok(out)
    }

    /// Multiplies by an integer (scale unchanged).
    pub fn mul_integer(&self, a: &Ciphertext<W>, c: i128) -> Ciphertext<W> {
        let ring = self.ctx.ring();
        let mut out = a.clone();
        out.c0.mul_integer(ring, c);
        out.c1.mul_integer(ring, c);
        out
    }

    /// `a · b` followed by relinearization; the scale becomes `Δ_a·Δ_b`
    /// ([`Evaluator::multiply_unrelinearized`], then
    /// [`Evaluator::relinearize`]).
    pub fn multiply_relin(
        &mut self,
        a: &Ciphertext<W>,
        b: &Ciphertext<W>,
        rk: &RelinKey<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let product = self.multiply_unrelinearized(a, b)?;
        self.relinearize(product, rk)
    }

    /// `a · b` of degree two, `(a_0b_0, a_0b_1 + a_1b_0, a_1b_1)`; the
    /// scale becomes `Δ_a·Δ_b`.
    pub fn multiply_unrelinearized(
        &self,
        a: &Ciphertext<W>,
        b: &Ciphertext<W>,
    ) -> Result<Unrelinearized<W>, CkksError> {
        check_levels(a.level(), b.level())?;
        let (d0, d1, d2) = self.tensor(a, b)?;
        Ok(Unrelinearized {
            d0,
            d1,
            d2,
            scale: a.scale * b.scale,
        })
    }

    /// Key-switches `d_2` from `s²` to `s`: the ciphertext `(d_0, d_1) +
    /// KS(d_2)` of the same level and scale.
    pub fn relinearize(
        &mut self,
        p: Unrelinearized<W>,
        rk: &RelinKey<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let ring = self.ctx.ring();
        let (u0, u1) =
            key_switch_with(self.ctx, &mut self.engine, &p.d2, &rk.0, &mut self.scratch)?;
        let (mut d0, mut d1) = (p.d0, p.d1);
        d0.add_assign(ring, &u0)?;
        d1.add_assign(ring, &u1)?;
        Ok(Ciphertext {
            c0: d0,
            c1: d1,
            scale: p.scale,
        })
    }

    /// `(a_0b_0, a_0b_1 + a_1b_0, a_1b_1)` in one pass (NTT domain), the
    /// middle term accumulated lazily in a double word.
    fn tensor(&self, a: &Ciphertext<W>, b: &Ciphertext<W>) -> Result<Tensor<W>, CkksError> {
        for p in [&a.c0, &a.c1, &b.c0, &b.c1] {
            p.expect_domain(Domain::Ntt)?;
        }
        let ring = self.ctx.ring();
        let basis = a.c0.basis();
        if b.c0.basis() != basis || a.c1.basis() != basis || b.c1.basis() != basis {
            return Err(CkksError::BasisMismatch {
                left: basis,
                right: b.c0.basis(),
            });
        }
        let n = ring.degree();
        let len = basis.len() * n;
        let (mut d0, mut d1, mut d2) = (
            alloc::vec![W::ZERO; len],
            alloc::vec![W::ZERO; len],
            alloc::vec![W::ZERO; len],
        );
        let moduli: alloc::vec::Vec<_> = ring.moduli_of(basis).collect();
        let mut limbs: alloc::vec::Vec<(&mut [W], &mut [W], &mut [W])> = d0
            .chunks_exact_mut(n)
            .zip(d1.chunks_exact_mut(n))
            .zip(d2.chunks_exact_mut(n))
            .map(|((x, y), z)| (x, y, z))
            .collect();
        self.engine.each(&mut limbs, 3 * n, &|i, (o0, o1, o2)| {
            let m = moduli[i];
            let red = WideReducer::new(m);
            let ins =
                a.c0.limb(i)
                    .iter()
                    .zip(a.c1.limb(i))
                    .zip(b.c0.limb(i).iter().zip(b.c1.limb(i)));
            let outs = o0.iter_mut().zip(o1.iter_mut()).zip(o2.iter_mut());
            for (((r0, r1), r2), ((&x0, &x1), (&y0, &y1))) in outs.zip(ins) {
                *r0 = m.mul(x0, y0);
                let mut acc = WideAcc::default();
                acc.mul_add(x0, y1);
                acc.mul_add(x1, y0);
                *r1 = red.reduce(acc);
                *r2 = m.mul(x1, y1);
            }
        });
        drop(limbs);
        let wrap = |d| RnsPoly::from_reduced_limbs(n, basis, Domain::Ntt, d);
        Ok((wrap(d0), wrap(d1), wrap(d2)))
    }

    /// `a²` with relinearization.
    pub fn square_relin(
        &mut self,
        a: &Ciphertext<W>,
        rk: &RelinKey<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        self.multiply_relin(a, a, rk)
    }

    /// Divides by the last prime `q_l` with rounding: level `l → l − 1`,
    /// scale `Δ → Δ/q_l`.
    pub fn rescale(&mut self, a: &Ciphertext<W>) -> Result<Ciphertext<W>, CkksError> {
        let level = a.level();
        if level == 0 {
            return Err(CkksError::LevelExhausted);
        }
        let q_last = self.ctx.ring().modulus(level).value().to_u64() as f64;
        Ok(Ciphertext {
            c0: self.rescale_poly(&a.c0)?,
            c1: self.rescale_poly(&a.c1)?,
            scale: a.scale / q_last,
        })
    }

    fn rescale_poly(&mut self, p: &RnsPoly<W>) -> Result<RnsPoly<W>, CkksError> {
        p.expect_domain(Domain::Ntt)?;
        let ring = self.ctx.ring();
        let n = ring.degree();
        let level = p.basis().q - 1;
        let consts = self.ctx.rescale_constants(level);
        let q_last = ring.modulus(level);
        let buf = &mut self.rescale_buf;
        buf.clear();
        buf.extend_from_slice(p.limb(level));
        buf.resize((level + 1) * n, W::ZERO);
        let (last, shifted) = buf.split_at_mut(n);
        self.engine.inverse(&[ring.plan(level)], last)?;
        let last = &*last;
        self.engine.each_chunk(shifted, n, &|i, out| {
            crate::rns::rescale_correction(ring.modulus(i), q_last, consts, i, last, out);
        });
        let plans: alloc::vec::Vec<_> = (0..level).map(|i| ring.plan(i)).collect();
        self.engine.forward(&plans, shifted)?;
        // rescale_limb, written straight into the result.
        let mut out = alloc::vec![W::ZERO; level * n];
        let shifted = &*shifted;
        self.engine.each_chunk(&mut out, n, &|i, o| {
            let (qi, inv) = (ring.modulus(i), consts.inv_last[i]);
            let t = &shifted[i * n..(i + 1) * n];
            for ((o, &x), &t) in o.iter_mut().zip(p.limb(i)).zip(t) {
                *o = inv.mul(qi, qi.sub(x, t));
            }
        });
        Ok(RnsPoly::from_reduced_limbs(
            n,
            Basis { q: level, p: 0 },
            Domain::Ntt,
            out,
        ))
    }

    /// Drops primes without dividing: the ciphertext moves down to `level`
    /// with its scale unchanged.
    pub fn drop_to_level(
        &self,
        a: &Ciphertext<W>,
        level: usize,
    ) -> Result<Ciphertext<W>, CkksError> {
        if level > a.level() {
            return Err(CkksError::LevelMismatch {
                left: a.level(),
                right: level,
            });
        }
        let mut out = a.clone();
        out.c0.truncate_chain(level + 1)?;
        out.c1.truncate_chain(level + 1)?;
        Ok(out)
    }

    /// Applies `σ_k` and switches back to `s` with the Galois key for `k`.
    pub fn apply_galois(
        &mut self,
        a: &Ciphertext<W>,
        k: usize,
        keys: &GaloisKeys<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let key = keys
            .get(k)
            .ok_or(CkksError::MissingGaloisKey { galois_element: k })?;
        self.apply_galois_key(a, k, key)
    }

    /// Applies `σ_k` and switches back to `s` with `key`, the key of `k`
    /// (for callers that hold keys elsewhere, for example streamed ones).
    pub fn apply_galois_key(
        &mut self,
        a: &Ciphertext<W>,
        k: usize,
        key: &KeySwitchKey<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let table = automorphism_table(self.ctx.ring().log_degree(), k);
        let mut c0 = a.c0.automorphism(&table)?;
        let c1 = a.c1.automorphism(&table)?;
        let (u0, u1) = key_switch_with(self.ctx, &mut self.engine, &c1, key, &mut self.scratch)?;
        c0.add_assign(self.ctx.ring(), &u0)?;
        Ok(Ciphertext {
            c0,
            c1: u1,
            scale: a.scale,
        })
    }

    /// Decomposes `a` once for several rotations of it (hoisting): see
    /// [`Self::apply_galois_hoisted`].
    pub fn hoist(&mut self, a: &Ciphertext<W>) -> Result<Hoisted<W>, CkksError> {
        let dec = decompose(self.ctx, &mut self.engine, &a.c1)?;
        Ok(Hoisted {
            c0: a.c0.clone(),
            scale: a.scale,
            dec,
        })
    }

    /// `σ_k` of a hoisted ciphertext, switched back to `s` with `key` (the
    /// key of `k`): the ModUp of `c_1` is shared by every rotation of it.
    pub fn apply_galois_hoisted(
        &mut self,
        h: &Hoisted<W>,
        k: usize,
        key: &KeySwitchKey<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let table = automorphism_table(self.ctx.ring().log_degree(), k);
        let mut c0 = h.c0.automorphism(&table)?;
        let (u0, u1) = key_switch_decomposed(
            self.ctx,
            &mut self.engine,
            &h.dec,
            Some(&table),
            key,
            &mut self.scratch,
        )?;
        c0.add_assign(self.ctx.ring(), &u0)?;
        Ok(Ciphertext {
            c0,
            c1: u1,
            scale: h.scale,
        })
    }

    /// Rotates the slots left by `step` (right for negative steps). Uses the
    /// key for `step` when present, otherwise composes power-of-two
    /// rotations (left ones; right ones too when their keys exist).
    pub fn rotate(
        &mut self,
        a: &Ciphertext<W>,
        step: i64,
        keys: &GaloisKeys<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let n = self.ctx.degree();
        let slots = (n / 2) as i64;
        let r = step.rem_euclid(slots);
        if r == 0 {
            return Ok(a.clone());
        }
        let direct = rotation_galois_element(n, r);
        if keys.get(direct).is_some() {
            return self.apply_galois(a, direct, keys);
        }
        // Left by r, or right by slots − r, whichever has all its keys.
        let left: bool = (0..63)
            .filter(|b| r >> b & 1 == 1)
            .all(|b| keys.get(rotation_galois_element(n, 1 << b)).is_some());
        let (amount, sign) = if left { (r, 1) } else { (slots - r, -1) };
        let mut out = a.clone();
        for b in 0..63 {
            if amount >> b & 1 == 1 {
                let k = rotation_galois_element(n, sign * (1i64 << b));
                out = self.apply_galois(&out, k, keys)?;
            }
        }
        Ok(out)
    }

    /// Conjugates every slot.
    pub fn conjugate(
        &mut self,
        a: &Ciphertext<W>,
        keys: &GaloisKeys<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let k = conjugation_galois_element(self.ctx.degree());
        self.apply_galois(a, k, keys)
    }
}

/// Rows in [`Evaluator::mul_plain_sums`] are summed in up to this many
/// groups, so a runner with threads can take them in parallel (the inputs
/// are read once per group and limb: a small cost beside the plaintexts,
/// each read once).
const ROW_GROUPS: usize = 4;

/// A group of rows (indices into the plaintext rows) and their sums.
type RowGroup<W> = (
    alloc::vec::Vec<usize>,
    alloc::vec::Vec<[alloc::vec::Vec<W>; 2]>,
);

/// The sums of [`Evaluator::mul_plain_sums`] for `active` (indices of rows
/// of `pts` with a plaintext): each row's `(c_0, c_1)` limb after limb as
/// they are reduced — written once, never zeroed or copied first.
fn row_sums<W: Word>(
    ring: &crate::poly::RingContext<W>,
    xs: &[&Ciphertext<W>],
    pts: &[alloc::vec::Vec<Option<&Plaintext<W>>>],
    active: &[usize],
) -> alloc::vec::Vec<[alloc::vec::Vec<W>; 2]> {
    let first = xs[0];
    let n = first.c0.limb(0).len();
    let rows = active.len();
    let words = first.c0.data().len();
    let mut sums: alloc::vec::Vec<[alloc::vec::Vec<W>; 2]> = active
        .iter()
        .map(|_| {
            [
                alloc::vec::Vec::with_capacity(words),
                alloc::vec::Vec::with_capacity(words),
            ]
        })
        .collect();
    let mut narrow_acc = alloc::vec![0u64; rows * n];
    let mut high_acc: alloc::vec::Vec<u64> = alloc::vec::Vec::new();
    let mut wide_acc: alloc::vec::Vec<WideAcc<W>> = alloc::vec::Vec::new();
    for (i, m) in ring.moduli_of(first.c0.basis()).enumerate() {
        let red = WideReducer::new(m);
        let narrow = narrow_block(m.value().to_u64());
        for part in 0..2 {
            if let Some(block) = narrow {
                narrow_acc.fill(0);
                for (b, a) in xs.iter().enumerate() {
                    if b > 0 && b % block == 0 {
                        narrow_acc
                            .iter_mut()
                            .for_each(|w| *w = red.reduce(WideAcc::from_u64(*w)).to_u64());
                    }
                    let x = part_limb(a, part, i);
                    for (&r, acc) in active.iter().zip(narrow_acc.chunks_exact_mut(n)) {
                        let Some(p) = pts[r][b] else { continue };
                        crate::rns::mul_acc_narrow(acc, x, p.poly.limb(i));
                    }
                }
                for (dst, acc) in sums.iter_mut().zip(narrow_acc.chunks_exact(n)) {
                    let reduced = acc.iter().map(|&w| red.reduce(WideAcc::from_u64(w)));
                    dst[part].extend(reduced);
                }
                continue;
            }
            if W::BITS == 64 && m.value().to_u64() < 1 << 52 {
                // Products split at bit 52 into two single-word sums
                // (AVX-512 IFMA where the CPU has it).
                narrow_acc.fill(0);
                high_acc.resize(rows * n, 0);
                high_acc.fill(0);
                for (b, a) in xs.iter().enumerate() {
                    if b > 0 && b % crate::rns::SPLIT52_TERMS == 0 {
                        for (l, h) in narrow_acc.iter_mut().zip(high_acc.iter_mut()) {
                            *l = red.reduce(crate::rns::join_split52(*l, *h)).to_u64();
                            *h = 0;
                        }
                    }
                    let x = part_limb(a, part, i);
                    for ((&r, lo), hi) in active
                        .iter()
                        .zip(narrow_acc.chunks_exact_mut(n))
                        .zip(high_acc.chunks_exact_mut(n))
                    {
                        let Some(p) = pts[r][b] else { continue };
                        crate::rns::mul_acc_split52(lo, hi, x, p.poly.limb(i));
                    }
                }
                let halves = narrow_acc.chunks_exact(n).zip(high_acc.chunks_exact(n));
                for (dst, (lo, hi)) in sums.iter_mut().zip(halves) {
                    let reduced = lo
                        .iter()
                        .zip(hi)
                        .map(|(&l, &h)| red.reduce(crate::rns::join_split52(l, h)));
                    dst[part].extend(reduced);
                }
                continue;
            }
            // One slot of each block carries the previous block's sum.
            let block = crate::rns::LAZY_TERMS - 1;
            wide_acc.clear();
            wide_acc.resize(rows * n, WideAcc::default());
            for (b, a) in xs.iter().enumerate() {
                if b > 0 && b % block == 0 {
                    wide_acc
                        .iter_mut()
                        .for_each(|w| *w = WideAcc::from_word(red.reduce(*w)));
                }
                let x = part_limb(a, part, i);
                for (&r, acc) in active.iter().zip(wide_acc.chunks_exact_mut(n)) {
                    let Some(p) = pts[r][b] else { continue };
                    for ((w, &x), &p) in acc.iter_mut().zip(x).zip(p.poly.limb(i)) {
                        w.mul_add(x, p);
                    }
                }
            }
            for (dst, acc) in sums.iter_mut().zip(wide_acc.chunks_exact(n)) {
                dst[part].extend(acc.iter().map(|w| red.reduce(*w)));
            }
        }
    }
    sums
}

/// Limb `i` of `c_0` (`part` 0) or `c_1` of `a`.
fn part_limb<W: Word>(a: &Ciphertext<W>, part: usize, i: usize) -> &[W] {
    if part == 0 {
        a.c0.limb(i)
    } else {
        a.c1.limb(i)
    }
}

/// For a prime `q < 2^31`: how many products `x·s < (q−1)²` a `u64`
/// accumulator holding a reduced value (`< q`) can take without wrapping.
/// `None` for larger primes (double-word accumulation instead).
pub(crate) fn narrow_block(q: u64) -> Option<usize> {
    if q >= 1 << 31 {
        return None;
    }
    let square = u128::from(q - 1) * u128::from(q - 1);
    let room = u128::from(u64::MAX - q) / square.max(1);
    Some(
        usize::try_from(room)
            .unwrap_or(usize::MAX)
            .clamp(1, 1 << 20),
    )
}

/// `⌊c·Δ⌉` in fixed point (see [`super::encoding`]).
fn const_times_scale(c: f64, scale: f64) -> Result<i128, CkksError> {
    if !(c.is_finite() && c.abs() < 2.814_749_767_106_56e14) {
        return Err(CkksError::ValueOutOfRange);
    }
    let x = fixed::types::I64F64::checked_from_num(c).ok_or(CkksError::ValueOutOfRange)?;
    mul_round(x, scale_to_bits(scale)?)
}
