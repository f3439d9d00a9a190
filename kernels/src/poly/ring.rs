//! The ring context and the RNS polynomial type.

use alloc::vec::Vec;

use crate::arith::barrett::reduce_product_narrow;
use crate::arith::{Modulus, Word};
use crate::ckks::CkksError;
use crate::ntt::{NttEngine, NttPlan, OwnedNttPlan};

/// With 64-bit words, moduli of at most this many bits multiply in
/// single-word arithmetic ([`reduce_product_narrow`]); 32-bit words keep
/// their own double-word (`u64`) path.
const NARROW_BITS: u32 = 31;

/// The domain a polynomial's limbs are in.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Coefficients in natural order.
    Coefficient,
    /// Evaluations in the NTT's bit-reversed order.
    Ntt,
}

/// Which primes a polynomial lives on: the first `q` primes of the chain and
/// the first `p` special primes.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Basis {
    /// Number of chain primes `q_0..q_(q-1)`.
    pub q: usize,
    /// Number of special primes `p_0..p_(p-1)`.
    pub p: usize,
}

impl Basis {
    /// Total number of limbs.
    pub fn len(&self) -> usize {
        self.q + self.p
    }
    /// True when the basis has no prime.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The ring `Z[X]/(X^N + 1)` with a prime chain, special primes and their
/// NTT plans.
#[derive(Debug, Clone)]
pub struct RingContext<W: Word> {
    log_n: u32,
    moduli: Vec<Modulus<W>>,
    plans: Vec<OwnedNttPlan<W>>,
    num_q: usize,
}

impl<W: Word> RingContext<W> {
    /// Builds the plans for `chain` (the `q_i`) and `special` (the `p_j`).
    pub fn new(degree: usize, chain: &[u64], special: &[u64]) -> Result<Self, CkksError> {
        let mut moduli = Vec::new();
        let mut plans = Vec::new();
        for &q in chain.iter().chain(special) {
            let m = Modulus::<W>::from_u64(q)?;
            plans.push(NttPlan::new(m.value(), degree)?);
            moduli.push(m);
        }
        for (i, a) in moduli.iter().enumerate() {
            if moduli[..i].contains(a) {
                return Err(CkksError::InvalidParameters("the primes must be distinct"));
            }
        }
        Ok(Self {
            log_n: degree.trailing_zeros(),
            moduli,
            plans,
            num_q: chain.len(),
        })
    }
    /// The degree `N`.
    pub fn degree(&self) -> usize {
        1 << self.log_n
    }
    /// `log2 N`.
    pub fn log_degree(&self) -> u32 {
        self.log_n
    }
    /// Number of chain primes `L + 1`.
    pub fn num_q(&self) -> usize {
        self.num_q
    }
    /// Number of special primes.
    pub fn num_p(&self) -> usize {
        self.moduli.len() - self.num_q
    }
    /// The chain primes.
    pub fn q_moduli(&self) -> &[Modulus<W>] {
        &self.moduli[..self.num_q]
    }
    /// The special primes.
    pub fn p_moduli(&self) -> &[Modulus<W>] {
        &self.moduli[self.num_q..]
    }
    /// Index into the context's prime list of limb `limb` of `basis`.
    #[inline]
    pub fn prime_index(&self, basis: Basis, limb: usize) -> usize {
        if limb < basis.q {
            limb
        } else {
            self.num_q + (limb - basis.q)
        }
    }
    /// The moduli of a basis, in limb order.
    pub fn moduli_of(&self, basis: Basis) -> impl Iterator<Item = &Modulus<W>> + '_ {
        self.moduli[..basis.q]
            .iter()
            .chain(&self.moduli[self.num_q..self.num_q + basis.p])
    }
    /// The NTT plans of a basis, in limb order.
    pub fn plans_of(&self, basis: Basis) -> Vec<&OwnedNttPlan<W>> {
        self.plans[..basis.q]
            .iter()
            .chain(&self.plans[self.num_q..self.num_q + basis.p])
            .collect()
    }
    /// The modulus of prime `index` (chain first, then special primes).
    pub fn modulus(&self, index: usize) -> &Modulus<W> {
        &self.moduli[index]
    }
    /// The plan of prime `index` (chain first, then special primes).
    pub fn plan(&self, index: usize) -> &OwnedNttPlan<W> {
        &self.plans[index]
    }
    /// Checks that `basis` fits this context.
    pub fn check_basis(&self, basis: Basis) -> Result<(), CkksError> {
        if basis.q == 0 || basis.q > self.num_q || basis.p > self.num_p() {
            return Err(CkksError::InvalidParameters("basis outside the context"));
        }
        Ok(())
    }
}

