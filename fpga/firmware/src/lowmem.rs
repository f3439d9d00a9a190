//! Encode + public-key encryption in under 64 KiB of RAM.
//!
//! The known answer of [`crate::ckks_kat`] (N = 4096, three chain primes,
//! `Δ = 2^25`, `ChaCha20Rng::from_seed([7; 32])`, 2048 values
//! `x_j = ((37·j) mod 2048)/1024 − 1`), computed the way a sensor device
//! with a provisioned public key would:
//!
//! - **In flash** (`.rodata`, written by `build.rs` with the host kernels):
//!   the forward NTT tables of the three primes (`2·N` words each, checked
//!   in O(N) by `NttPlan::from_forward_tables` before use), the public key
//!   (`b`, `a`, three limbs each: 96 KiB) and the encoder's cosine table
//!   (16 KiB). Key generation ran at build time from the seed; the device
//!   resumes the generator where key generation left it
//!   ([`provisioned::RNG_WORD_POS`]) so its encryption draws the same noise
//!   as the on-device key generation path.
//! - **In RAM**: the encoder's `N` `i64` words (32 KiB) while encoding, then
//!   the message `m + e_0` as `N` `i32` (16 KiB), `v` and `e_1` (`N` bytes
//!   each), `NTT(v)` and one output buffer (`N` words each): 56 KiB at the
//!   peak, plus the stack.
//!
//! Coefficients come from [`LowMemEncoder`] (64-bit fixed point), not the
//! `I64F64` encoder, so the digest (`result ckks encrypt-pk-lowmem`) is
//! that of its own computation, which `cargo xtask firmware` repeats on the
//! host. When both encoders agree on every coefficient, the ciphertext is
//! the one of `result ckks encrypt-pk` (tested on the host).

use crate::digest::Digest;
use crate::mem::try_vec;
use crate::Error;
use alloc::vec::Vec;
use hearth_kernels::ckks::serialize::CiphertextDigest;
use hearth_kernels::ckks::{encrypt_pk_limb_lowmem, sample_noise_lowmem, LowMemEncoder};
use hearth_kernels::ntt::{NttPlan, SoftwareNtt};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zeroize::Zeroize;

/// Bytes aligned for the words they hold (`include_bytes!` data in flash).
#[repr(C, align(8))]
pub struct Aligned<B: ?Sized>(pub B);

/// The data `build.rs` provisions in flash.
pub mod provisioned {
    use super::Aligned;
    include!(concat!(env!("OUT_DIR"), "/provisioned.rs"));
}

/// `log2 N`.
pub const LOG_N: u32 = 12;
/// `N`.
pub const N: usize = 1 << LOG_N;

fn words<T: bytemuck::Pod>(bytes: &'static Aligned<[u8]>) -> Result<&'static [T], Error> {
    bytemuck::try_cast_slice(&bytes.0).map_err(|_| Error::BadProvisionedData)
}

/// Forward NTT tables of prime `i`, from flash.
pub fn twiddles(i: usize) -> Result<&'static [u32], Error> {
    words(
        provisioned::TWIDDLES
            .get(i)
            .ok_or(Error::BadProvisionedData)?,
    )
}

/// The public key's limbs `(b_i, a_i)`, from flash.
pub fn public_key(i: usize) -> Result<(&'static [u32], &'static [u32]), Error> {
    let b = provisioned::PK_B.get(i).ok_or(Error::BadProvisionedData)?;
    let a = provisioned::PK_A.get(i).ok_or(Error::BadProvisionedData)?;
    Ok((words(b)?, words(a)?))
}

/// The encoder's cosine table, from flash.
pub fn cos_table() -> Result<&'static [i64], Error> {
    words(provisioned::COS_TABLE)
}

/// The `N` coefficients `⌊Δ·m_i⌉` of `values` as `i32` (the encoder's
/// 32 KiB buffer is freed before returning).
pub fn encode(values: impl IntoIterator<Item = f64>) -> Result<Vec<i32>, Error> {
    let encoder = LowMemEncoder::new(LOG_N, cos_table()?)?;
    // `msg` first: freeing `buf` then leaves one 32 KiB hole, which
    // `encrypt` fills exactly with its two word buffers.
    let mut msg = try_vec(0i32, N)?;
    let mut buf = try_vec(0i64, N)?;
    encoder.encode_real_in_place(values, crate::ckks_kat::SCALE, &mut buf)?;
    for (m, &c) in msg.iter_mut().zip(&buf) {
        *m = i32::try_from(c).map_err(|_| Error::CoefficientOverflow)?;
    }
    Ok(msg)
}

/// Public-key encryption of the coefficients `msg` limb by limb, each
/// limb's `c_0` then `c_1` hashed as soon as it is computed; returns the
/// ciphertext's digest (`Ciphertext::digest`). Consumes `msg` (it becomes
/// `m + e_0`, then is zeroed).
pub fn encrypt(mut msg: Vec<i32>) -> Result<Digest, Error> {
    let mut rng = ChaCha20Rng::from_seed(crate::ckks_kat::ENCRYPT_SEED);
    rng.set_word_pos(provisioned::RNG_WORD_POS);
    // The word buffers first, into the encoder's freed 32 KiB (see
    // `encode`), then the noise after the message.
    let mut ntt_v = try_vec(0u32, N)?;
    let mut out = try_vec(0u32, N)?;
    let mut v = try_vec(0i8, N)?;
    let mut e1 = try_vec(0i8, N)?;
    sample_noise_lowmem(&mut rng, &mut v, &mut msg, &mut e1)?;
    let limbs = provisioned::LIMBS;
    let mut digest = CiphertextDigest::new::<u32>(LOG_N, limbs, crate::ckks_kat::SCALE);
    for (i, &q) in provisioned::PRIMES.iter().enumerate() {
        let plan = NttPlan::from_forward_tables(q, N, twiddles(i)?)?;
        digest.update_prime(q);
        encrypt_pk_limb_lowmem(
            &plan,
            &mut SoftwareNtt,
            public_key(i)?,
            (&v, &e1),
            &msg,
            &mut ntt_v,
            &mut out,
            |c| digest.update_words(c),
        )?;
    }
    v.zeroize();
    e1.zeroize();
    msg.zeroize();
    Ok(digest.finalize())
}

/// [`encode`] then [`encrypt`].
pub fn encode_encrypt(values: impl IntoIterator<Item = f64>) -> Result<Digest, Error> {
    encrypt(encode(values)?)
}

#[cfg(test)]
mod tests;
