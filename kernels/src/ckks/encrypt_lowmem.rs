//! Public-key encryption one limb at a time in two buffers of `N` words.
//!
//! The same ciphertext as [`super::Encryptor::encrypt_pk`] (CKKS 2017,
//! §3.4: `c = (v·b + e_0 + m, v·a + e_1)`, with `v`, `e_0`, `e_1` drawn in
//! that order), arranged for a device with little RAM:
//!
//! - [`sample_noise_lowmem`] draws `v` and `e_1` into `i8` buffers and adds
//!   `e_0` straight into the message's `i32` coefficients (the residues of
//!   `m_i + e_(0,i)` are those of `m_i` plus those of `e_(0,i)`), so `e_0`
//!   never needs a buffer of its own;
//! - [`encrypt_pk_limb_lowmem`] computes, for one prime, `NTT(v)` into one
//!   buffer and then `c_0` and `c_1` in turn into a single output buffer,
//!   handing each to a sink as soon as it is done (in the byte format's
//!   order: `c_0`, then `c_1`; see [`super::serialize`]).
//!
//! Working set for `L` limbs at degree `N`: `N` message words (`i32`),
//! `2·N` bytes of noise, two buffers of `N` words, plus the public key and
//! the forward NTT tables, which may live in flash
//! ([`crate::ntt::NttPlan::from_forward_tables`]). Three forward NTTs per
//! limb, no inverse.

use rand_core::Rng;

use super::sampling::{sample_error, sample_ternary};
use super::CkksError;
use crate::arith::{Modulus, Word};
use crate::ntt::{NttEngine, NttPlan};

/// Draws the noise of one public-key encryption in the order of
/// [`super::EncryptionNoise::sample`] (`v`, `e_0`, `e_1`): `v` into `v`,
/// `e_0` added to `msg_e0` (the message's integer coefficients on entry,
/// `m_i + e_(0,i)` on return), `e_1` into `e1`. All three have `N` entries.
///
/// Errors: a length mismatch; [`CkksError::ValueOutOfRange`] if a sum
/// leaves `i32` (`msg_e0` is then partly updated).
pub fn sample_noise_lowmem<R: Rng + ?Sized>(
    rng: &mut R,
    v: &mut [i8],
    msg_e0: &mut [i32],
    e1: &mut [i8],
) -> Result<(), CkksError> {
    let n = v.len();
    if let Some(&len) = [msg_e0.len(), e1.len()].iter().find(|&&l| l != n) {
        return Err(crate::Error::LengthMismatch {
            expected: n,
            actual: len,
        }
        .into());
    }
    sample_ternary(rng, v);
    let mut chunk = [0i8; 64];
    for part in msg_e0.chunks_mut(chunk.len()) {
        let e0 = &mut chunk[..part.len()];
        sample_error(rng, e0);
        for (m, &e) in part.iter_mut().zip(e0.iter()) {
            *m = m
                .checked_add(i32::from(e))
                .ok_or(CkksError::ValueOutOfRange)?;
        }
    }
    chunk.fill(0);
    sample_error(rng, e1);
    Ok(())
}

/// One limb of a public-key encryption (see the module docs).
///
/// Inputs for prime `q` (`plan`, forward transforms only): the public key's
/// limbs `b`, `a` (NTT domain), `v` and `e1`, and `msg_e0 = m + e_0` from
/// [`sample_noise_lowmem`]. `ntt_v` and `out` are `N`-word work buffers.
/// `sink` receives `c_0` and then `c_1` (NTT domain, fully reduced), each
/// in `out`. Afterwards `ntt_v` is zeroed. The words equal those of
/// [`super::encrypt_pk_limb`] and [`super::Encryptor::encrypt_pk`] for the
/// same noise and message.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_pk_limb_lowmem<W: Word, S: AsRef<[W]> + Sync, E: NttEngine<W>>(
    plan: &NttPlan<W, S>,
    engine: &mut E,
    (b, a): (&[W], &[W]),
    (v, e1): (&[i8], &[i8]),
    msg_e0: &[i32],
    ntt_v: &mut [W],
    out: &mut [W],
    mut sink: impl FnMut(&[W]),
) -> Result<(), CkksError> {
    let n = plan.degree();
    let lens = [
        b.len(),
        a.len(),
        v.len(),
        e1.len(),
        msg_e0.len(),
        ntt_v.len(),
        out.len(),
    ];
    super::encrypt::all_of_length(n, &lens)?;
    let m = *plan.modulus();
    for (x, &s) in ntt_v.iter_mut().zip(v) {
        *x = reduce_i32(&m, i32::from(s));
    }
    engine.forward(&[plan], ntt_v)?;
    for (x, &c) in out.iter_mut().zip(msg_e0) {
        *x = reduce_i32(&m, c);
    }
    engine.forward(&[plan], out)?;
    multiply_add(&m, out, ntt_v, b);
    sink(out);
    for (x, &s) in out.iter_mut().zip(e1) {
        *x = reduce_i32(&m, i32::from(s));
    }
    engine.forward(&[plan], out)?;
    multiply_add(&m, out, ntt_v, a);
    sink(out);
    ntt_v.iter_mut().for_each(|x| *x = W::ZERO);
    Ok(())
}

