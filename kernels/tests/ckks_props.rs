//! Property tests on random parameter sets: random N, prime sizes, number of
//! special primes and dnum; encrypt, multiply+relinearize, rescale and a
//! random rotation agree with the plaintext computation.

use hearth_kernels::ckks::{
    rotation_galois_element, CkksContext, CkksParams, Encryptor, Evaluator, GaloisKeys, PublicKey,
    RelinKey, SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn random_parameters_u64(
        log_n in 5u32..10,
        levels in 1usize..4,
        scale_bits in 30u32..45,
        specials in 1usize..3,
        dnum_seed in 0usize..8,
        step in 1i64..1000,
        seed: u64,
    ) {
        let mut chain = vec![scale_bits + 15];
        chain.extend(std::iter::repeat_n(scale_bits, levels));
        let special = vec![scale_bits + 16; specials];
        let dnum = 1 + dnum_seed % chain.len();
        // Keep every key-switching digit within 8 bits of P (params docs).
        let alpha = chain.len().div_ceil(dnum);
        let max_digit: u32 = chain.chunks(alpha).map(|c| c.iter().sum()).max().unwrap();
        prop_assume!(max_digit <= special.iter().sum::<u32>() + 8);
        let params = CkksParams::insecure_for_tests(log_n, &chain, &special, 2f64.powi(scale_bits as i32), dnum).unwrap();
        let ctx = CkksContext::<u64>::new(params).unwrap();
        let n = ctx.degree();
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut e = SoftwareNtt;
        let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
        let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
        let rk = RelinKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
        let k = rotation_galois_element(n, step);
        let gk = GaloisKeys::generate(&ctx, &mut e, &sk, &[k], &mut rng).unwrap();
        let vals: Vec<f64> = (0..n / 2).map(|i| ((i * 7919 + seed as usize % 101) % 200) as f64 / 100.0 - 1.0).collect();
        let enc = Encryptor::new(&ctx);
        let pt = enc.encode_real(&mut e, &vals, ctx.params().scale(), ctx.max_level()).unwrap();
        let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap();
        let mut ev = Evaluator::new(&ctx, SoftwareNtt);
        let sq = ev.multiply_relin(&ct, &ct, &rk).unwrap();
        let sq = ev.rescale(&sq).unwrap();
        let rot = ev.rotate(&sq, step, &gk).unwrap();
        let got = enc.decode_real(&mut e, &enc.decrypt(&sk, &rot).unwrap()).unwrap();
        // Noise ~ 2^15 / Δ after the rotation's key switch, for Δ ≥ 2^30.
        let bound = 2f64.powi(-(scale_bits as i32) + 16);
        let slots = (n / 2) as i64;
        for (j, g) in got.iter().enumerate() {
            let src = (j as i64 + step).rem_euclid(slots) as usize;
            let want = vals[src] * vals[src];
            prop_assert!((g - want).abs() < bound, "slot {} got {} want {}", j, g, want);
        }
    }
}
