//! Encoding into plaintexts, encryption, decryption and decoding.
//!
//! - Public-key encryption (CKKS 2017, §3.4): draw `v` ternary, `e_0`, `e_1`
//!   errors (in that order), then `c = (v·b + e_0 + m, v·a + e_1)`.
//! - Secret-key encryption: draw `a` uniform, then `e`; `c = (−a·s + e + m, a)`.
//!   Seeded ([`Encryptor::encrypt_sk_seeded`]): draw a 32-byte seed, expand
//!   `a` from it ([`super::seeded`]), then `e`; the seed stands for `c_1`.
//! - Decryption: `m' = c_0 + c_1·s`.
//!
//! [`encrypt_pk_limb`] computes one limb of a public-key encryption into
//! caller buffers from the already-sampled small polynomials, so a device
//! with little RAM can produce (and hash, or send) a ciphertext limb by limb.
//! [`Encryptor::encrypt_pk`] is the same computation over all limbs and gives
//! identical bytes.

use alloc::vec::Vec;

use rand_core::Rng;
use zeroize::Zeroize;

use super::keys::{PublicKey, SecretKey};
use super::sampling::{sample_error, sample_ternary, sample_uniform};
use super::seeded::{expand_a, SeededCiphertext, SEED_BYTES};
use super::types::{Ciphertext, Plaintext};
use super::{CkksContext, CkksError};
use crate::arith::{Modulus, Word};
use crate::ntt::{NttEngine, NttPlan};
use crate::poly::{Domain, RnsPoly};

/// Checks that every buffer of a per-limb encryption holds `n` words.
pub(crate) fn all_of_length(n: usize, lens: &[usize]) -> Result<(), CkksError> {
    match lens.iter().find(|&&l| l != n) {
        Some(&len) => Err(crate::Error::LengthMismatch {
            expected: n,
            actual: len,
        }
        .into()),
        None => Ok(()),
    }
}

/// The small polynomials of one public-key encryption, sampled in the fixed
/// order `v`, `e_0`, `e_1`. Zeroized on drop.
pub struct EncryptionNoise {
    /// Ternary `v`.
    pub v: Vec<i8>,
    /// Error added to `c_0`.
    pub e0: Vec<i8>,
    /// Error added to `c_1`.
    pub e1: Vec<i8>,
}

impl EncryptionNoise {
    /// Samples `v`, `e_0`, `e_1` for degree `n`.
    pub fn sample<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Self {
        let mut v = alloc::vec![0i8; n];
        let mut e0 = alloc::vec![0i8; n];
        let mut e1 = alloc::vec![0i8; n];
        sample_ternary(rng, &mut v);
        sample_error(rng, &mut e0);
        sample_error(rng, &mut e1);
        Self { v, e0, e1 }
    }
}

impl Drop for EncryptionNoise {
    fn drop(&mut self) {
        self.v.zeroize();
        self.e0.zeroize();
        self.e1.zeroize();
    }
}

/// One limb of a public-key encryption (see the module docs).
///
/// Inputs for prime `q` (`plan`): the public key limbs `b`, `a` (NTT
/// domain), the small polynomials `v`, `e0`, `e1`, the message's integer
/// coefficients `msg` (`⌊Δ·m_i⌉`). Outputs: `c0`, `c1` (NTT domain).
/// `scratch` must hold `N` words. Three NTTs, no allocation.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_pk_limb<W: Word, S: AsRef<[W]> + Sync, E: NttEngine<W>>(
    plan: &NttPlan<W, S>,
    engine: &mut E,
    b: &[W],
    a: &[W],
    noise: (&[i8], &[i8], &[i8]),
    msg: &[i64],
    c0: &mut [W],
    c1: &mut [W],
    scratch: &mut [W],
) -> Result<(), CkksError> {
    let n = plan.degree();
    let (v, e0, e1) = noise;
    let lens = [
        b.len(),
        a.len(),
        v.len(),
        e0.len(),
        e1.len(),
        msg.len(),
        c0.len(),
        c1.len(),
        scratch.len(),
    ];
    all_of_length(n, &lens)?;
    let m = *plan.modulus();
    fill_small(&m, v, scratch);
    engine.forward(&[plan], scratch)?;
    for ((x, &e), &mm) in c0.iter_mut().zip(e0).zip(msg) {
        *x = m.add(
            crate::rns::reduce_small(&m, e as i64),
            m.reduce_i64_vartime(mm),
        );
    }
    engine.forward(&[plan], c0)?;
    fill_small(&m, e1, c1);
    engine.forward(&[plan], c1)?;
    for (((x0, x1), &vv), (&bb, &aa)) in c0
        .iter_mut()
        .zip(c1.iter_mut())
        .zip(scratch.iter())
        .zip(b.iter().zip(a))
    {
        *x0 = m.add(*x0, m.mul(vv, bb));
        *x1 = m.add(*x1, m.mul(vv, aa));
    }
    scratch.iter_mut().for_each(|x| *x = W::ZERO);
    Ok(())
}