/// A polynomial in RNS form over a [`Basis`], in a tracked [`Domain`].
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RnsPoly<W: Word> {
    n: usize,
    basis: Basis,
    domain: Domain,
    data: Vec<W>,
}

impl<W: Word> RnsPoly<W> {
    /// The zero polynomial.
    pub fn zero(ctx: &RingContext<W>, basis: Basis, domain: Domain) -> Self {
        let n = ctx.degree();
        Self {
            n,
            basis,
            domain,
            data: alloc::vec![W::ZERO; n * basis.len()],
        }
    }

    /// Wraps limbs (`basis.len()·N` words, each limb reduced modulo its prime).
    pub fn from_limbs(
        ctx: &RingContext<W>,
        basis: Basis,
        domain: Domain,
        data: Vec<W>,
    ) -> Result<Self, CkksError> {
        ctx.check_basis(basis)?;
        let n = ctx.degree();
        if data.len() != n * basis.len() {
            return Err(crate::Error::LengthMismatch {
                expected: n * basis.len(),
                actual: data.len(),
            }
            .into());
        }
        for (limb, m) in data.chunks_exact(n).zip(ctx.moduli_of(basis)) {
            if limb.iter().any(|&x| x >= m.value()) {
                return Err(CkksError::InvalidParameters("residue not reduced"));
            }
        }
        Ok(Self {
            n,
            basis,
            domain,
            data,
        })
    }

    /// Wraps limbs the caller has just computed modulo the right primes
    /// (no check of the residues).
    pub(crate) fn from_reduced_limbs(n: usize, basis: Basis, domain: Domain, data: Vec<W>) -> Self {
        debug_assert_eq!(data.len(), n * basis.len());
        Self {
            n,
            basis,
            domain,
            data,
        }
    }

    /// Reduces signed integer coefficients onto `basis` (coefficient domain).
    pub fn from_signed(ctx: &RingContext<W>, basis: Basis, coeffs: &[i64]) -> Self {
        let mut p = Self::zero(ctx, basis, Domain::Coefficient);
        for (limb, m) in p.data.chunks_exact_mut(p.n).zip(ctx.moduli_of(basis)) {
            for (x, &c) in limb.iter_mut().zip(coeffs) {
                *x = crate::rns::reduce_small(m, c);
            }
        }
        p
    }

    /// Checks a polynomial from an untrusted source (for example
    /// deserialized): degree, basis, domain, length and every residue.
    pub fn validate(
        &self,
        ctx: &RingContext<W>,
        basis: Basis,
        domain: Domain,
    ) -> Result<(), CkksError> {
        if self.n != ctx.degree() {
            return Err(CkksError::ParameterMismatch);
        }
        if self.basis != basis {
            return Err(CkksError::BasisMismatch {
                left: self.basis,
                right: basis,
            });
        }
        self.expect_domain(domain)?;
        ctx.check_basis(basis)?;
        if self.data.len() != self.n * basis.len() {
            return Err(CkksError::Malformed("wrong number of residues"));
        }
        for (limb, m) in self.data.chunks_exact(self.n).zip(ctx.moduli_of(basis)) {
            if limb.iter().any(|&x| x >= m.value()) {
                return Err(CkksError::Malformed("residue not reduced"));
            }
        }
        Ok(())
    }

