//! The CKKS workloads of the soft-core, identical on the host.
//!
//! ## Encode + public-key encryption (the determinism known answer)
//! The procedure of `kernels/tests/ckks_determinism.rs`, whose committed
//! digest the firmware must reproduce:
//! 1. `rng = ChaCha20Rng::from_seed([7; 32])`;
//! 2. secret key, then public key, from `rng`;
//! 3. `x_j = ((37·j) mod 2048)/1024 − 1`, `j = 0..2048`, encoded at the
//!    scale and top level of [`encrypt_params`] (N = 4096, primes of
//!    30, 25, 25 bits and a 29-bit special prime, `Δ = 2^25`, `u32` words);
//! 4. public-key encryption with the same `rng`; the digest is
//!    `Ciphertext::digest` (SHA-256 of the ciphertext's byte format).
//!
//! [`EncryptSetup::encode_encrypt`] runs steps 3–4 with the whole-ciphertext
//! API; [`EncryptSetup::encode_encrypt_streaming`] computes the same bytes
//! one limb at a time (`encrypt_pk_limb`, `CiphertextDigest`), holding one
//! limb of `c_0`, `c_1` instead of the whole ciphertext.
//!
//! ## Multiply + relinearize + rescale (small, insecure parameters)
//! [`mul_relin_rescale`]: `rng = ChaCha20Rng::from_seed([9; 32])`; keys
//! (secret, public, relinearization) from it; `x_j` as above and
//! `y_j = ((53·j) mod 512)/256 − 1` for the 512 slots of N = 1024, each
//! encrypted with the public key (`x` first); their product relinearized and
//! rescaled; the digest of the result. The parameters
//! ([`mul_params`]: N = 1024, primes of 30, 25 bits and a 30-bit special
//! prime, `Δ = 2^25`) are an explicitly insecure test set
//! (`CkksParams::insecure_for_tests`), small enough for the soft-core's RAM.

use crate::digest::Digest;
use crate::Error;
use alloc::vec::Vec;
use hearth_kernels::ckks::eval::Evaluator;
use hearth_kernels::ckks::keys::RelinKey;
use hearth_kernels::ckks::serialize::CiphertextDigest;
use hearth_kernels::ckks::{
    encrypt_pk_limb, Ciphertext, CkksContext, CkksParams, EncryptionNoise, Encryptor, PublicKey,
    SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Seed of the encryption known answer.
pub const ENCRYPT_SEED: [u8; 32] = [7; 32];
/// The scale `Δ = 2^25` of [`encrypt_params`].
pub const SCALE: f64 = 33_554_432.0;
/// Seed of the multiplication workload.
pub const MUL_SEED: [u8; 32] = [9; 32];

/// N = 4096, chain primes of 30, 25, 25 bits, one 29-bit special prime,
/// `Δ = 2^25`, dnum 3 (128-bit secure: 109 bits ≤ 109).
pub fn encrypt_params() -> Result<CkksParams, Error> {
    Ok(CkksParams::new(12, &[30, 25, 25], &[29], SCALE, 3)?)
}

/// N = 1024, chain primes of 30, 25 bits, one 30-bit special prime,
/// `Δ = 2^25`, dnum 2. **Insecure** (85 bits > 27 at N = 1024): a test set.
pub fn mul_params() -> Result<CkksParams, Error> {
    Ok(CkksParams::insecure_for_tests(
        10,
        &[30, 25],
        &[30],
        33_554_432.0,
        2,
    )?)
}

/// `x_j = ((37·j) mod s)/(s/2) − 1` for `j = 0..s` (exact binary fractions).
pub fn values_x(slots: usize) -> Vec<f64> {
    values_x_iter(slots).collect()
}

/// The values of [`values_x`] one by one (nothing held in RAM).
pub fn values_x_iter(slots: usize) -> impl Iterator<Item = f64> {
    (0..slots).map(move |j| ((37 * j) % slots) as f64 / (slots / 2) as f64 - 1.0)
}

/// `y_j = ((53·j) mod s)/(s/2) − 1` for `j = 0..s`.
pub fn values_y(slots: usize) -> Vec<f64> {
    (0..slots)
        .map(|j| ((53 * j) % slots) as f64 / (slots / 2) as f64 - 1.0)
        .collect()
}

/// The context, public key and generator state after key generation.
pub struct EncryptSetup {
    /// The CKKS context of [`encrypt_params`].
    pub ctx: CkksContext<u32>,
    /// The public key.
    pub pk: PublicKey<u32>,
    /// The generator right after key generation.
    pub rng: ChaCha20Rng,
}

impl EncryptSetup {
    /// Steps 1–2: context and keys from [`ENCRYPT_SEED`].
    pub fn new() -> Result<Self, Error> {
        let ctx = CkksContext::<u32>::new(encrypt_params()?)?;
        let mut rng = ChaCha20Rng::from_seed(ENCRYPT_SEED);
        let mut e = SoftwareNtt;
        let sk = SecretKey::generate(&ctx, &mut e, &mut rng)?;
        let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng)?;
        Ok(Self { ctx, pk, rng })
    }

    /// Steps 3–4 with whole ciphertexts; returns the ciphertext's digest.
    pub fn encode_encrypt(&self, values: &[f64]) -> Result<Digest, Error> {
        let mut rng = self.rng.clone();
        let mut e = SoftwareNtt;
        let enc = Encryptor::new(&self.ctx);
        let scale = self.ctx.params().scale();
        let pt = enc.encode_real(&mut e, values, scale, self.ctx.max_level())?;
        let ct = enc.encrypt_pk(&mut e, &self.pk, &pt, &mut rng)?;
        Ok(ct.digest(&self.ctx))
    }

    /// Step 3 alone: the message's integer coefficients `⌊Δ·m_i⌉`.
    pub fn encode(&self, values: &[f64]) -> Result<Vec<i64>, Error> {
        let n = self.ctx.degree();
        let mut coeffs = crate::mem::try_vec(0i128, n)?;
        self.ctx
            .encoder()
            .encode_real(values, self.ctx.params().scale(), &mut coeffs)?;
        let mut msg = crate::mem::try_vec(0i64, n)?;
        for (m, &c) in msg.iter_mut().zip(&coeffs) {
            *m = i64::try_from(c).map_err(|_| Error::CoefficientOverflow)?;
        }
        Ok(msg)
    }

    /// Step 4 one limb at a time from the coefficients of [`Self::encode`];
    /// returns the ciphertext's digest.
    pub fn encrypt_streaming(&self, msg: &[i64]) -> Result<Digest, Error> {
        let mut rng = self.rng.clone();
        let mut e = SoftwareNtt;
        let ctx = &self.ctx;
        let n = ctx.degree();
        let noise = EncryptionNoise::sample(n, &mut rng);
        let limbs = ctx.max_level() + 1;
        let scale = ctx.params().scale();
        let mut digest = CiphertextDigest::new::<u32>(ctx.ring().log_degree(), limbs, scale);
        let mut c0 = crate::mem::try_vec(0u32, n)?;
        let mut c1 = crate::mem::try_vec(0u32, n)?;
        let mut scratch = crate::mem::try_vec(0u32, n)?;
        for i in 0..limbs {
            encrypt_pk_limb(
                ctx.ring().plan(i),
                &mut e,
                self.pk.b().limb(i),
                self.pk.a().limb(i),
                (&noise.v, &noise.e0, &noise.e1),
                msg,
                &mut c0,
                &mut c1,
                &mut scratch,
            )?;
            digest.update_limb(ctx.ring().modulus(i).value(), &c0, &c1);
        }
        Ok(digest.finalize())
    }

    /// Steps 3–4 one limb at a time ([`Self::encode`], then
    /// [`Self::encrypt_streaming`]); the same digest as
    /// [`Self::encode_encrypt`].
    pub fn encode_encrypt_streaming(&self, values: &[f64]) -> Result<Digest, Error> {
        let msg = self.encode(values)?;
        self.encrypt_streaming(&msg)
    }

    /// One forward NTT of `N` words modulo the first prime (a cost
    /// reference); returns the digest of the transform of `0, 1, …, N−1`.
    pub fn forward_ntt(&self) -> Result<Digest, Error> {
        let n = self.ctx.degree();
        let mut a = crate::mem::try_vec(0u32, n)?;
        for (i, x) in a.iter_mut().enumerate() {
            *x = i as u32;
        }
        self.ctx.ring().plan(0).forward(&mut a)?;
        Ok(crate::digest::words_digest(a.iter().map(|&x| u64::from(x))))
    }
}

