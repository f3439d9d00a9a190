//! Primality, the NTT-prime generator and the smallest root against brute
//! force and published pseudoprimes.

use hearth_kernels::arith::prime::{is_prime, ntt_primes, smallest_primitive_root, NttPrimes};
use hearth_kernels::arith::Modulus;
use hearth_kernels::Error;
use proptest::prelude::*;

fn trial_division(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2u64;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

#[test]
fn miller_rabin_matches_trial_division_below_2_pow_17() {
    for n in 0..(1u64 << 17) {
        assert_eq!(is_prime(n), trial_division(n), "n = {n}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn miller_rabin_matches_trial_division_below_2_pow_36(n in 0u64..(1 << 36)) {
        prop_assert_eq!(is_prime(n), trial_division(n));
    }

    /// A product of two primes is never reported prime.
    #[test]
    fn semiprimes_are_composite(a in 2u64..(1 << 31), b in 2u64..(1 << 31)) {
        prop_assert!(!is_prime(a * b));
    }
}

/// Carmichael numbers (OEIS A002997), strong pseudoprimes to base 2 (A001262),
/// and the smallest strong pseudoprimes to the first 7, 8, 9 prime bases
/// (A014233): all composite.
#[test]
fn pseudoprimes_are_composite() {
    let carmichael = [
        561u64, 1105, 1729, 2465, 2821, 6601, 8911, 10585, 15841, 29341, 41041, 46657, 52633,
        62745, 63973, 75361, 101101, 115921, 126217, 162401, 172081, 188461, 252601,
    ];
    let strong_base2 = [2047u64, 3277, 4033, 4681, 8321, 15841, 29341, 42799, 49141];
    let strong_many = [
        3215031751u64,
        2152302898747,
        3474749660383,
        341550071728321,
        3825123056546413051,
    ];
    for n in carmichael
        .into_iter()
        .chain(strong_base2)
        .chain(strong_many)
    {
        assert!(!is_prime(n), "{n} is composite");
    }
}

/// Known primes: the largest below 2^30, 2^31, 2^32, 2^62, 2^63, 2^64
/// (2^k − c, c from the table of primes just below powers of two), and the
/// Mersenne primes 2^31 − 1 and 2^61 − 1.
#[test]
fn known_large_primes() {
    for (k, c) in [
        (30u32, 35u64),
        (31, 1),
        (32, 5),
        (61, 1),
        (62, 57),
        (63, 25),
    ] {
        let p = (1u64 << k) - c;
        assert!(is_prime(p), "2^{k} - {c} is prime");
        // and every odd number between it and 2^k is composite
        for x in (p + 2..(1u64 << k)).step_by(2) {
            assert!(!is_prime(x), "2^{k} - {} is composite", (1u64 << k) - x);
        }
    }
    assert!(is_prime(u64::MAX - 58));
    assert!(!is_prime(u64::MAX));
}

/// For small bit sizes the generator yields exactly the brute-force list:
/// every prime below 2^bits that is 1 mod 2N, descending, none skipped.
#[test]
fn generator_matches_brute_force() {
    for bits in 2..=18u32 {
        for log_n in 0..=6u32 {
            let n = 1usize << log_n;
            let got: Vec<u64> = NttPrimes::new(bits, n).unwrap().collect();
            let step = 2 * n as u64;
            let expect: Vec<u64> = (2..(1u64 << bits))
                .rev()
                .filter(|&q| q % step == 1 && trial_division(q))
                .collect();
            assert_eq!(got, expect, "bits {bits}, N {n}");
        }
    }
}

#[test]
fn ntt_primes_have_exact_bit_size() {
    let mut out = [0u64; 8];
    for &(bits, n) in &[(30u32, 1usize << 12), (50, 1 << 14), (62, 1 << 16)] {
        ntt_primes(bits, n, &mut out).unwrap();
        let from_iter: Vec<u64> = NttPrimes::new(bits, n).unwrap().take(8).collect();
        assert_eq!(out.to_vec(), from_iter);
        for &q in &out {
            assert_eq!(64 - q.leading_zeros(), bits);
            assert_eq!(q % (2 * n as u64), 1);
            assert!(is_prime(q));
        }
    }
    // No 6-bit prime is 1 mod 32 (the only candidate, 33, is composite).
    assert_eq!(
        ntt_primes(6, 16, &mut out),
        Err(Error::NoSuchPrime {
            bits: 6,
            degree: 16
        })
    );
    assert!(matches!(
        NttPrimes::new(63, 16),
        Err(Error::InvalidBitSize { bits: 63, .. })
    ));
    assert!(matches!(
        NttPrimes::new(1, 16),
        Err(Error::InvalidBitSize { .. })
    ));
    assert!(matches!(
        NttPrimes::new(30, 24),
        Err(Error::InvalidDegree { .. })
    ));
}

fn pow_mod(a: u64, mut e: u64, q: u64) -> u64 {
    let (mut b, mut r) = (a as u128 % q as u128, 1u128);
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % q as u128;
        }
        b = b * b % q as u128;
        e >>= 1;
    }
    r as u64
}

/// The smallest primitive 2N-th root against the first x with x^N ≡ −1.
#[test]
fn smallest_root_matches_brute_force() {
    for log_n in 0..=8u32 {
        let n = 1usize << log_n;
        for q in NttPrimes::new(20, n).unwrap().take(4) {
            let brute = (2..q).find(|&x| pow_mod(x, n as u64, q) == q - 1).unwrap();
            let m = Modulus::<u64>::new(q).unwrap();
            assert_eq!(
                smallest_primitive_root(&m, n).unwrap(),
                brute,
                "q {q} N {n}"
            );
            let m32 = Modulus::<u32>::new(q as u32).unwrap();
            assert_eq!(smallest_primitive_root(&m32, n).unwrap() as u64, brute);
        }
    }
}

#[test]
fn smallest_root_errors() {
    let m = Modulus::<u64>::new(97).unwrap();
    assert_eq!(
        smallest_primitive_root(&m, 64),
        Err(Error::NotNttFriendly {
            modulus: 97,
            degree: 64
        })
    );
    let m = Modulus::<u64>::new(91).unwrap();
    assert_eq!(
        smallest_primitive_root(&m, 1),
        Err(Error::NotPrime { modulus: 91 })
    );
}
