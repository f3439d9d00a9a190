//! Every CKKS operation against the same operation on plaintext vectors.
//!
//! Error bounds: fresh encryption at scale 2^40 decrypts within 2^-20 of the
//! input (noise ≈ √N·σ·(small) / Δ); after one multiplication, relinearization
//! and rescale within 2^-20 as well (the "≥ 20 bits"); the u32 sets
//! at scale 2^25 within 2^-8.

use hearth_kernels::arith::Word;
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksError, CkksParams, Encryptor, Evaluator, GaloisKeys, Plaintext,
    PublicKey, RelinKey, SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

struct Setup<W: Word> {
    ctx: CkksContext<W>,
    sk: SecretKey<W>,
    pk: PublicKey<W>,
    rk: RelinKey<W>,
    rng: ChaCha20Rng,
}

fn setup<W: Word>(params: CkksParams, seed: u64) -> Setup<W> {
    let ctx = CkksContext::<W>::new(params).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut e = SoftwareNtt;
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let rk = RelinKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    Setup {
        ctx,
        sk,
        pk,
        rk,
        rng,
    }
}

/// The kernels' own uniform messages in `[−1, 1)`.
fn values(n: usize, seed: u64) -> Vec<f64> {
    hearth_kernels::ckks::boot::uniform_message(n, seed)
}

fn encrypt<W: Word>(s: &mut Setup<W>, v: &[f64]) -> Ciphertext<W> {
    let enc = Encryptor::new(&s.ctx);
    let pt = enc
        .encode_real(
            &mut SoftwareNtt,
            v,
            s.ctx.params().scale(),
            s.ctx.max_level(),
        )
        .unwrap();
    enc.encrypt_pk(&mut SoftwareNtt, &s.pk, &pt, &mut s.rng)
        .unwrap()
}

fn decrypt<W: Word>(s: &Setup<W>, ct: &Ciphertext<W>) -> Vec<f64> {
    let enc = Encryptor::new(&s.ctx);
    let pt = enc.decrypt(&s.sk, ct).unwrap();
    enc.decode_real(&mut SoftwareNtt, &pt).unwrap()
}

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn params_u64() -> CkksParams {
    CkksParams::insecure_for_tests(10, &[60, 40, 40], &[60], 2f64.powi(40), 3).unwrap()
}

fn params_u32() -> CkksParams {
    CkksParams::insecure_for_tests(10, &[30, 25, 25], &[30, 30], 2f64.powi(25), 1).unwrap()
}

#[test]
fn encrypt_decrypt_round_trip() {
    let mut s = setup::<u64>(params_u64(), 1);
    let v = values(512, 7);
    let ct = encrypt(&mut s, &v);
    assert!(max_err(&decrypt(&s, &ct), &v) < 2f64.powi(-20));
    // Secret-key encryption too.
    let enc = Encryptor::new(&s.ctx);
    let pt = enc
        .encode_real(&mut SoftwareNtt, &v, 2f64.powi(40), 1)
        .unwrap();
    let ct = enc
        .encrypt_sk(&mut SoftwareNtt, &s.sk, &pt, &mut s.rng)
        .unwrap();
    assert_eq!(ct.level(), 1);
    assert!(max_err(&decrypt(&s, &ct), &v) < 2f64.powi(-20));
}

#[test]
fn u32_round_trip() {
    let mut s = setup::<u32>(params_u32(), 2);
    let v = values(512, 8);
    let ct = encrypt(&mut s, &v);
    assert!(max_err(&decrypt(&s, &ct), &v) < 2f64.powi(-8));
}

