//! The bootstrap known answer: one seeded CKKS bootstrap at the smallest
//! preset, run by the firmware's bootstrap image under qemu and by
//! `cargo xtask firmware` on the host, whose digests must be equal.
//!
//! ## The procedure
//! The one of `committed_digest_toy_n10` in `kernels/tests/ckks_boot.rs`
//! (the kernels' regression known answer `DIGEST_TOY_N10_SEED7`):
//! 1. the context of [`presets::TOY_N10_FULL`] (N = 2^10, 512 slots,
//!    **insecure**: `BootPreset::insecure_for_tests`), `u64` words;
//! 2. `rng = ChaCha20Rng::seed_from_u64(7)` ([`BOOT_SEED`]); from it a
//!    sparse secret of the preset's Hamming weight (32), the public key,
//!    then ([`MemoryKeySource::generate`]) the relinearization key and the
//!    Galois key of every element the bootstrapper uses, in order of first
//!    use;
//! 3. the message ([`message`]): 512 values `u_j` in `[−1, 1)` from a
//!    64-bit linear congruential generator seeded with `7 ^ 0x5eed`, each
//!    an exact binary fraction (so its `f64` arithmetic is exact on every
//!    target, soft-float included), encoded at the input scale `2^45` at
//!    level 0 (the fixed-point encoder: integer arithmetic only);
//! 4. public-key encryption with the same `rng`, then the bootstrap;
//!    the digest is `Ciphertext::digest` of the result (SHA-256 of its
//!    byte format).
//!
//! The host checks that the result decrypts to the message
//! ([`BootOutcome::worst_error`] below [`MAX_ERROR`]) before it trusts the
//! digest.

use crate::digest::Digest;
use crate::Error;
use alloc::vec::Vec;
use hearth_kernels::ckks::boot::presets::{self, BootPreset};
use hearth_kernels::ckks::boot::uniform_message;
use hearth_kernels::ckks::boot::{Bootstrapper, MemoryKeySource};
use hearth_kernels::ckks::{Ciphertext, CkksContext, Encryptor, Evaluator, PublicKey, SecretKey};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The name of the known answer's `result ckks …` line.
pub const RESULT_NAME: &str = "bootstrap-toy-n10";
/// The preset bootstrapped.
pub const PRESET: BootPreset = presets::TOY_N10_FULL;
/// Seed of the generator (`ChaCha20Rng::seed_from_u64`).
pub const BOOT_SEED: u64 = 7;
/// Largest error accepted in a slot of the decrypted result (the kernels'
/// test asks at least 22 bits of precision in the worst slot).
pub const MAX_ERROR: f64 = 1.0 / 4_194_304.0; // 2^-22

/// The message of the known answer: [`uniform`] values for the
/// bootstrapper's `boot_slots`, seeded with `BOOT_SEED ^ 0x5eed`, repeated
/// over all `slots` (a full preset: `boot_slots = slots`).
pub fn message(boot_slots: usize, slots: usize) -> Vec<f64> {
    let values = uniform_message(boot_slots, BOOT_SEED ^ 0x5eed);
    (0..slots).map(|i| values[i % values.len()]).collect()
}

/// The context, keys, bootstrapper and generator after key generation
/// (steps 1–2).
pub struct BootSetup {
    /// The CKKS context of [`PRESET`].
    pub ctx: CkksContext<u64>,
    /// The sparse secret key (to check the result on the host).
    pub sk: SecretKey<u64>,
    /// The public key.
    pub pk: PublicKey<u64>,
    /// The bootstrapper (encoded DFT matrices, level plan).
    pub boot: Bootstrapper<u64>,
    /// The relinearization and Galois keys.
    pub keys: MemoryKeySource<u64>,
    /// The generator right after key generation.
    pub rng: ChaCha20Rng,
}

impl BootSetup {
    /// Steps 1–2: context, bootstrapper and keys from [`BOOT_SEED`].
    pub fn new() -> Result<Self, Error> {
        let ctx = CkksContext::<u64>::new(PRESET.insecure_for_tests()?)?;
        let mut rng = ChaCha20Rng::seed_from_u64(BOOT_SEED);
        let e = &mut SoftwareNtt;
        let sk = SecretKey::generate_sparse(&ctx, e, PRESET.hamming_weight, &mut rng)?;
        let pk = PublicKey::generate(&ctx, e, &sk, &mut rng)?;
        let boot = Bootstrapper::new(&ctx, e, PRESET.boot)?;
        let keys = MemoryKeySource::generate(&ctx, e, &sk, &boot, &mut rng)?;
        Ok(Self {
            ctx,
            sk,
            pk,
            boot,
            keys,
            rng,
        })
    }

    /// The message of step 3 for this context.
    pub fn message(&self) -> Vec<f64> {
        message(self.boot.slots(), self.ctx.params().slots())
    }

    /// Steps 3–4: encodes and encrypts the message at level 0 and
    /// bootstraps it.
    pub fn bootstrap(mut self) -> Result<BootOutcome, Error> {
        let message = self.message();
        let e = &mut SoftwareNtt;
        let enc = Encryptor::new(&self.ctx);
        let pt = enc.encode_real(e, &message, PRESET.boot.input_scale, 0)?;
        let ct = enc.encrypt_pk(e, &self.pk, &pt, &mut self.rng)?;
        let mut ev = Evaluator::new(&self.ctx, SoftwareNtt);
        let output = self.boot.bootstrap(&mut ev, &mut self.keys, &ct)?;
        Ok(BootOutcome {
            ctx: self.ctx,
            sk: self.sk,
            message,
            output,
        })
    }
}

/// What the known answer leaves: the context, the secret key and message
/// (to check the result) and the bootstrapped ciphertext.
pub struct BootOutcome {
    /// The CKKS context of [`PRESET`].
    pub ctx: CkksContext<u64>,
    /// The secret key.
    pub sk: SecretKey<u64>,
    /// The message encrypted (all slots).
    pub message: Vec<f64>,
    /// The bootstrapped ciphertext.
    pub output: Ciphertext<u64>,
}

impl BootOutcome {
    /// The bootstrapped ciphertext's digest (`Ciphertext::digest`).
    pub fn digest(&self) -> Digest {
        self.output.digest(&self.ctx)
    }

    /// The largest difference between a decrypted slot and the message,
    /// `max(|re − m_j|, |im|)` over the slots `j` (the message is real).
    pub fn worst_error(&self) -> Result<f64, Error> {
        let enc = Encryptor::new(&self.ctx);
        let pt = enc.decrypt(&self.sk, &self.output)?;
        let got = enc.decode_complex(&mut SoftwareNtt, &pt)?;
        Ok(got
            .iter()
            .zip(&self.message)
            .map(|(&(re, im), &want)| (re - want).abs().max(im.abs()))
            .fold(0.0, f64::max))
    }
}

/// The whole known answer (steps 1–4).
pub fn bootstrap_kat() -> Result<BootOutcome, Error> {
    BootSetup::new()?.bootstrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_decrypts_to_the_message() {
        let out = bootstrap_kat().unwrap();
        let worst = out.worst_error().unwrap();
        assert!(worst < MAX_ERROR, "worst slot error {worst}");
        let mut buf = [0u8; 64];
        std::println!(
            "bootstrap digest {}",
            crate::digest::hex_str(&out.digest(), &mut buf)
        );
    }
}
