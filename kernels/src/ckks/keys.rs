//! Secret, public, relinearization and Galois keys.
//!
//! - Secret key: `s` ternary, kept as signed coefficients and in the NTT
//!   domain over `Q ∪ P`; both are zeroized on drop.
//! - Public key: `(b, a) = (−a·s + e, a)` over `Q`, `a` uniform.
//! - Key-switching key from `s'` to `s` (hybrid, Han–Ki 2020, §3): for each
//!   digit `j` (chain primes `Q_j`, `α` of them), over `Q ∪ P`,
//!   `(b_j, a_j) = (−a_j·s + e_j + P·Q̂_j·[Q̂_j^-1]_(Q_j)·s', a_j)`.
//!   In RNS the gadget factor is `P mod q_i` on the primes of digit `j`
//!   and `0` on every other prime, so it needs no big integers.
//! - Relinearization key: `s' = s²`. Galois key for `σ_k`: `s' = σ_k(s)`.
//!
//! Uniform polynomials are sampled directly in the NTT domain (the NTT is a
//! bijection, so they stay uniform).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use rand_core::Rng;
use zeroize::{Zeroize, Zeroizing};

use super::sampling::{sample_error, sample_ternary, sample_uniform};
use super::{CkksContext, CkksError};
use crate::arith::Word;
use crate::ntt::NttEngine;
use crate::poly::{automorphism_table, Basis, Domain, RnsPoly};

/// The secret key. Zeroized on drop.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecretKey<W: Word> {
    pub(crate) coeffs: Vec<i8>,
    /// `s` over `Q ∪ P`, NTT domain.
    pub(crate) ntt: RnsPoly<W>,
}

impl<W: Word> core::fmt::Debug for SecretKey<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl<W: Word> Drop for SecretKey<W> {
    fn drop(&mut self) {
        self.coeffs.zeroize();
        self.ntt.zeroize();
    }
}

impl<W: Word> SecretKey<W> {
    /// Samples a ternary secret key. On an error (of the engine) every
    /// buffer that held the key is wiped before it is freed. Draw `rng`
    /// from [`super::SecretRng`] when it is seeded from secret material.
    pub fn generate<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let mut coeffs = alloc::vec![0i8; ctx.degree()];
        sample_ternary(rng, &mut coeffs);
        match small_to_ntt(ctx, engine, &coeffs, ctx.full_basis()) {
            Ok(ntt) => Ok(Self { coeffs, ntt }),
            Err(e) => {
                coeffs.zeroize();
                Err(e)
            }
        }
    }

    /// Samples a sparse ternary secret key with exactly `hamming_weight`
    /// nonzero coefficients ([`super::sampling::sample_sparse_ternary`]):
    /// the secret bootstrapping needs, since `|I| ≲ √(h/12)` bounds the
    /// range EvalMod must cover. Its security is that of the sparse
    /// distribution (see [`super::boot::presets`]), not the uniform one.
    pub fn generate_sparse<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        hamming_weight: usize,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let mut coeffs = alloc::vec![0i8; ctx.degree()];
        super::sampling::sample_sparse_ternary(rng, hamming_weight, &mut coeffs);
        let ntt = small_to_ntt(ctx, engine, &coeffs, ctx.full_basis())?;
        Ok(Self { coeffs, ntt })
    }

    /// Checks a secret key from an untrusted source against `ctx`.
    pub fn validate(&self, ctx: &CkksContext<W>) -> Result<(), CkksError> {
        if self.coeffs.len() != ctx.degree() || self.coeffs.iter().any(|c| !(-1..=1).contains(c)) {
            return Err(CkksError::Malformed("secret key is not ternary"));
        }
        self.ntt.validate(ctx.ring(), ctx.full_basis(), Domain::Ntt)
    }

    /// The signed coefficients of `s` (in `{-1, 0, 1}`).
    pub fn coefficients(&self) -> &[i8] {
        &self.coeffs
    }
}