fn check_ops<W: Word>(mut s: Setup<W>, bound: f64) {
    let a = values(s.ctx.params().slots(), 11);
    let b = values(s.ctx.params().slots(), 12);
    let ca = encrypt(&mut s, &a);
    let cb = encrypt(&mut s, &b);
    let ctx = &s.ctx;
    let mut ev = Evaluator::new(ctx, SoftwareNtt);
    let zip = |f: fn(f64, f64) -> f64| a.iter().zip(&b).map(|(x, y)| f(*x, *y)).collect::<Vec<_>>();

    let sum = ev.add(&ca, &cb).unwrap();
    assert!(max_err(&decrypt(&s, &sum), &zip(|x, y| x + y)) < bound);
    let diff = ev.sub(&ca, &cb).unwrap();
    assert!(max_err(&decrypt(&s, &diff), &zip(|x, y| x - y)) < bound);
    let neg = ev.negate(&ca);
    assert!(
        max_err(
            &decrypt(&s, &neg),
            &a.iter().map(|x| -x).collect::<Vec<_>>()
        ) < bound
    );

    let enc = Encryptor::new(ctx);
    let pb = enc
        .encode_real(&mut SoftwareNtt, &b, ctx.params().scale(), ctx.max_level())
        .unwrap();
    let sum_p = ev.add_plain(&ca, &pb).unwrap();
    assert!(max_err(&decrypt(&s, &sum_p), &zip(|x, y| x + y)) < bound);
    let diff_p = ev.sub_plain(&ca, &pb).unwrap();
    assert!(max_err(&decrypt(&s, &diff_p), &zip(|x, y| x - y)) < bound);
    let prod_p = ev.rescale(&ev.mul_plain(&ca, &pb).unwrap()).unwrap();
    assert!(max_err(&decrypt(&s, &prod_p), &zip(|x, y| x * y)) < bound);

    let plus_c = ev.add_const(&ca, 0.25).unwrap();
    assert!(
        max_err(
            &decrypt(&s, &plus_c),
            &a.iter().map(|x| x + 0.25).collect::<Vec<_>>()
        ) < bound
    );
    let q_last = ctx.ring().modulus(ctx.max_level()).value().to_u64() as f64;
    let times_c = ev
        .rescale(&ev.mul_const(&ca, -1.5, q_last).unwrap())
        .unwrap();
    let expect: Vec<f64> = a.iter().map(|x| -1.5 * x).collect();
    assert!(max_err(&decrypt(&s, &times_c), &expect) < bound);
    assert!((times_c.scale() / ca.scale() - 1.0).abs() < 1e-9);

    let prod = ev.multiply_relin(&ca, &cb, &s.rk).unwrap();
    assert_eq!(prod.level(), ctx.max_level());
    let prod = ev.rescale(&prod).unwrap();
    assert_eq!(prod.level(), ctx.max_level() - 1);
    let got = decrypt(&s, &prod);
    assert!(
        max_err(&got, &zip(|x, y| x * y)) < bound,
        "mul err {}",
        max_err(&got, &zip(|x, y| x * y))
    );

    // Level drop, then a mismatched addition is a typed error.
    let dropped = ev.drop_to_level(&ca, ctx.max_level() - 1).unwrap();
    assert!(max_err(&decrypt(&s, &dropped), &a) < bound);
    assert!(matches!(
        ev.add(&ca, &dropped),
        Err(CkksError::LevelMismatch { .. })
    ));
    assert!(matches!(
        ev.add(&dropped, &prod),
        Err(CkksError::ScaleMismatch { .. })
    ));
    let bottom = ev.drop_to_level(&ca, 0).unwrap();
    assert!(matches!(
        ev.rescale(&bottom),
        Err(CkksError::LevelExhausted)
    ));
}

#[test]
fn operations_u64() {
    check_ops(setup::<u64>(params_u64(), 3), 2f64.powi(-20));
}

#[test]
fn operations_u32() {
    check_ops(setup::<u32>(params_u32(), 4), 2f64.powi(-8));
}

#[test]
fn operations_u64_several_digits_and_special_primes() {
    let p = CkksParams::insecure_for_tests(11, &[55, 40, 40, 40, 40], &[56, 56], 2f64.powi(40), 2)
        .unwrap();
    check_ops(setup::<u64>(p, 5), 2f64.powi(-20));
}

