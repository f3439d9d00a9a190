//! CKKS operations at SEAL's parameter sizes, one thread.
//!
//! `cargo bench -p hearth-kernels --bench ckks`; compare with
//! `python3 kernels/benches/seal_compare.py` (see docs/ckks.md).
//! IDs: `ckks/<op>/<N>`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hearth_kernels::ckks::{
    rotation_galois_element, CkksContext, CkksParams, Encryptor, Evaluator, GaloisKeys, PublicKey,
    RelinKey, SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn sets() -> Vec<(usize, CkksParams)> {
    let scale = 2f64.powi(40);
    vec![
        (
            1 << 13,
            CkksParams::new(13, &[49, 40, 40, 40], &[49], scale, 4).unwrap(),
        ),
        (
            1 << 14,
            CkksParams::new(14, &[60, 40, 40, 40, 40], &[60], scale, 5).unwrap(),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ckks");
    g.sample_size(20);
    for (n, params) in sets() {
        let ctx = CkksContext::<u64>::new(params).unwrap();
        let mut rng = ChaCha20Rng::from_seed([1u8; 32]);
        let mut e = SoftwareNtt;
        let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
        let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
        let rk = RelinKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
        let gk = GaloisKeys::generate(
            &ctx,
            &mut e,
            &sk,
            &[rotation_galois_element(n, 1)],
            &mut rng,
        )
        .unwrap();
        let enc = Encryptor::new(&ctx);
        let vals: Vec<f64> = (0..n / 2).map(|i| (i as f64 / n as f64) - 0.25).collect();
        let top = ctx.max_level();
        let scale = ctx.params().scale();
        let pt = enc.encode_real(&mut e, &vals, scale, top).unwrap();
        let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap();
        let mut ev = Evaluator::new(&ctx, SoftwareNtt);
        let prod = ev.multiply_relin(&ct, &ct, &rk).unwrap();

        g.bench_function(BenchmarkId::new("ntt_forward_one_limb", n), |b| {
            let mut limb = vec![1u64; n];
            let plan = ctx.ring().plan(0);
            b.iter(|| hearth_kernels::ntt::NttEngine::forward(&mut e, &[plan], &mut limb).unwrap())
        });
        g.bench_function(BenchmarkId::new("encode", n), |b| {
            b.iter(|| enc.encode_real(&mut e, &vals, scale, top).unwrap())
        });
        g.bench_function(BenchmarkId::new("encrypt", n), |b| {
            b.iter(|| enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap())
        });
        g.bench_function(BenchmarkId::new("encode_encrypt", n), |b| {
            b.iter(|| {
                let p = enc.encode_real(&mut e, &vals, scale, top).unwrap();
                enc.encrypt_pk(&mut e, &pk, &p, &mut rng).unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("add", n), |b| {
            b.iter(|| ev.add(&ct, &ct).unwrap())
        });
        g.bench_function(BenchmarkId::new("multiply_relin", n), |b| {
            b.iter(|| ev.multiply_relin(&ct, &ct, &rk).unwrap())
        });
        g.bench_function(BenchmarkId::new("rescale", n), |b| {
            b.iter(|| ev.rescale(&prod).unwrap())
        });
        g.bench_function(BenchmarkId::new("rotate", n), |b| {
            b.iter(|| ev.rotate(&ct, 1, &gk).unwrap())
        });
        g.bench_function(BenchmarkId::new("decrypt", n), |b| {
            b.iter(|| enc.decrypt(&sk, &ct).unwrap())
        });
        g.bench_function(BenchmarkId::new("decode", n), |b| {
            let d = enc.decrypt(&sk, &ct).unwrap();
            b.iter(|| enc.decode_real(&mut e, &d).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