/// The public key `(b, a)` over `Q`, NTT domain.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKey<W: Word> {
    pub(crate) b: RnsPoly<W>,
    pub(crate) a: RnsPoly<W>,
}

impl<W: Word> PublicKey<W> {
    /// `(b, a) = (−a·s + e, a)`.
    pub fn generate<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        sk: &SecretKey<W>,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let basis = ctx.level_basis(ctx.max_level());
        let (b, a) = rlwe_sample(ctx, engine, sk, basis, rng)?;
        Ok(Self { b, a })
    }
    /// Checks a public key from an untrusted source against `ctx`.
    pub fn validate(&self, ctx: &CkksContext<W>) -> Result<(), CkksError> {
        let basis = ctx.level_basis(ctx.max_level());
        self.b.validate(ctx.ring(), basis, Domain::Ntt)?;
        self.a.validate(ctx.ring(), basis, Domain::Ntt)
    }
    /// `b = −a·s + e` (NTT domain, over the whole chain).
    pub fn b(&self) -> &RnsPoly<W> {
        &self.b
    }
    /// `a` (NTT domain, over the whole chain).
    pub fn a(&self) -> &RnsPoly<W> {
        &self.a
    }
}

/// A hybrid key-switching key: one `(b_j, a_j)` pair per digit, over `Q ∪ P`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct KeySwitchKey<W: Word> {
    pub(crate) digits: Vec<(RnsPoly<W>, RnsPoly<W>)>,
}

impl<W: Word> KeySwitchKey<W> {
    /// A key switching from `s'` (given over `Q ∪ P`, NTT domain) to `sk`.
    pub fn generate<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        sk: &SecretKey<W>,
        s_prime: &RnsPoly<W>,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        s_prime.expect_domain(Domain::Ntt)?;
        let full = ctx.full_basis();
        let n = ctx.degree();
        let alpha = ctx.params().alpha();
        let num_q = ctx.max_level() + 1;
        let mut digits = Vec::new();
        for j in 0..ctx.params().dnum() {
            let (lo, hi) = (j * alpha, ((j + 1) * alpha).min(num_q));
            if lo >= hi {
                break;
            }
            let (mut b, a) = rlwe_sample(ctx, engine, sk, full, rng)?;
            let ring = ctx.ring();
            for i in lo..hi {
                let m = &ring.q_moduli()[i];
                let pm = crate::arith::ShoupOperand::new(m, ctx.p_mod_q()[i]);
                let (bl, sl) = (&mut b.data_mut()[i * n..(i + 1) * n], s_prime.limb(i));
                for (x, &y) in bl.iter_mut().zip(sl) {
                    *x = m.add(*x, pm.mul(m, y));
                }
            }
            digits.push((b, a));
        }
        Ok(Self { digits })
    }

    /// Checks a key from an untrusted source against `ctx`.
    pub fn validate(&self, ctx: &CkksContext<W>) -> Result<(), CkksError> {
        let digits = (ctx.max_level() + 1).div_ceil(ctx.params().alpha());
        if self.digits.len() != digits {
            return Err(CkksError::ParameterMismatch);
        }
        for (b, a) in &self.digits {
            b.validate(ctx.ring(), ctx.full_basis(), Domain::Ntt)?;
            a.validate(ctx.ring(), ctx.full_basis(), Domain::Ntt)?;
        }
        Ok(())
    }

    /// The `(b_j, a_j)` pairs.
    pub fn digits(&self) -> &[(RnsPoly<W>, RnsPoly<W>)] {
        &self.digits
    }

    /// The highest ciphertext level this key can switch: `L` for a whole
    /// key, `l` for one [`Self::truncated`] to `l`.
    pub fn level(&self) -> usize {
        self.digits
            .first()
            .map_or(0, |(b, _)| b.basis().q.saturating_sub(1))
    }

    /// The part of the key a switch at `level` reads: the digits covering
    /// `q_0..q_level`, each over `q_0..q_level ∪ P`. A switch at `level`
    /// (or below) with it gives the same bytes as with the whole key.
    /// Errors with [`CkksError::ParameterMismatch`] if `level` is above
    /// [`Self::level`].
    pub fn truncated(&self, ctx: &CkksContext<W>, level: usize) -> Result<Self, CkksError> {
        if level > self.level() {
            return Err(CkksError::ParameterMismatch);
        }
        let ring = ctx.ring();
        let ext = ctx.extended_basis(level);
        let n = ctx.degree();
        let digits = (level + 1).div_ceil(ctx.params().alpha());
        let cut = |p: &RnsPoly<W>| -> Result<RnsPoly<W>, CkksError> {
            let mut data = Vec::with_capacity(ext.len() * n);
            let pq = p.basis().q;
            for i in 0..ext.len() {
                let src = if i < ext.q { i } else { pq + (i - ext.q) };
                data.extend_from_slice(p.limb(src));
            }
            RnsPoly::from_limbs(ring, ext, Domain::Ntt, data)
        };
        let mut out = Vec::with_capacity(digits);
        for (b, a) in self.digits.iter().take(digits) {
            out.push((cut(b)?, cut(a)?));
        }
        Ok(Self { digits: out })
    }

    /// A key from its `(b_j, a_j)` pairs, checked against `ctx` as from an
    /// untrusted source: every polynomial over the same extended basis
    /// `q_0..q_l ∪ P` in the NTT domain, exactly the digits covering
    /// `q_0..q_l` (a whole key, `l = L`, or a [`Self::truncated`] one).
    pub fn from_digits(
        ctx: &CkksContext<W>,
        digits: Vec<(RnsPoly<W>, RnsPoly<W>)>,
    ) -> Result<Self, CkksError> {
        let key = Self { digits };
        let level = key.level();
        if level > ctx.max_level() || key.digits.len() != (level + 1).div_ceil(ctx.params().alpha())
        {
            return Err(CkksError::ParameterMismatch);
        }
        let ext = ctx.extended_basis(level);
        for (b, a) in &key.digits {
            b.validate(ctx.ring(), ext, Domain::Ntt)?;
            a.validate(ctx.ring(), ext, Domain::Ntt)?;
        }
        Ok(key)
    }
}