#[test]
fn rotations_and_conjugation() {
    let mut s = setup::<u64>(params_u64(), 6);
    let slots = s.ctx.params().slots();
    let mut e = SoftwareNtt;
    let gk = GaloisKeys::generate_power_of_two(&s.ctx, &mut e, &s.sk, true, &mut s.rng).unwrap();
    let re = values(slots, 21);
    let im = values(slots, 22);
    let enc = Encryptor::new(&s.ctx);
    let vals: Vec<(f64, f64)> = re.iter().zip(&im).map(|(a, b)| (*a, *b)).collect();
    let pt = enc
        .encode_complex(&mut e, &vals, 2f64.powi(40), s.ctx.max_level())
        .unwrap();
    let ct = enc.encrypt_pk(&mut e, &s.pk, &pt, &mut s.rng).unwrap();
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    let mut steps: Vec<i64> = (0..9).map(|b| 1i64 << b).collect();
    steps.extend([3, 5, 77, 200, 511, -1, -7, -300]);
    for step in steps {
        let rot = ev.rotate(&ct, step, &gk).unwrap();
        let got = enc
            .decode_complex(&mut e, &enc.decrypt(&s.sk, &rot).unwrap())
            .unwrap();
        for (j, g) in got.iter().enumerate() {
            let src = (j as i64 + step).rem_euclid(slots as i64) as usize;
            assert!(
                (g.0 - vals[src].0).abs() < 2f64.powi(-18),
                "step {step} slot {j}"
            );
            assert!(
                (g.1 - vals[src].1).abs() < 2f64.powi(-18),
                "step {step} slot {j}"
            );
        }
    }
    let conj = ev.conjugate(&ct, &gk).unwrap();
    let got = enc
        .decode_complex(&mut e, &enc.decrypt(&s.sk, &conj).unwrap())
        .unwrap();
    for (g, v) in got.iter().zip(&vals) {
        assert!((g.0 - v.0).abs() < 2f64.powi(-18));
        assert!((g.1 + v.1).abs() < 2f64.powi(-18));
    }
    // A missing key is a typed error.
    let empty = GaloisKeys::default();
    assert!(matches!(
        ev.rotate(&ct, 1, &empty),
        Err(CkksError::MissingGaloisKey { .. })
    ));
}

#[test]
fn security_check_names_the_limit() {
    let err = CkksParams::new(13, &[60, 60, 60], &[60], 2f64.powi(40), 1).unwrap_err();
    assert_eq!(
        err,
        CkksError::Insecure {
            log_degree: 13,
            log_qp: 240,
            max_log_qp: 218
        }
    );
    assert!(CkksParams::new(14, &[60, 40, 40, 40, 40], &[60], 2f64.powi(40), 5).is_ok());
    assert!(CkksParams::new(13, &[49, 40, 40, 40], &[49], 2f64.powi(40), 4).is_ok());
    assert!(CkksParams::new(10, &[30], &[30], 2f64.powi(20), 1).is_err());
}

fn check_mul_const_sum<W: Word>(mut s: Setup<W>) {
    // 40 terms: three lazy blocks; constants of both signs and a zero.
    let cts: Vec<Ciphertext<W>> = (0..40)
        .map(|i| {
            let v = values(s.ctx.params().slots(), 100 + i);
            encrypt(&mut s, &v)
        })
        .collect();
    let consts: Vec<f64> = (0..40).map(|i| (i as f64 - 17.0) * 0.37).collect();
    let ctx = &s.ctx;
    let ev = Evaluator::new(ctx, SoftwareNtt);
    let target = ctx.params().scale() * ctx.ring().modulus(ctx.max_level()).value().to_u64() as f64;
    let terms: Vec<(&Ciphertext<W>, f64)> = cts.iter().zip(consts.iter().copied()).collect();
    let fused = ev.mul_const_sum(&terms, target).unwrap();
    let mut slow = ev
        .mul_const(&cts[0], consts[0], target / cts[0].scale())
        .unwrap();
    for (c, k) in cts.iter().zip(&consts).skip(1) {
        let p = ev.mul_const(c, *k, target / c.scale()).unwrap();
        slow = ev.add(&slow, &p).unwrap();
    }
    assert_eq!(fused, slow);
    assert_eq!(fused.scale(), target);
    assert!(ev.mul_const_sum(&[], target).is_err());
    let dropped = ev.drop_to_level(&cts[1], ctx.max_level() - 1).unwrap();
    assert!(matches!(
        ev.mul_const_sum(&[(&cts[0], 1.0), (&dropped, 1.0)], target),
        Err(CkksError::LevelMismatch { .. })
    ));
}

