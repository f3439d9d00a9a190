//! The NTT against slow references: negacyclic products against schoolbook
//! multiplication, round trips for every supported N, the edge moduli.

use hearth_kernels::arith::prime::{is_prime, NttPrimes};
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::{forward_limbs, inverse_limbs, NttPlan, MAX_DEGREE, MIN_DEGREE};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn schoolbook(a: &[u64], b: &[u64], q: u64) -> Vec<u64> {
    let n = a.len();
    let q = q as u128;
    let mut c = vec![0u128; n];
    for (i, &ai) in a.iter().enumerate() {
        for (j, &bj) in b.iter().enumerate() {
            let p = ai as u128 * bj as u128 % q;
            let k = (i + j) % n;
            // X^N = -1: wrapped terms change sign.
            c[k] = if i + j < n {
                (c[k] + p) % q
            } else {
                (c[k] + q - p) % q
            };
        }
    }
    c.into_iter().map(|x| x as u64).collect()
}

fn random_poly(rng: &mut ChaCha20Rng, n: usize, q: u64) -> Vec<u64> {
    (0..n).map(|_| rng.random_range(0..q)).collect()
}

fn to_words<W: Word>(v: &[u64]) -> Vec<W> {
    v.iter().map(|&x| W::from_u64_truncating(x)).collect()
}

fn from_words<W: Word>(v: &[W]) -> Vec<u64> {
    v.iter().map(|x| x.to_u64()).collect()
}

fn negacyclic_product<W: Word>(q: u64, a: &[u64], b: &[u64]) -> Vec<u64> {
    let plan = NttPlan::<W, _>::new(W::from_u64_truncating(q), a.len()).unwrap();
    let m = *plan.modulus();
    let (mut fa, mut fb) = (to_words::<W>(a), to_words::<W>(b));
    plan.forward(&mut fa).unwrap();
    plan.forward(&mut fb).unwrap();
    for (x, y) in fa.iter_mut().zip(&fb) {
        *x = m.mul(*x, *y);
    }
    plan.inverse(&mut fa).unwrap();
    from_words(&fa)
}

/// A prime class: `(bits, index)` picks the index-th prime of the generator.
fn prime_for(bits: u32, n: usize, index: usize) -> u64 {
    NttPrimes::new(bits, n).unwrap().nth(index).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn product_matches_schoolbook_u64(
        log_n in 4u32..=8, bits in prop::sample::select(vec![20u32, 36, 50, 59, 62]),
        idx in 0usize..4, seed: u64,
    ) {
        let n = 1usize << log_n;
        let q = prime_for(bits, n, idx);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (a, b) = (random_poly(&mut rng, n, q), random_poly(&mut rng, n, q));
        prop_assert_eq!(negacyclic_product::<u64>(q, &a, &b), schoolbook(&a, &b, q));
    }

    #[test]
    fn product_matches_schoolbook_u32(
        log_n in 4u32..=8, bits in prop::sample::select(vec![17u32, 25, 30]),
        idx in 0usize..4, seed: u64,
    ) {
        let n = 1usize << log_n;
        let q = prime_for(bits, n, idx);
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (a, b) = (random_poly(&mut rng, n, q), random_poly(&mut rng, n, q));
        prop_assert_eq!(negacyclic_product::<u32>(q, &a, &b), schoolbook(&a, &b, q));
    }
}

fn round_trip<W: Word>(q: u64, n: usize, seed: u64) {
    let plan = NttPlan::<W, _>::new(W::from_u64_truncating(q), n).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut input = random_poly(&mut rng, n, q);
    // Include the extreme values.
    input[0] = q - 1;
    input[n - 1] = 0;
    let mut a = to_words::<W>(&input);
    plan.forward(&mut a).unwrap();
    assert!(a.iter().all(|x| x.to_u64() < q), "forward output reduced");
    plan.inverse(&mut a).unwrap();
    assert_eq!(from_words(&a), input, "q {q} N {n}");
}

/// inverse(forward(a)) = a for every N from 2^4 to 2^17, both words.
#[test]
fn round_trip_every_degree() {
    let mut n = MIN_DEGREE;
    while n <= MAX_DEGREE {
        for bits in [50, 62] {
            round_trip::<u64>(prime_for(bits, n, 0), n, n as u64 + bits as u64);
        }
        round_trip::<u32>(prime_for(30, n, 0), n, n as u64);
        n *= 2;
    }
}

/// The smallest prime q ≡ 1 (mod 2N), by upward search.
fn smallest_ntt_prime(n: usize) -> u64 {
    (1..)
        .map(|k| 2 * n as u64 * k + 1)
        .find(|&q| is_prime(q))
        .unwrap()
}

/// Edge moduli: the largest 62-bit and 30-bit NTT primes and the smallest NTT
/// prime, for every N.
#[test]
fn edge_moduli_every_degree() {
    let mut n = MIN_DEGREE;
    while n <= MAX_DEGREE {
        let small = smallest_ntt_prime(n);
        round_trip::<u64>(prime_for(62, n, 0), n, 1);
        round_trip::<u64>(small, n, 2);
        round_trip::<u32>(prime_for(30, n, 0), n, 3);
        round_trip::<u32>(small, n, 4);
        if n <= 64 {
            let mut rng = ChaCha20Rng::seed_from_u64(n as u64);
            for q in [prime_for(62, n, 0), small] {
                let (a, b) = (random_poly(&mut rng, n, q), random_poly(&mut rng, n, q));
                assert_eq!(negacyclic_product::<u64>(q, &a, &b), schoolbook(&a, &b, q));
            }
        }
        n *= 2;
    }
}

/// Batched limbs give the same result as one plan at a time.
#[test]
fn batch_matches_single() {
    let n = 1024;
    let qs: Vec<u64> = NttPrimes::new(50, n).unwrap().take(3).collect();
    let plans: Vec<_> = qs
        .iter()
        .map(|&q| NttPlan::<u64, _>::new(q, n).unwrap())
        .collect();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let input: Vec<u64> = qs
        .iter()
        .flat_map(|&q| random_poly(&mut rng, n, q))
        .collect();
    let mut batch = input.clone();
    forward_limbs(&plans, &mut batch).unwrap();
    for (i, p) in plans.iter().enumerate() {
        let mut one = input[i * n..(i + 1) * n].to_vec();
        p.forward(&mut one).unwrap();
        assert_eq!(&batch[i * n..(i + 1) * n], &one[..]);
    }
    inverse_limbs(&plans, &mut batch).unwrap();
    assert_eq!(batch, input);
}
