//! The scale `Δ` of a ciphertext or plaintext from an untrusted source is
//! checked where it is parsed: finite, at least 1 and below 2^192 (the
//! decoder divides a 128-bit coefficient by `2^⌊log2 Δ⌋` with a right shift
//! by `⌊log2 Δ⌋ − 64`, which must stay below 128). Before this check, a
//! ciphertext with `Δ ≥ 2^192` decoded to silent zeros.

use hearth_kernels::ckks::encoding::{check_scale, MAX_SCALE};
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksError, CkksParams, Encoder, Encryptor, PublicKey, SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Scales no ciphertext may carry: NaN, ±∞, negative, zero, subnormal,
/// below 1, 2^192 and above.
fn bad_scales() -> Vec<f64> {
    vec![
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        -(2f64.powi(40)),
        0.0,
        -0.0,
        f64::MIN_POSITIVE / 2.0,
        0.5,
        2f64.powi(192),
        2f64.powi(200),
        f64::MAX,
    ]
}

fn small() -> (CkksContext<u64>, Ciphertext<u64>) {
    let ctx = CkksContext::<u64>::new(
        CkksParams::insecure_for_tests(5, &[50, 40], &[50], 2f64.powi(30), 1).unwrap(),
    )
    .unwrap();
    let mut rng = ChaCha20Rng::from_seed([3u8; 32]);
    let mut e = SoftwareNtt;
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let enc = Encryptor::new(&ctx);
    let pt = enc
        .encode_real(&mut e, &[0.5, -0.25], ctx.params().scale(), ctx.max_level())
        .unwrap();
    let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap();
    (ctx, ct)
}

fn with_scale(bytes: &[u8], scale: f64) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[16..24].copy_from_slice(&scale.to_bits().to_le_bytes());
    b
}

#[test]
fn parsing_refuses_every_out_of_range_scale() {
    let (ctx, ct) = small();
    let bytes = ct.to_le_bytes(&ctx);
    for s in bad_scales() {
        match Ciphertext::<u64>::from_le_bytes(&ctx, &with_scale(&bytes, s)) {
            Err(CkksError::ScaleOutOfRange { scale }) => {
                assert_eq!(scale.to_bits(), s.to_bits())
            }
            other => panic!("scale {s:e} parsed as {other:?}"),
        }
    }
    // The largest scale below the limit and the smallest allowed one parse.
    for s in [1.0, f64::from_bits(MAX_SCALE.to_bits() - 1), 2f64.powi(150)] {
        let back = Ciphertext::<u64>::from_le_bytes(&ctx, &with_scale(&bytes, s)).unwrap();
        assert_eq!(back.scale().to_bits(), s.to_bits());
    }
}

#[test]
fn validate_refuses_out_of_range_scales() {
    let (ctx, mut ct) = small();
    assert!(ct.validate(&ctx).is_ok());
    for s in bad_scales() {
        ct.set_scale(s);
        assert!(
            matches!(ct.validate(&ctx), Err(CkksError::ScaleOutOfRange { .. })),
            "scale {s:e}"
        );
    }
}

#[test]
fn plaintext_validate_checks_scale_and_structure() {
    let (ctx, _) = small();
    let mut e = SoftwareNtt;
    let enc = Encryptor::new(&ctx);
    let pt = enc
        .encode_real(&mut e, &[1.0], ctx.params().scale(), ctx.max_level())
        .unwrap();
    assert!(pt.validate(&ctx).is_ok());
    let huge = enc.encode_real(&mut e, &[1.0], 2f64.powi(62), 0).unwrap();
    assert!(huge.validate(&ctx).is_ok());
    let other = CkksContext::<u64>::new(
        CkksParams::insecure_for_tests(6, &[50, 40], &[50], 2f64.powi(30), 1).unwrap(),
    )
    .unwrap();
    assert!(pt.validate(&other).is_err());
}

#[test]
fn decoding_refuses_scales_the_shift_cannot_handle() {
    let enc = Encoder::new(4).unwrap();
    let mut coeffs = vec![0i128; 16];
    coeffs[0] = i128::MAX;
    for s in bad_scales() {
        assert!(
            matches!(check_scale(s), Err(CkksError::ScaleOutOfRange { scale }) if scale.to_bits() == s.to_bits()),
            "scale {s:e}"
        );
        assert!(
            matches!(
                enc.decode_real(&coeffs, s),
                Err(CkksError::ScaleOutOfRange { .. })
            ),
            "scale {s:e}"
        );
    }
    // Just below the limit: c / Δ < 2^127 / 2^191 = 2^-64, decoded as 0
    // (a constant polynomial c puts c/Δ in every slot).
    let near = f64::from_bits(MAX_SCALE.to_bits() - 1);
    for v in enc.decode_real(&coeffs, near).unwrap() {
        assert!(v.abs() <= 2f64.powi(-60), "{v:e}");
    }
    // A scale well inside the range divides exactly: c = 2^120 at Δ = 2^118
    // gives 4 in every slot.
    coeffs[0] = 1i128 << 120;
    for v in enc.decode_real(&coeffs, 2f64.powi(118)).unwrap() {
        assert!((v - 4.0).abs() < 1e-15, "{v}");
    }
}