#[test]
fn mul_const_sum_is_the_term_by_term_sum_bit_for_bit() {
    check_mul_const_sum(setup::<u64>(params_u64(), 21));
    check_mul_const_sum(setup::<u32>(params_u32(), 22));
    // Primes below 2^31 take the single-word path (several blocks at 30
    // bits), the 38-bit ones the double-word path.
    let mixed = CkksParams::insecure_for_tests(10, &[38, 28, 30], &[38], 2f64.powi(28), 3).unwrap();
    check_mul_const_sum(setup::<u64>(mixed, 23));
}

fn check_mul_plain_add<W: Word>(mut s: Setup<W>) {
    let slots = s.ctx.params().slots();
    let cts: Vec<Ciphertext<W>> = (0..3)
        .map(|i| {
            let v = values(slots, 300 + i);
            encrypt(&mut s, &v)
        })
        .collect();
    let ctx = &s.ctx;
    let level = ctx.max_level();
    let pts: Vec<_> = (0..3)
        .map(|i| {
            Encryptor::new(ctx)
                .encode_real(
                    &mut SoftwareNtt,
                    &values(slots, 400 + i),
                    2f64.powi(20),
                    level,
                )
                .unwrap()
        })
        .collect();
    let ev = Evaluator::new(ctx, SoftwareNtt);
    let mut fused = ev.mul_plain(&cts[0], &pts[0]).unwrap();
    let mut slow = fused.clone();
    for (c, p) in cts.iter().zip(&pts).skip(1) {
        ev.mul_plain_add(&mut fused, c, p).unwrap();
        slow = ev.add(&slow, &ev.mul_plain(c, p).unwrap()).unwrap();
    }
    assert_eq!(fused, slow);
    let dropped = ev.drop_to_level(&cts[1], level - 1).unwrap();
    assert!(matches!(
        ev.mul_plain_add(&mut fused, &dropped, &pts[1]),
        Err(CkksError::LevelMismatch { .. })
    ));
}

#[test]
fn mul_plain_add_is_the_sum_of_products_bit_for_bit() {
    check_mul_plain_add(setup::<u64>(params_u64(), 31));
    check_mul_plain_add(setup::<u32>(params_u32(), 32));
}

fn check_mul_plain_sums<W: Word>(mut s: Setup<W>) {
    // 40 terms (several lazy blocks on every path), three rows: dense, sparse, empty.
    let slots = s.ctx.params().slots();
    let cts: Vec<Ciphertext<W>> = (0..40)
        .map(|i| {
            let v = values(slots, 500 + i);
            encrypt(&mut s, &v)
        })
        .collect();
    let ctx = &s.ctx;
    let level = ctx.max_level();
    let pts: Vec<_> = (0..40)
        .map(|i| {
            Encryptor::new(ctx)
                .encode_real(
                    &mut SoftwareNtt,
                    &values(slots, 600 + i),
                    2f64.powi(20),
                    level,
                )
                .unwrap()
        })
        .collect();
    // A row with no plaintext between two with some (no accumulator is
    // kept for it), then sparse rows enough for several rows per group.
    let mut rows: Vec<Vec<Option<&Plaintext<W>>>> = vec![
        pts.iter().map(Some).collect(),
        vec![None; 40],
        pts.iter()
            .enumerate()
            .map(|(i, p)| (i % 3 == 1).then_some(p))
            .collect(),
    ];
    rows.extend((2..9).map(|k| {
        pts.iter()
            .enumerate()
            .map(|(i, p)| (i % k == k - 1).then_some(p))
            .collect()
    }));
    let ev = Evaluator::new(ctx, SoftwareNtt);
    let xs: Vec<&Ciphertext<W>> = cts.iter().collect();
    let sums = ev.mul_plain_sums(&xs, &rows).unwrap();
    for (row, got) in rows.iter().zip(&sums) {
        let mut slow: Option<Ciphertext<W>> = None;
        for (c, p) in cts.iter().zip(row) {
            let Some(p) = p else { continue };
            let prod = ev.mul_plain(c, p).unwrap();
            slow = Some(match slow {
                Some(a) => ev.add(&a, &prod).unwrap(),
                None => prod,
            });
        }
        assert_eq!(got, &slow);
    }
    assert!(sums[1].is_none());
    let dropped = ev.drop_to_level(&cts[1], level - 1).unwrap();
    assert!(matches!(
        ev.mul_plain_sums(&[&cts[0], &dropped], &[vec![Some(&pts[0]), None]]),
        Err(CkksError::LevelMismatch { .. })
    ));
    assert!(ev.mul_plain_sums(&xs, &[vec![Some(&pts[0])]]).is_err());
}

