//! Primality, NTT-friendly primes and roots of unity.
//!
//! - [`is_prime`]: Miller–Rabin with the first twelve primes as bases, which
//!   is deterministic (exact) for every `n < 3.3·10^24`, hence for all 64-bit
//!   integers (J. Sorenson and J. Webster, "Strong pseudoprimes to twelve
//!   prime bases", Math. Comp. 86, 2017).
//! - [`NttPrimes`]: for a bit size `b` and degree `N`, the primes `q < 2^b`
//!   with `q ≡ 1 (mod 2N)`, in descending order. Deterministic, so a
//!   parameter set is reproducible from `(N, bit sizes)` alone.
//! - [`smallest_primitive_root`]: the smallest primitive `2N`-th root of unity
//!   `ψ` modulo `q`, the root of the hearth NTT convention. Since `2N` is a
//!   power of two, `x` is a primitive `2N`-th root iff `x^N ≡ -1`; all of
//!   them are the odd powers of any one.

use super::{Modulus, Word};
use crate::error::Error;

#[inline]
fn mul_mod_u64(a: u64, b: u64, n: u64) -> u64 {
    ((a as u128 * b as u128) % n as u128) as u64
}

fn pow_mod_u64(mut a: u64, mut e: u64, n: u64) -> u64 {
    let mut acc = 1 % n;
    a %= n;
    while e != 0 {
        if e & 1 == 1 {
            acc = mul_mod_u64(acc, a, n);
        }
        a = mul_mod_u64(a, a, n);
        e >>= 1;
    }
    acc
}

/// Deterministic Miller–Rabin: exact for every `u64`.
pub fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'bases: for a in BASES {
        let mut x = pow_mod_u64(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod_u64(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// The primes `q < 2^bits` with `q ≡ 1 (mod 2·degree)`, largest first.
#[derive(Debug, Clone)]
pub struct NttPrimes {
    step: u64,
    /// Next candidate is `k · step + 1`.
    k: u64,
}

impl NttPrimes {
    /// Primes of at most `bits` bits (`2 ≤ bits ≤ 62`) for ring degree
    /// `degree` (a power of two).
    pub fn new(bits: u32, degree: usize) -> Result<Self, Error> {
        if !(2..=62).contains(&bits) {
            return Err(Error::InvalidBitSize { bits, max_bits: 62 });
        }
        if !degree.is_power_of_two() {
            return Err(Error::InvalidDegree {
                degree,
                min: 1,
                max: 1 << 30,
            });
        }
        let step = 2 * degree as u64;
        // Largest k with k·step + 1 < 2^bits.
        let k = ((1u64 << bits) - 2) / step;
        Ok(Self { step, k })
    }
}

impl Iterator for NttPrimes {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        while self.k > 0 {
            let q = self.k * self.step + 1;
            self.k -= 1;
            if is_prime(q) {
                return Some(q);
            }
        }
        None
    }
}

/// Fills `out` with the first `out.len()` primes of exactly `bits` bits that
/// are `≡ 1 (mod 2·degree)`, largest first.
pub fn ntt_primes(bits: u32, degree: usize, out: &mut [u64]) -> Result<(), Error> {
    let mut it = NttPrimes::new(bits, degree)?;
    for slot in out.iter_mut() {
        match it.next() {
            Some(q) if q >> (bits - 1) == 1 => *slot = q,
            _ => return Err(Error::NoSuchPrime { bits, degree }),
        }
    }
    Ok(())
}

/// The smallest primitive `2·degree`-th root of unity modulo the prime `q`.
///
/// Errors if `q` is not prime or `q ≢ 1 (mod 2·degree)`.
pub fn smallest_primitive_root<W: Word>(m: &Modulus<W>, degree: usize) -> Result<W, Error> {
    let q = m.value().to_u64();
    let two_n = 2 * degree as u64;
    if !is_prime(q) {
        return Err(Error::NotPrime { modulus: q });
    }
    if !(q - 1).is_multiple_of(two_n) {
        return Err(Error::NotNttFriendly { modulus: q, degree });
    }
    let minus_one = q - 1;
    let exp = (q - 1) / two_n;
    let mut g = 2u64;
    let root = loop {
        let c = pow_mod_u64(g, exp, q);
        if pow_mod_u64(c, degree as u64, q) == minus_one {
            break c;
        }
        g += 1;
    };
    // Odd powers of `root` are exactly the primitive 2N-th roots.
    let root_sq = mul_mod_u64(root, root, q);
    let mut x = root;
    let mut best = root;
    for _ in 1..degree {
        x = mul_mod_u64(x, root_sq, q);
        best = best.min(x);
    }
    Ok(W::from_u64_truncating(best))
}