/// The relinearization key (switches from `s²` to `s`).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq)]
pub struct RelinKey<W: Word>(pub KeySwitchKey<W>);

impl<W: Word> RelinKey<W> {
    /// Generates the key for `s²`.
    pub fn generate<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        sk: &SecretKey<W>,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let mut s2 = Zeroizing::new(sk.ntt.clone());
        s2.mul_assign(ctx.ring(), &sk.ntt)?;
        Ok(Self(KeySwitchKey::generate(ctx, engine, sk, &s2, rng)?))
    }
}

/// Galois keys, by Galois element `k` (`X → X^k`).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GaloisKeys<W: Word> {
    pub(crate) keys: BTreeMap<usize, KeySwitchKey<W>>,
}

/// The Galois element of a left rotation by `step` slots: `5^step mod 2N`.
pub fn rotation_galois_element(degree: usize, step: i64) -> usize {
    let slots = (degree / 2) as i64;
    let r = step.rem_euclid(slots) as u64;
    let two_n = 2 * degree as u64;
    let mut k = 1u64;
    for _ in 0..r {
        k = k * 5 % two_n;
    }
    k as usize
}

/// The Galois element of complex conjugation, `2N − 1`.
pub fn conjugation_galois_element(degree: usize) -> usize {
    2 * degree - 1
}