/// What the multiplication workload leaves: its context, the secret key
/// (to check the result on the host) and the rescaled product.
pub struct MulOutcome {
    /// The context of [`mul_params`].
    pub ctx: CkksContext<u32>,
    /// The secret key.
    pub sk: SecretKey<u32>,
    /// `rescale(relin(x·y))`.
    pub product: Ciphertext<u32>,
}

impl MulOutcome {
    /// The product's digest (`Ciphertext::digest`).
    pub fn digest(&self) -> Digest {
        self.product.digest(&self.ctx)
    }
}

/// The multiplication workload (see the module documentation).
pub fn mul_relin_rescale() -> Result<MulOutcome, Error> {
    let ctx = CkksContext::<u32>::new(mul_params()?)?;
    let mut rng = ChaCha20Rng::from_seed(MUL_SEED);
    let mut e = SoftwareNtt;
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng)?;
    let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng)?;
    let rk = RelinKey::generate(&ctx, &mut e, &sk, &mut rng)?;
    let enc = Encryptor::new(&ctx);
    let (scale, top) = (ctx.params().scale(), ctx.max_level());
    let slots = ctx.degree() / 2;
    let px = enc.encode_real(&mut e, &values_x(slots), scale, top)?;
    let py = enc.encode_real(&mut e, &values_y(slots), scale, top)?;
    let cx = enc.encrypt_pk(&mut e, &pk, &px, &mut rng)?;
    let cy = enc.encrypt_pk(&mut e, &pk, &py, &mut rng)?;
    let mut ev = Evaluator::new(&ctx, SoftwareNtt);
    let prod = ev.multiply_relin(&cx, &cy, &rk)?;
    let product = ev.rescale(&prod)?;
    Ok(MulOutcome { ctx, sk, product })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_encryption_gives_the_whole_ciphertext_digest() {
        let setup = EncryptSetup::new().unwrap();
        let x = values_x(2048);
        let whole = setup.encode_encrypt(&x).unwrap();
        assert_eq!(setup.encode_encrypt_streaming(&x).unwrap(), whole);
        let mut buf = [0u8; 64];
        std::println!(
            "encrypt digest {}",
            crate::digest::hex_str(&whole, &mut buf)
        );
    }

    #[test]
    fn product_decrypts_to_the_product_of_the_inputs() {
        let MulOutcome {
            ctx,
            sk,
            product: ct,
        } = mul_relin_rescale().unwrap();
        let enc = hearth_kernels::ckks::Encryptor::new(&ctx);
        let got = enc
            .decode_real(&mut SoftwareNtt, &enc.decrypt(&sk, &ct).unwrap())
            .unwrap();
        let slots = ctx.degree() / 2;
        let want: Vec<f64> = values_x(slots)
            .iter()
            .zip(values_y(slots))
            .map(|(a, b)| a * b)
            .collect();
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1.0 / 64.0, "worst slot error {worst}");
    }
}