#[test]
fn mul_plain_sums_are_the_term_by_term_sums_bit_for_bit() {
    check_mul_plain_sums(setup::<u64>(params_u64(), 41));
    check_mul_plain_sums(setup::<u32>(params_u32(), 42));
    let mixed = CkksParams::insecure_for_tests(10, &[38, 28, 30], &[38], 2f64.powi(28), 3).unwrap();
    check_mul_plain_sums(setup::<u64>(mixed, 43));
}

/// Row `terms` of `xs` summed term by term with `mul_const` and `add`.
fn slow_row<W: Word>(
    ev: &Evaluator<'_, W, SoftwareNtt>,
    xs: &[Ciphertext<W>],
    terms: &[(usize, f64)],
    target: f64,
) -> Ciphertext<W> {
    let products = terms
        .iter()
        .map(|&(k, c)| ev.mul_const(&xs[k], c, target / xs[k].scale()).unwrap());
    products.reduce(|a, b| ev.add(&a, &b).unwrap()).unwrap()
}

fn check_mul_const_sums<W: Word>(mut s: Setup<W>) {
    let xs: Vec<Ciphertext<W>> = (0..12)
        .map(|i| {
            let v = values(s.ctx.params().slots(), 300 + i);
            encrypt(&mut s, &v)
        })
        .collect();
    // Rows of different lengths sharing inputs: one term, an input read
    // twice, 40 terms (several lazy blocks), none, and all twelve.
    let rows: Vec<Vec<(usize, f64)>> = vec![
        vec![(5, 0.75)],
        vec![(2, -1.5), (7, 0.25), (2, 0.5)],
        (0..40)
            .map(|t| (t * 7 % 12, (t as f64 - 19.0) * 0.31))
            .collect(),
        vec![],
        (0..12).map(|k| (k, 1.0 / (k as f64 + 1.0))).collect(),
    ];
    let ctx = &s.ctx;
    let ev = Evaluator::new(ctx, SoftwareNtt);
    let target = ctx.params().scale() * ctx.ring().modulus(ctx.max_level()).value().to_u64() as f64;
    let refs: Vec<&Ciphertext<W>> = xs.iter().collect();
    let sums = ev.mul_const_sums(&refs, &rows, target).unwrap();
    assert_eq!(sums.len(), rows.len());
    for (row, sum) in rows.iter().zip(&sums) {
        match sum {
            None => assert!(row.is_empty()),
            Some(sum) => {
                assert_eq!(*sum, slow_row(&ev, &xs, row, target));
                assert_eq!(sum.scale(), target);
            }
        }
    }
    assert!(matches!(
        ev.mul_const_sums(&refs, &[vec![(12, 1.0)]], target),
        Err(CkksError::InvalidParameters(_))
    ));
    // The same rows' terms spread over three calls, each call with the
    // inputs of one slice (as a layer summed a slice of its inputs at a
    // time): the same sums, bit for bit.
    let mut acc = vec![None; rows.len()];
    for slice in [0..5usize, 5..6, 6..12] {
        let part: Vec<&Ciphertext<W>> = refs[slice.clone()].to_vec();
        let local: Vec<Vec<(usize, f64)>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .filter(|(k, _)| slice.contains(k))
                    .map(|&(k, c)| (k - slice.start, c))
                    .collect()
            })
            .collect();
        ev.mul_const_sums_into(&part, &local, target, &mut acc)
            .unwrap();
    }
    assert_eq!(acc, sums);
    // A sum on another scale, or a term past the inputs: refused, the
    // sums untouched.
    let kept = acc.clone();
    let wrong = ev.mul_const_sums_into(&refs, &rows, target * 2.0, &mut acc);
    assert!(matches!(wrong, Err(CkksError::ScaleMismatch { .. })));
    let past = vec![vec![(12, 1.0)]; rows.len()];
    assert!(ev
        .mul_const_sums_into(&refs, &past, target, &mut acc)
        .is_err());
    assert_eq!(acc, kept);
}