/// `out_i ← out_i + x_i·k_i mod q`.
fn multiply_add<W: Word>(m: &Modulus<W>, out: &mut [W], x: &[W], k: &[W]) {
    for ((o, &xx), &kk) in out.iter_mut().zip(x).zip(k) {
        *o = m.add(*o, m.mul(xx, kk));
    }
}

/// `x mod q` in `[0, q)` for any `i32` (Barrett on `|x|`, then a negation
/// chosen by the sign).
fn reduce_i32<W: Word>(m: &Modulus<W>, x: i32) -> W {
    let r = m.reduce(W::from_u64_truncating(u64::from(x.unsigned_abs())));
    if x < 0 {
        m.neg(r)
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ckks::serialize::CiphertextDigest;
    use crate::ckks::{CkksContext, CkksParams, Encryptor, PublicKey, SecretKey};
    use crate::ntt::SoftwareNtt;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use std::vec;

    #[test]
    fn reduce_i32_matches_euclidean_remainder() {
        let m = Modulus::new(1_073_479_681u32).unwrap();
        for x in [
            0,
            1,
            -1,
            21,
            -21,
            i32::MAX,
            i32::MIN,
            1_073_479_681,
            -1_073_479_681,
        ] {
            let want = i64::from(x).rem_euclid(1_073_479_681) as u32;
            assert_eq!(reduce_i32(&m, x), want, "{x}");
        }
    }

    /// The low-memory path gives the bytes of `Encryptor::encrypt_pk` for
    /// the same generator state and message.
    #[test]
    fn lowmem_encryption_equals_the_whole_ciphertext_encryption() {
        let params = CkksParams::insecure_for_tests(10, &[30, 25, 25], &[29], 33_554_432.0, 3);
        let ctx = CkksContext::<u32>::new(params.unwrap()).unwrap();
        let n = ctx.degree();
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let sk = SecretKey::generate(&ctx, &mut SoftwareNtt, &mut rng).unwrap();
        let pk = PublicKey::generate(&ctx, &mut SoftwareNtt, &sk, &mut rng).unwrap();
        // Message coefficients of every size up to ±2^30.
        let msg: std::vec::Vec<i32> = (0..n as i64)
            .map(|i| ((i * 2_654_435_761) % (1 << 31) - (1 << 30)) as i32)
            .collect();
        let enc = Encryptor::new(&ctx);
        let top = ctx.max_level();
        let wide: std::vec::Vec<i128> = msg.iter().map(|&c| i128::from(c)).collect();
        let pt = enc
            .plaintext_from_coeffs(&mut SoftwareNtt, &wide, ctx.params().scale(), top)
            .unwrap();
        let want = enc
            .encrypt_pk(&mut SoftwareNtt, &pk, &pt, &mut rng.clone())
            .unwrap()
            .digest(&ctx);

        let (mut v, mut e1, mut m) = (vec![0i8; n], vec![0i8; n], msg.clone());
        sample_noise_lowmem(&mut rng, &mut v, &mut m, &mut e1).unwrap();
        let limbs = top + 1;
        let mut digest =
            CiphertextDigest::new::<u32>(ctx.ring().log_degree(), limbs, ctx.params().scale());
        let (mut ntt_v, mut out) = (vec![0u32; n], vec![0u32; n]);
        for i in 0..limbs {
            let plan = ctx.ring().plan(i);
            let fwd =
                NttPlan::from_forward_tables(plan.modulus().value(), n, plan.forward_tables());
            digest.update_prime(plan.modulus().value());
            encrypt_pk_limb_lowmem(
                &fwd.unwrap(),
                &mut SoftwareNtt,
                (pk.b().limb(i), pk.a().limb(i)),
                (&v, &e1),
                &m,
                &mut ntt_v,
                &mut out,
                |c| digest.update_words(c),
            )
            .unwrap();
            assert!(ntt_v.iter().all(|&x| x == 0));
        }
        assert_eq!(digest.finalize(), want);
    }

    #[test]
    fn bad_lengths_and_overflow_are_refused() {
        let mut rng = ChaCha20Rng::from_seed([1; 32]);
        let (mut v, mut e1) = (vec![0i8; 16], vec![0i8; 16]);
        let mut short = vec![0i32; 15];
        assert!(sample_noise_lowmem(&mut rng, &mut v, &mut short, &mut e1).is_err());
        // i32::MAX plus a positive error overflows somewhere in 4096 draws.
        let (mut v, mut e1) = (vec![0i8; 4096], vec![0i8; 4096]);
        let mut m = vec![i32::MAX; 4096];
        assert_eq!(
            sample_noise_lowmem(&mut rng, &mut v, &mut m, &mut e1),
            Err(CkksError::ValueOutOfRange)
        );
    }
}
