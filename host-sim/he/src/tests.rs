//! Unit tests of the HE building blocks against plaintext arithmetic, and
//! the small session they share.

use super::params::Selection;
use super::session::Session;
use hearth_device::Counting;
use hearth_kernels::ckks::{CkksParams, Evaluator};
use hearth_kernels::ntt::SoftwareNtt;

pub(crate) fn session() -> (Session, Counting<SoftwareNtt>) {
    let params =
        CkksParams::insecure_for_tests(10, &[50, 39, 39, 39], &[50], 2f64.powi(39), 4).unwrap();
    let sel = Selection {
        params,
        scale_bits: 39,
        headroom_bits: 11,
        depth: 3,
        bootstrap: None,
    };
    let mut e = Counting::new(SoftwareNtt);
    let s = Session::new(sel, Some(5), &[1, 2], &mut e).unwrap();
    (s, e)
}

#[test]
fn encrypt_decrypt_round_trip() {
    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let d = s.decrypt(&mut e, &ct).unwrap();
    for (a, b) in v.iter().zip(&d) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn mul_const_rescale_and_square() {
    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let (y, sq) = {
        let mut ev = Evaluator::new(&s.ctx, &mut e);
        let q = s.ctx.ring().modulus(ct.level()).value() as f64;
        let y = ev.mul_const(&ct, 0.5, q).unwrap();
        let y = ev.rescale(&y).unwrap();
        let sq = ev.square_relin(&ct, s.relin().unwrap()).unwrap();
        let sq = ev.rescale(&sq).unwrap();
        (y, sq)
    };
    let d = s.decrypt(&mut e, &y).unwrap();
    let d2 = s.decrypt(&mut e, &sq).unwrap();
    for i in 0..3 {
        assert!(
            (d[i] - 0.5 * v[i]).abs() < 1e-5,
            "{} vs {}",
            d[i],
            0.5 * v[i]
        );
        assert!(
            (d2[i] - v[i] * v[i]).abs() < 1e-4,
            "{} vs {}",
            d2[i],
            v[i] * v[i]
        );
    }
}

#[test]
fn drop_level_decrypts() {
    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let y = Evaluator::new(&s.ctx, &mut e)
        .drop_to_level(&ct, 0)
        .unwrap();
    let d = s.decrypt(&mut e, &y).unwrap();
    assert!((d[0] - 1.5).abs() < 1e-6, "{:?}", &d[..3]);
}

#[test]
fn kernels_rescale_matches_the_independent_reference() {
    let (mut s, mut e) = session();
    let v: Vec<f64> = (0..40).map(|i| f64::from(i) * 0.37 - 7.0).collect();
    let ct = s.encrypt(&mut e, &v).unwrap();
    let sq = {
        let mut ev = Evaluator::new(&s.ctx, &mut e);
        ev.square_relin(&ct, s.relin().unwrap()).unwrap()
    };
    let mut a = sq;
    while a.level() > 0 {
        let k = Evaluator::new(&s.ctx, &mut e).rescale(&a).unwrap();
        let r = super::rescale_ref::rescale(&s.ctx, &mut e, &a).unwrap();
        assert_eq!(k.to_le_bytes(&s.ctx), r, "level {}", a.level());
        a = k;
    }
}

/// Without the `rtl` feature, `--engine rtl` is a typed error that gives the
/// command building it.
#[cfg(not(feature = "rtl"))]
#[test]
fn engine_rtl_without_the_feature_says_how_to_build_it() {
    use crate::{Packing, RunOptions};
    use hearth_device::Engine;
    use hearth_nn::bundled::CASES;
    let c = CASES[0];
    let mlp = hearth_nn::Mlp::from_bytes(c.name, c.model).unwrap();
    let opts = RunOptions {
        engine: Engine::Rtl,
        threads: 1,
        packing: Packing::Throughput,
        seed: Some(1),
        calibration: None,
    };
    let row = vec![0.0; mlp.inputs()];
    let err = super::run_network(&mlp, &[row], &opts, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cargo run --release -p hearth-sim --features rtl --"),
        "{err}"
    );
}

/// The session's generators are the `rand_chacha` streams they replaced:
/// keys and ciphertexts of a seeded session are the ones
/// `rand_chacha::ChaCha20Rng` gives (the key seed is its first 32 bytes;
/// encryption continues the same stream), byte for byte.
#[test]
fn seeded_sessions_reproduce_the_rand_chacha_streams() {
    use super::session::rng_from;
    use hearth_kernels::ckks::{Encryptor, SecretKey};
    use rand_chacha::rand_core::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    let mut ours = rng_from(Some(5)).unwrap();
    let mut theirs = ChaCha20Rng::seed_from_u64(5);
    let (mut a, mut b) = ([0u8; 300], [0u8; 300]);
    ours.fill_bytes(&mut a);
    theirs.fill_bytes(&mut b);
    assert_eq!(a, b);

    let (mut s, mut e) = session();
    let mut reference = ChaCha20Rng::seed_from_u64(5);
    let mut key_seed = [0u8; 32];
    reference.fill_bytes(&mut key_seed);
    let mut krng = ChaCha20Rng::from_seed(key_seed);
    let sk = SecretKey::generate(&s.ctx, &mut e, &mut krng).unwrap();
    assert_eq!(s.sk.coefficients(), sk.coefficients());

    let v = [0.5, -1.25];
    let ct = s.encrypt(&mut e, &v).unwrap();
    let enc = Encryptor::new(&s.ctx);
    let pt = enc
        .encode_real(&mut e, &v, s.selection.params.scale(), s.ctx.max_level())
        .unwrap();
    let want = enc.encrypt_sk(&mut e, &sk, &pt, &mut reference).unwrap();
    assert_eq!(ct.to_le_bytes(&s.ctx), want.to_le_bytes(&s.ctx));
}

/// The client's upload: seeded encryption through the PMEM region, expanded
/// by the server, decrypts to the values; the bytes counted are the compact
/// format's, below half the plain format's; equal seeds upload equal bytes.
#[test]
fn seeded_upload_through_pmem_decrypts_and_counts_compact_bytes() {
    use super::transit::Transit;
    use hearth_kernels::ckks::SeededCiphertext;

    let (mut s, mut e) = session();
    let v = [1.5, -2.25, 30.0];
    let sct = s.encrypt_seeded(&mut e, &v).unwrap();
    let compact = sct.to_le_bytes(&s.ctx);
    let level = s.selection.encrypt_level();
    assert_eq!(sct.level(), level);
    assert_eq!(compact.len(), SeededCiphertext::byte_len(&s.ctx, level));
    let mut io = Transit::default();
    let ct = io.upload(&s.ctx, vec![sct.clone()]).unwrap().remove(0);
    assert_eq!(ct, sct.expand(&s.ctx).unwrap());
    assert_eq!(io.uploaded_bytes(), compact.len() as u64);
    assert!(io.pmem_stats().bytes_written >= compact.len() as u64);
    let plain = ct.to_le_bytes(&s.ctx).len();
    assert!(2 * compact.len() < plain, "{} vs {plain}", compact.len());
    let d = s.decrypt(&mut e, &ct).unwrap();
    for (a, b) in v.iter().zip(&d) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }

    let (mut s2, mut e2) = session();
    let again = s2.encrypt_seeded(&mut e2, &v).unwrap();
    assert_eq!(again.to_le_bytes(&s2.ctx), compact);
}
