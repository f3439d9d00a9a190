//! Every backend this CPU supports against the portable reference, bit for
//! bit, in both directions, for many degrees and moduli.

use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::{Backend, NttPlan};
use hearth_kernels::Error;
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn compare<W: Word>(bits: u32, log_n: u32, idx: usize, seed: u64) -> usize {
    let n = 1usize << log_n;
    let q = NttPrimes::new(bits, n).unwrap().nth(idx).unwrap();
    let plan = NttPlan::<W, _>::new(W::from_u64_truncating(q), n).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut input: Vec<W> = (0..n)
        .map(|_| W::from_u64_truncating(rng.random_range(0..q)))
        .collect();
    input[0] = W::from_u64_truncating(q - 1);
    let mut expect_fwd = input.clone();
    plan.forward_with(Backend::Portable, &mut expect_fwd)
        .unwrap();
    let mut expect_inv = input.clone();
    plan.inverse_with(Backend::Portable, &mut expect_inv)
        .unwrap();
    let mut tested = 0;
    for b in Backend::ALL {
        if !b.is_supported::<W>(plan.modulus().bits()) {
            let mut a = input.clone();
            assert_eq!(
                plan.forward_with(b, &mut a),
                Err(Error::BackendUnavailable {
                    backend: b.name(),
                    modulus_bits: plan.modulus().bits()
                })
            );
            continue;
        }
        let mut a = input.clone();
        plan.forward_with(b, &mut a).unwrap();
        assert_eq!(a, expect_fwd, "{} forward q {q} N {n}", b.name());
        let mut a = input.clone();
        plan.inverse_with(b, &mut a).unwrap();
        assert_eq!(a, expect_inv, "{} inverse q {q} N {n}", b.name());
        tested += 1;
    }
    tested
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn u64_backends_match_portable(
        log_n in 4u32..=13,
        bits in prop::sample::select(vec![20u32, 35, 49, 50, 51, 59, 62]),
        idx in 0usize..3,
        seed: u64,
    ) {
        compare::<u64>(bits, log_n, idx, seed);
    }

    #[test]
    fn u32_backends_match_portable(
        log_n in 4u32..=13,
        bits in prop::sample::select(vec![20u32, 28, 30]),
        idx in 0usize..3,
        seed: u64,
    ) {
        compare::<u32>(bits, log_n, idx, seed);
    }
}

/// Every degree up to 2^17, with the boundary moduli of each backend.
#[test]
fn all_degrees_boundary_moduli() {
    for log_n in 4..=17 {
        for bits in [50, 62] {
            compare::<u64>(bits, log_n, 0, log_n as u64);
        }
        compare::<u32>(30, log_n, 0, log_n as u64);
    }
}

/// The backends the CPU advertises are the ones exercised (no silent skip).
#[test]
fn advertised_backends_are_tested() {
    #[cfg(target_arch = "x86_64")]
    {
        let avx512 =
            std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512dq");
        let ifma = avx512 && std::is_x86_feature_detected!("avx512ifma");
        assert_eq!(Backend::Avx512.is_supported::<u64>(62), avx512);
        assert_eq!(Backend::Avx512.is_supported::<u32>(30), avx512);
        let avx2 = std::is_x86_feature_detected!("avx2");
        assert_eq!(Backend::Avx2.is_supported::<u64>(62), avx2);
        assert_eq!(
            compare::<u32>(30, 10, 0, 1),
            1 + avx512 as usize + Backend::Avx2.is_supported::<u32>(30) as usize
        );
        assert_eq!(Backend::Avx512Ifma.is_supported::<u64>(50), ifma);
        assert!(!Backend::Avx512Ifma.is_supported::<u64>(51));
        let expect =
            1 + avx512 as usize + ifma as usize + Backend::Avx2.is_supported::<u64>(50) as usize;
        assert_eq!(compare::<u64>(50, 10, 0, 1), expect);
        eprintln!(
            "backends tested for u64: {:?}",
            Backend::ALL
                .iter()
                .filter(|b| b.is_supported::<u64>(50))
                .map(|b| b.name())
                .collect::<Vec<_>>()
        );
    }
    let plan = NttPlan::<u64, _>::new(NttPrimes::new(50, 16).unwrap().next().unwrap(), 16).unwrap();
    assert_eq!(plan.backend(), Backend::fastest::<u64>(50));
}