    /// The degree `N`.
    pub fn degree(&self) -> usize {
        self.n
    }
    /// The basis.
    pub fn basis(&self) -> Basis {
        self.basis
    }
    /// The domain.
    pub fn domain(&self) -> Domain {
        self.domain
    }
    /// All limbs, one after another.
    pub fn data(&self) -> &[W] {
        &self.data
    }
    /// All limbs, mutable. The caller keeps every residue reduced and the
    /// domain unchanged.
    pub fn data_mut(&mut self) -> &mut [W] {
        &mut self.data
    }
    /// Limb `i`.
    pub fn limb(&self, i: usize) -> &[W] {
        &self.data[i * self.n..(i + 1) * self.n]
    }
    /// Limb `i`, mutable.
    pub fn limb_mut(&mut self, i: usize) -> &mut [W] {
        &mut self.data[i * self.n..(i + 1) * self.n]
    }

    /// Errors unless the polynomial is in `domain`.
    pub fn expect_domain(&self, domain: Domain) -> Result<(), CkksError> {
        if self.domain == domain {
            Ok(())
        } else {
            Err(CkksError::DomainMismatch {
                expected: domain,
                actual: self.domain,
            })
        }
    }

    fn expect_same(&self, other: &Self) -> Result<(), CkksError> {
        if self.basis != other.basis {
            return Err(CkksError::BasisMismatch {
                left: self.basis,
                right: other.basis,
            });
        }
        other.expect_domain(self.domain)
    }

    /// Forward NTT of every limb (coefficient → NTT domain).
    pub fn to_ntt<E: NttEngine<W>>(
        &mut self,
        ctx: &RingContext<W>,
        engine: &mut E,
    ) -> Result<(), CkksError> {
        self.expect_domain(Domain::Coefficient)?;
        engine.forward(&ctx.plans_of(self.basis), &mut self.data)?;
        self.domain = Domain::Ntt;
        Ok(())
    }

    /// Inverse NTT of every limb (NTT → coefficient domain).
    pub fn to_coefficient<E: NttEngine<W>>(
        &mut self,
        ctx: &RingContext<W>,
        engine: &mut E,
    ) -> Result<(), CkksError> {
        self.expect_domain(Domain::Ntt)?;
        engine.inverse(&ctx.plans_of(self.basis), &mut self.data)?;
        self.domain = Domain::Coefficient;
        Ok(())
    }