impl<W: Word> GaloisKeys<W> {
    /// Keys for the given Galois elements (each odd, below `2N`).
    pub fn generate<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        sk: &SecretKey<W>,
        elements: &[usize],
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let mut keys = BTreeMap::new();
        for &k in elements {
            if k % 2 == 0 || k >= 2 * ctx.degree() {
                return Err(CkksError::InvalidParameters(
                    "Galois element must be odd and < 2N",
                ));
            }
            let table = automorphism_table(ctx.ring().log_degree(), k);
            let mut sk_k = sk.ntt.automorphism(&table)?;
            let key = KeySwitchKey::generate(ctx, engine, sk, &sk_k, rng);
            sk_k.zeroize();
            keys.insert(k, key?);
        }
        Ok(Self { keys })
    }

    /// Keys for rotations by every power of two `1, 2, …, N/4` (left and,
    /// with `both_directions`, right) and conjugation: enough to rotate by
    /// any step.
    pub fn generate_power_of_two<R: Rng + ?Sized, E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        sk: &SecretKey<W>,
        both_directions: bool,
        rng: &mut R,
    ) -> Result<Self, CkksError> {
        let n = ctx.degree();
        let mut elements = Vec::new();
        let mut step = 1i64;
        while step < (n / 2) as i64 {
            elements.push(rotation_galois_element(n, step));
            if both_directions {
                elements.push(rotation_galois_element(n, -step));
            }
            step *= 2;
        }
        elements.push(conjugation_galois_element(n));
        elements.sort_unstable();
        elements.dedup();
        Self::generate(ctx, engine, sk, &elements, rng)
    }

    /// Checks every key against `ctx` (elements odd and below `2N`).
    pub fn validate(&self, ctx: &CkksContext<W>) -> Result<(), CkksError> {
        for (&k, key) in &self.keys {
            if k % 2 == 0 || k >= 2 * ctx.degree() {
                return Err(CkksError::Malformed("invalid Galois element"));
            }
            key.validate(ctx)?;
        }
        Ok(())
    }

    /// The key for Galois element `k`, if present.
    pub fn get(&self, k: usize) -> Option<&KeySwitchKey<W>> {
        self.keys.get(&k)
    }
    /// The Galois elements present.
    pub fn elements(&self) -> impl Iterator<Item = usize> + '_ {
        self.keys.keys().copied()
    }
}

/// Signed small coefficients → NTT domain over `basis`; on an error the
/// partial result (secret when the coefficients are) is wiped.
pub(crate) fn small_to_ntt<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    coeffs: &[i8],
    basis: Basis,
) -> Result<RnsPoly<W>, CkksError> {
    let ring = ctx.ring();
    let mut p = RnsPoly::zero(ring, basis, Domain::Coefficient);
    let n = ring.degree();
    for (limb, m) in p.data_mut().chunks_exact_mut(n).zip(ring.moduli_of(basis)) {
        for (x, &c) in limb.iter_mut().zip(coeffs) {
            *x = crate::rns::reduce_small(m, c as i64);
        }
    }
    if let Err(e) = p.to_ntt(ring, engine) {
        p.zeroize();
        return Err(e);
    }
    Ok(p)
}

/// `(−a·s + e, a)` over `basis`, NTT domain; draws `a` then `e`.
fn rlwe_sample<W: Word, R: Rng + ?Sized, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    sk: &SecretKey<W>,
    basis: Basis,
    rng: &mut R,
) -> Result<(RnsPoly<W>, RnsPoly<W>), CkksError> {
    let ring = ctx.ring();
    let n = ring.degree();
    let mut a = RnsPoly::zero(ring, basis, Domain::Ntt);
    for (limb, m) in a.data_mut().chunks_exact_mut(n).zip(ring.moduli_of(basis)) {
        sample_uniform(rng, m, limb);
    }
    let mut e = alloc::vec![0i8; n];
    sample_error(rng, &mut e);
    let mut b = small_to_ntt(ctx, engine, &e, basis)?;
    e.zeroize();
    // b = e − a·s, limb by limb (s is over the full basis).
    for i in 0..basis.len() {
        let idx = ring.prime_index(basis, i);
        let m = ring.modulus(idx);
        let s = sk.ntt.limb(idx);
        for ((x, &y), &z) in b.limb_mut(i).iter_mut().zip(a.limb(i)).zip(s) {
            *x = m.sub(*x, m.mul(y, z));
        }
    }
    Ok((b, a))
}