fn fill_small<W: Word>(m: &Modulus<W>, small: &[i8], out: &mut [W]) {
    for (x, &s) in out.iter_mut().zip(small) {
        *x = crate::rns::reduce_small(m, s as i64);
    }
}

/// Encodes, encrypts, decrypts and decodes for one context.
#[derive(Debug, Clone, Copy)]
pub struct Encryptor<'a, W: Word> {
    ctx: &'a CkksContext<W>,
}

impl<'a, W: Word> Encryptor<'a, W> {
    /// An encryptor over `ctx`.
    pub fn new(ctx: &'a CkksContext<W>) -> Self {
        Self { ctx }
    }

    /// Encodes real values at `scale` into a plaintext at `level`.
    pub fn encode_real<E: NttEngine<W>>(
        &self,
        engine: &mut E,
        values: &[f64],
        scale: f64,
        level: usize,
    ) -> Result<Plaintext<W>, CkksError> {
        let mut coeffs = alloc::vec![0i128; self.ctx.degree()];
        self.ctx.encoder().encode_real(values, scale, &mut coeffs)?;
        self.plaintext_from_coeffs(engine, &coeffs, scale, level)
    }

    /// Encodes complex values `(re, im)` at `scale` into a plaintext at `level`.
    pub fn encode_complex<E: NttEngine<W>>(
        &self,
        engine: &mut E,
        values: &[(f64, f64)],
        scale: f64,
        level: usize,
    ) -> Result<Plaintext<W>, CkksError> {
        let mut coeffs = alloc::vec![0i128; self.ctx.degree()];
        self.ctx
            .encoder()
            .encode_complex(values, scale, &mut coeffs)?;
        self.plaintext_from_coeffs(engine, &coeffs, scale, level)
    }

    /// A plaintext from integer coefficients (NTT domain at `level`).
    pub fn plaintext_from_coeffs<E: NttEngine<W>>(
        &self,
        engine: &mut E,
        coeffs: &[i128],
        scale: f64,
        level: usize,
    ) -> Result<Plaintext<W>, CkksError> {
        self.ctx.check_level(level)?;
        let ring = self.ctx.ring();
        let basis = self.ctx.level_basis(level);
        let mut poly = RnsPoly::zero(ring, basis, Domain::Coefficient);
        let n = ring.degree();
        for (limb, m) in poly
            .data_mut()
            .chunks_exact_mut(n)
            .zip(ring.moduli_of(basis))
        {
            crate::rns::reduce_i128_slice(m, coeffs, limb);
        }
        poly.to_ntt(ring, engine)?;
        Ok(Plaintext { poly, scale })
    }

    /// Public-key encryption of `pt` (at the plaintext's level).
    pub fn encrypt_pk<R: Rng + ?Sized, E: NttEngine<W>>(
        &self,
        engine: &mut E,
        pk: &PublicKey<W>,
        pt: &Plaintext<W>,
        rng: &mut R,
    ) -> Result<Ciphertext<W>, CkksError> {
        let ring = self.ctx.ring();
        let n = ring.degree();
        let noise = EncryptionNoise::sample(n, rng);
        let basis = pt.poly.basis();
        let mut vp = RnsPoly::zero(ring, basis, Domain::Coefficient);
        let mut e0 = vp.clone();
        let mut e1 = vp.clone();
        for (i, m) in ring.moduli_of(basis).enumerate() {
            fill_small(m, &noise.v, vp.limb_mut(i));
            fill_small(m, &noise.e0, e0.limb_mut(i));
            fill_small(m, &noise.e1, e1.limb_mut(i));
        }
        vp.to_ntt(ring, engine)?;
        e0.to_ntt(ring, engine)?;
        e1.to_ntt(ring, engine)?;
        let mut c0 = e0;
        c0.add_assign(ring, &pt.poly)?;
        let mut c1 = e1;
        for i in 0..basis.q {
            let m = ring.modulus(i);
            let (v, b, a) = (vp.limb(i), pk.b.limb(i), pk.a.limb(i));
            for ((x, &vv), &bb) in c0.limb_mut(i).iter_mut().zip(v).zip(b) {
                *x = m.add(*x, m.mul(vv, bb));
            }
            for ((x, &vv), &aa) in c1.limb_mut(i).iter_mut().zip(v).zip(a) {
                *x = m.add(*x, m.mul(vv, aa));
            }
        }
        vp.zeroize();
        Ok(Ciphertext {
            c0,
            c1,
            scale: pt.scale,
        })
    }

