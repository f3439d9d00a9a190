//! Determinism: a seeded run gives the same ciphertext bytes, and the
//! committed SHA-256 digests below are what the firmware (riscv32imac under
//! qemu) and the simulator must reproduce.
//!
//! ## The known-answer procedure (reproduce it exactly)
//! 1. `rng = ChaCha20Rng::from_seed([7u8; 32])` (rand_chacha 0.10).
//! 2. `sk = SecretKey::generate`, then `pk = PublicKey::generate`, both with
//!    `rng` and any `NttEngine`.
//! 3. Values `x_j = ((37·j) mod 2048) / 1024 − 1` for `j = 0..2048` (exact
//!    binary fractions), encoded with `Encryptor::encode_real` at the
//!    parameter set's scale and top level.
//! 4. `Encryptor::encrypt_pk` with the same `rng`; digest
//!    `Ciphertext::digest` (SHA-256 of the byte format of
//!    `hearth_kernels::ckks::serialize`).
//!
//! The digests were produced by this code on x86_64; they are regression
//! anchors for the other targets, which compute them independently.

use hearth_kernels::arith::Word;
use hearth_kernels::ckks::serialize::CiphertextDigest;
use hearth_kernels::ckks::{
    encrypt_pk_limb, Ciphertext, CkksContext, CkksParams, EncryptionNoise, Encryptor, PublicKey,
    SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// u32, N = 4096, ≤ 30-bit primes: the firmware's known answer.
const DIGEST_U32_4096: &str = "4ea12d64645e6b0ca1ff599bde1f7c26f5c9bc80d596e041f99ea67adfe82da2";
/// u64, N = 8192, SEAL's [49, 40, 40, 40 | 49] sizes.
const DIGEST_U64_8192: &str = "7bcf2e73ef212bea4b19b5bc1287d175c746696b6ce1f8718c543a174c7fd5a1";

fn kat_values() -> Vec<f64> {
    (0..2048)
        .map(|j| ((37 * j) % 2048) as f64 / 1024.0 - 1.0)
        .collect()
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn kat<W: Word>(params: CkksParams) -> (CkksContext<W>, PublicKey<W>, Ciphertext<W>) {
    let ctx = CkksContext::<W>::new(params).unwrap();
    let mut rng = ChaCha20Rng::from_seed([7u8; 32]);
    let mut e = SoftwareNtt;
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let enc = Encryptor::new(&ctx);
    let pt = enc
        .encode_real(&mut e, &kat_values(), ctx.params().scale(), ctx.max_level())
        .unwrap();
    let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap();
    // Decrypts to the values (the digest is of a correct ciphertext).
    let got = enc
        .decode_real(&mut e, &enc.decrypt(&sk, &ct).unwrap())
        .unwrap();
    let worst = kat_values()
        .iter()
        .zip(&got)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // Fresh public-key noise is about 2^15.5 in the worst slot; at scale
    // 2^25 that is 2^-9.5.
    assert!(worst < 2f64.powi(-8), "worst {worst}");
    (ctx, pk, ct)
}

fn firmware_params() -> CkksParams {
    CkksParams::new(12, &[30, 25, 25], &[29], 2f64.powi(25), 3).unwrap()
}

#[test]
fn same_seed_same_bytes() {
    let (ctx, _, a) = kat::<u32>(firmware_params());
    let (_, _, b) = kat::<u32>(firmware_params());
    assert_eq!(a.to_le_bytes(&ctx), b.to_le_bytes(&ctx));
    let back = Ciphertext::from_le_bytes(&ctx, &a.to_le_bytes(&ctx)).unwrap();
    assert_eq!(back, a);
    assert!(a.validate(&ctx).is_ok());
    // The byte format names its primes: another parameter set refuses it.
    let other = CkksContext::<u32>::new(
        CkksParams::new(12, &[30, 26, 26], &[27], 2f64.powi(25), 3).unwrap(),
    )
    .unwrap();
    assert!(Ciphertext::from_le_bytes(&other, &a.to_le_bytes(&ctx)).is_err());
    // `validate` checks the structure (degree, basis, residues), not the
    // primes' identity.
    let smaller = CkksContext::<u32>::new(
        CkksParams::insecure_for_tests(11, &[30, 25, 25], &[29], 2f64.powi(25), 3).unwrap(),
    )
    .unwrap();
    assert!(a.validate(&smaller).is_err());
    let mut bytes = a.to_le_bytes(&ctx);
    bytes.pop();
    assert!(Ciphertext::<u32>::from_le_bytes(&ctx, &bytes).is_err());
}

#[test]
fn committed_digest_u32_4096() {
    let (ctx, _, ct) = kat::<u32>(firmware_params());
    println!("u32 digest {}", hex(&ct.digest(&ctx)));
    assert_eq!(hex(&ct.digest(&ctx)), DIGEST_U32_4096);
}

#[test]
fn committed_digest_u64_8192() {
    let p = CkksParams::new(13, &[49, 40, 40, 40], &[49], 2f64.powi(40), 4).unwrap();
    let (ctx, _, ct) = kat::<u64>(p);
    println!("u64 digest {}", hex(&ct.digest(&ctx)));
    assert_eq!(hex(&ct.digest(&ctx)), DIGEST_U64_8192);
}

/// The limb-by-limb encryption of the firmware gives the same digest.
#[test]
fn streaming_encryption_matches() {
    let (ctx, pk, ct) = kat::<u32>(firmware_params());
    // Replay the RNG up to the encryption: key generation draws first.
    let mut rng = ChaCha20Rng::from_seed([7u8; 32]);
    let mut e = SoftwareNtt;
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
    let _pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let n = ctx.degree();
    let mut coeffs = vec![0i128; n];
    ctx.encoder()
        .encode_real(&kat_values(), ctx.params().scale(), &mut coeffs)
        .unwrap();
    let msg: Vec<i64> = coeffs.iter().map(|&c| i64::try_from(c).unwrap()).collect();
    let noise = EncryptionNoise::sample(n, &mut rng);
    let limbs = ctx.max_level() + 1;
    let mut digest =
        CiphertextDigest::new::<u32>(ctx.ring().log_degree(), limbs, ctx.params().scale());
    let (mut c0, mut c1, mut scratch) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
    for i in 0..limbs {
        encrypt_pk_limb(
            ctx.ring().plan(i),
            &mut e,
            pk.b().limb(i),
            pk.a().limb(i),
            (&noise.v, &noise.e0, &noise.e1),
            &msg,
            &mut c0,
            &mut c1,
            &mut scratch,
        )
        .unwrap();
        assert_eq!(c0, ct.c0().limb(i));
        assert_eq!(c1, ct.c1().limb(i));
        digest.update_limb(ctx.ring().modulus(i).value(), &c0, &c1);
    }
    assert_eq!(digest.finalize(), ct.digest(&ctx));
}