    fn zip_limbs(
        &mut self,
        ctx: &RingContext<W>,
        other: &Self,
        f: impl Fn(&Modulus<W>, W, W) -> W,
    ) -> Result<(), CkksError> {
        self.expect_same(other)?;
        let n = self.n;
        for ((a, b), m) in self
            .data
            .chunks_exact_mut(n)
            .zip(other.data.chunks_exact(n))
            .zip(ctx.moduli_of(self.basis))
        {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = f(m, *x, y);
            }
        }
        Ok(())
    }

    /// `self += other` (same basis and domain).
    pub fn add_assign(&mut self, ctx: &RingContext<W>, other: &Self) -> Result<(), CkksError> {
        self.zip_limbs(ctx, other, |m, a, b| m.add(a, b))
    }

    /// `self -= other` (same basis and domain).
    pub fn sub_assign(&mut self, ctx: &RingContext<W>, other: &Self) -> Result<(), CkksError> {
        self.zip_limbs(ctx, other, |m, a, b| m.sub(a, b))
    }

    /// `self *= other`, pointwise (both in the NTT domain).
    pub fn mul_assign(&mut self, ctx: &RingContext<W>, other: &Self) -> Result<(), CkksError> {
        self.expect_domain(Domain::Ntt)?;
        self.expect_same(other)?;
        let n = self.n;
        for ((x, y), m) in self
            .data
            .chunks_exact_mut(n)
            .zip(other.data.chunks_exact(n))
            .zip(ctx.moduli_of(self.basis))
        {
            if W::BITS == 64 && m.bits() <= NARROW_BITS {
                for (o, &v) in x.iter_mut().zip(y) {
                    let p = o.to_u64() * v.to_u64();
                    *o = W::from_u64_truncating(reduce_product_narrow(m, p));
                }
            } else {
                for (o, &v) in x.iter_mut().zip(y) {
                    *o = m.mul(*o, v);
                }
            }
        }
        Ok(())
    }

    /// `self += a · b`, pointwise (all in the NTT domain).
    pub fn mul_add_assign(
        &mut self,
        ctx: &RingContext<W>,
        a: &Self,
        b: &Self,
    ) -> Result<(), CkksError> {
        self.expect_domain(Domain::Ntt)?;
        self.expect_same(a)?;
        self.expect_same(b)?;
        let n = self.n;
        for (((x, y), z), m) in self
            .data
            .chunks_exact_mut(n)
            .zip(a.data.chunks_exact(n))
            .zip(b.data.chunks_exact(n))
            .zip(ctx.moduli_of(self.basis))
        {
            if W::BITS == 64 && m.bits() <= NARROW_BITS {
                // o + u·v < q + (q − 1)² < q² < 2^(2L): one narrow reduction.
                for ((o, &u), &v) in x.iter_mut().zip(y).zip(z) {
                    let p = o.to_u64() + u.to_u64() * v.to_u64();
                    *o = W::from_u64_truncating(reduce_product_narrow(m, p));
                }
            } else {
                for ((o, &u), &v) in x.iter_mut().zip(y).zip(z) {
                    *o = m.add(*o, m.mul(u, v));
                }
            }
        }
        Ok(())
    }

    /// `self = -self`.
    pub fn neg_assign(&mut self, ctx: &RingContext<W>) {
        let n = self.n;
        for (a, m) in self.data.chunks_exact_mut(n).zip(ctx.moduli_of(self.basis)) {
            a.iter_mut().for_each(|x| *x = m.neg(*x));
        }
    }

    /// Multiplies limb `i` by `scalars[i]` (reduced modulo its prime first);
    /// valid in either domain.
    pub fn mul_scalar_limbwise(&mut self, ctx: &RingContext<W>, scalars: &[W]) {
        let n = self.n;
        for ((a, m), &s) in self
            .data
            .chunks_exact_mut(n)
            .zip(ctx.moduli_of(self.basis))
            .zip(scalars)
        {
            let s = crate::arith::ShoupOperand::new(m, s);
            a.iter_mut().for_each(|x| *x = s.mul(m, *x));
        }
    }

    /// Multiplies by a signed integer constant `c`, `|c| < 2^127`.
    pub fn mul_integer(&mut self, ctx: &RingContext<W>, c: i128) {
        let scalars: Vec<W> = ctx
            .moduli_of(self.basis)
            .map(|m| crate::rns::reduce_i128(m, c))
            .collect();
        self.mul_scalar_limbwise(ctx, &scalars);
    }

    /// Keeps only the first `q` chain primes (and no special prime).
    pub fn truncate_chain(&mut self, q: usize) -> Result<(), CkksError> {
        if q == 0 || q > self.basis.q || self.basis.p != 0 {
            return Err(CkksError::InvalidParameters(
                "cannot truncate to this basis",
            ));
        }
        self.data.truncate(q * self.n);
        self.basis.q = q;
        Ok(())
    }

    /// Applies `σ_k` given its gather table (NTT domain only).
    pub fn automorphism(&self, table: &[usize]) -> Result<Self, CkksError> {
        self.expect_domain(Domain::Ntt)?;
        let mut out = self.clone();
        let n = self.n;
        for (o, a) in out.data.chunks_exact_mut(n).zip(self.data.chunks_exact(n)) {
            super::apply_automorphism_ntt(table, a, o);
        }
        Ok(out)
    }
}

impl<W: Word> zeroize::Zeroize for RnsPoly<W> {
    fn zeroize(&mut self) {
        // Words are plain integers; overwrite through volatile writes.
        for x in self.data.iter_mut() {
            // SAFETY: `x` is a valid, aligned, exclusive reference.
            unsafe { core::ptr::write_volatile(x, W::ZERO) };
        }
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    }
}