#[test]
fn mul_const_sums_is_each_row_summed_term_by_term_bit_for_bit() {
    // 28- and 30-bit primes take the single-word path, 38 and 40 bits the
    // products split at bit 52, 60 bits the double words; the ring's
    // 1,024 coefficients are four blocks.
    let mixed = CkksParams::insecure_for_tests(10, &[38, 28, 30], &[38], 2f64.powi(28), 3).unwrap();
    check_mul_const_sums(setup::<u64>(mixed, 31));
    check_mul_const_sums(setup::<u64>(params_u64(), 32));
    check_mul_const_sums(setup::<u32>(params_u32(), 33));
}

#[test]
fn sums_of_unrelinearized_products_relinearize_to_the_sums_of_products() {
    let mut s = setup::<u64>(params_u64(), 41);
    let slots = s.ctx.params().slots();
    let xs: Vec<Vec<f64>> = (0..4).map(|i| values(slots, 400 + i)).collect();
    let ys: Vec<Vec<f64>> = (0..4).map(|i| values(slots, 500 + i)).collect();
    let cx: Vec<Ciphertext<u64>> = xs.iter().map(|v| encrypt(&mut s, v)).collect();
    let cy: Vec<Ciphertext<u64>> = ys.iter().map(|v| encrypt(&mut s, v)).collect();
    let ctx = &s.ctx;
    let mut ev = Evaluator::new(ctx, SoftwareNtt);
    let products: Vec<_> = cx
        .iter()
        .zip(&cy)
        .map(|(a, b)| ev.multiply_unrelinearized(a, b).unwrap())
        .collect();
    let level = products[0].level();
    let q = |l: usize| ctx.ring().modulus(l).value() as f64;
    // Sums on Δ·q_l·q_{l−1}, relinearized once, rescaled twice: back to Δ.
    let target = ctx.params().scale() * q(level) * q(level - 1);
    let rows = vec![
        vec![(0, 0.5), (1, -1.25), (2, 2.0), (3, 0.75)],
        vec![(3, -0.5), (3, 0.25), (1, 1.0)],
    ];
    let refs: Vec<_> = products.iter().collect();
    let sums = ev
        .mul_const_sums_unrelinearized(&refs, &rows, target)
        .unwrap();
    // Summed in two calls (products 0–1, then 2–3): the same sums.
    let mut acc = vec![None; rows.len()];
    for (lo, hi) in [(0, 2), (2, 4)] {
        let local: Vec<Vec<(usize, f64)>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .filter(|(k, _)| (lo..hi).contains(k))
                    .map(|&(k, c)| (k - lo, c))
                    .collect()
            })
            .collect();
        ev.mul_const_sums_unrelinearized_into(&refs[lo..hi], &local, target, &mut acc)
            .unwrap();
    }
    assert_eq!(acc, sums);
    for (row, sum) in rows.iter().zip(sums) {
        let sum = sum.unwrap();
        assert_eq!((sum.level(), sum.scale()), (level, target));
        let ct = ev.relinearize(sum, &s.rk).unwrap();
        let ct = ev.rescale(&ct).unwrap();
        let ct = ev.rescale(&ct).unwrap();
        let want: Vec<f64> = (0..slots)
            .map(|j| row.iter().map(|&(k, c)| c * xs[k][j] * ys[k][j]).sum())
            .collect();
        let err = max_err(&decrypt(&s, &ct), &want);
        assert!(err < 2f64.powi(-20), "error {err}");
    }
    // One relinearization of one product is the relinearized product.
    let one = ev.multiply_unrelinearized(&cx[0], &cy[0]).unwrap();
    assert_eq!(
        ev.relinearize(one, &s.rk).unwrap(),
        ev.multiply_relin(&cx[0], &cy[0], &s.rk).unwrap()
    );
}