    /// Secret-key encryption of `pt`.
    pub fn encrypt_sk<R: Rng + ?Sized, E: NttEngine<W>>(
        &self,
        engine: &mut E,
        sk: &SecretKey<W>,
        pt: &Plaintext<W>,
        rng: &mut R,
    ) -> Result<Ciphertext<W>, CkksError> {
        let ring = self.ctx.ring();
        let n = ring.degree();
        let basis = pt.poly.basis();
        let mut c1 = RnsPoly::zero(ring, basis, Domain::Ntt);
        for (limb, m) in c1.data_mut().chunks_exact_mut(n).zip(ring.moduli_of(basis)) {
            sample_uniform(rng, m, limb);
        }
        let c0 = self.sk_c0(engine, sk, pt, &c1, rng)?;
        Ok(Ciphertext {
            c0,
            c1,
            scale: pt.scale,
        })
    }

    /// Secret-key encryption of `pt` whose `a` is expanded from a 32-byte
    /// seed ([`super::seeded::expand_a`]), so that `c_1 = a` travels as the
    /// seed: draws the seed (32 bytes of `rng`), then `e` as
    /// [`Self::encrypt_sk`] does; `c_0 = −a·s + e + m`.
    pub fn encrypt_sk_seeded<R: Rng + ?Sized, E: NttEngine<W>>(
        &self,
        engine: &mut E,
        sk: &SecretKey<W>,
        pt: &Plaintext<W>,
        rng: &mut R,
    ) -> Result<SeededCiphertext<W>, CkksError> {
        let mut seed = [0u8; SEED_BYTES];
        rng.fill_bytes(&mut seed);
        let a = expand_a(self.ctx, &seed, pt.level())?;
        let c0 = self.sk_c0(engine, sk, pt, &a, rng)?;
        Ok(SeededCiphertext {
            c0,
            seed,
            scale: pt.scale,
        })
    }

    /// `c_0 = −a·s + e + m` of a secret-key encryption, `e` drawn from
    /// `rng` (NTT domain, at the plaintext's level).
    pub(crate) fn sk_c0<R: Rng + ?Sized, E: NttEngine<W>>(
        &self,
        engine: &mut E,
        sk: &SecretKey<W>,
        pt: &Plaintext<W>,
        a: &RnsPoly<W>,
        rng: &mut R,
    ) -> Result<RnsPoly<W>, CkksError> {
        let ring = self.ctx.ring();
        let basis = pt.poly.basis();
        if a.basis() != basis {
            return Err(CkksError::BasisMismatch {
                left: a.basis(),
                right: basis,
            });
        }
        let mut e = alloc::vec![0i8; ring.degree()];
        sample_error(rng, &mut e);
        let mut c0 = super::keys::small_to_ntt(self.ctx, engine, &e, basis)?;
        e.zeroize();
        c0.add_assign(ring, &pt.poly)?;
        for i in 0..basis.q {
            let m = ring.modulus(i);
            for ((x, &a), &s) in c0.limb_mut(i).iter_mut().zip(a.limb(i)).zip(sk.ntt.limb(i)) {
                *x = m.sub(*x, m.mul(a, s));
            }
        }
        Ok(c0)
    }

    /// Decrypts into a plaintext `c_0 + c_1·s`.
    pub fn decrypt(
        &self,
        sk: &SecretKey<W>,
        ct: &Ciphertext<W>,
    ) -> Result<Plaintext<W>, CkksError> {
        let ring = self.ctx.ring();
        let mut poly = ct.c0.clone();
        for i in 0..ct.c0.basis().q {
            let m = ring.modulus(i);
            for ((x, &c), &s) in poly
                .limb_mut(i)
                .iter_mut()
                .zip(ct.c1.limb(i))
                .zip(sk.ntt.limb(i))
            {
                *x = m.add(*x, m.mul(c, s));
            }
        }
        Ok(Plaintext {
            poly,
            scale: ct.scale,
        })
    }

    /// The centred integer coefficients of a plaintext (exact when every
    /// coefficient is below `2^126` in absolute value).
    pub fn plaintext_coeffs<E: NttEngine<W>>(
        &self,
        engine: &mut E,
        pt: &Plaintext<W>,
    ) -> Result<Vec<i128>, CkksError> {
        let ring = self.ctx.ring();
        let mut poly = pt.poly.clone();
        poly.to_coefficient(ring, engine)?;
        Ok(super::crt::centered_i128(ring.q_moduli(), &poly))
    }

    /// Decodes a plaintext into real values (all `N/2` slots).
    pub fn decode_real<E: NttEngine<W>>(
        &self,
        engine: &mut E,
        pt: &Plaintext<W>,
    ) -> Result<Vec<f64>, CkksError> {
        let c = self.plaintext_coeffs(engine, pt)?;
        self.ctx.encoder().decode_real(&c, pt.scale)
    }

    /// Decodes a plaintext into complex values `(re, im)`.
    pub fn decode_complex<E: NttEngine<W>>(
        &self,
        engine: &mut E,
        pt: &Plaintext<W>,
    ) -> Result<Vec<(f64, f64)>, CkksError> {
        let c = self.plaintext_coeffs(engine, pt)?;
        self.ctx.encoder().decode_complex(&c, pt.scale)
    }
}
