//! The NTT against its definition: `out[i] = a(ψ^(2·brv(i)+1)) mod q`, with
//! `ψ` the smallest primitive 2N-th root, evaluated by slow u128 Horner.

use hearth_kernels::arith::prime::{is_prime, NttPrimes};
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::{bit_reverse, NttPlan};

fn pow_mod(mut a: u128, mut e: u128, q: u128) -> u128 {
    let mut r = 1u128;
    a %= q;
    while e > 0 {
        if e & 1 == 1 {
            r = r * a % q;
        }
        a = a * a % q;
        e >>= 1;
    }
    r
}

/// Smallest x with x^N ≡ -1 (mod q), by brute force.
fn brute_force_smallest_psi(q: u64, n: usize) -> u64 {
    (2..q)
        .find(|&x| pow_mod(x as u128, n as u128, q as u128) == (q - 1) as u128)
        .unwrap()
}

fn check<W: Word>(bits: u32, log_n: u32, seed: u64) {
    let n = 1usize << log_n;
    let q = NttPrimes::new(bits, n).unwrap().next().unwrap();
    assert!(is_prime(q));
    let plan = NttPlan::<W, _>::new(W::from_u64_truncating(q), n).unwrap();
    if bits <= 20 {
        assert_eq!(plan.psi().to_u64(), brute_force_smallest_psi(q, n));
    }
    let psi = plan.psi().to_u64() as u128;
    assert_eq!(pow_mod(psi, n as u128, q as u128), (q - 1) as u128);
    let mut state = seed;
    let input: Vec<u64> = (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) % q
        })
        .collect();
    let mut a: Vec<W> = input.iter().map(|&x| W::from_u64_truncating(x)).collect();
    plan.forward(&mut a).unwrap();
    for (i, &got) in a.iter().enumerate() {
        let e = 2 * bit_reverse(i, log_n) as u128 + 1;
        let x = pow_mod(psi, e, q as u128);
        let mut acc = 0u128;
        for &c in input.iter().rev() {
            acc = (acc * x + c as u128) % q as u128;
        }
        assert_eq!(got.to_u64() as u128, acc, "q={q} n={n} i={i}");
    }
    plan.inverse(&mut a).unwrap();
    let back: Vec<u64> = a.iter().map(|w| w.to_u64()).collect();
    assert_eq!(back, input);
}

#[test]
fn forward_matches_definition_u64() {
    for log_n in 4..=8 {
        for bits in [17, 30, 50, 62] {
            check::<u64>(bits, log_n, bits as u64 * 31 + log_n as u64);
        }
    }
}

#[test]
fn forward_matches_definition_u32() {
    for log_n in 4..=8 {
        for bits in [17, 25, 30] {
            check::<u32>(bits, log_n, bits as u64 * 17 + log_n as u64);
        }
    }
}
