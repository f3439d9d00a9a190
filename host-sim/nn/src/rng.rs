//! A small deterministic generator for everything in hearth that is seeded
//! but not cryptographic (data splits, weight initialisation, mini-batch
//! order): ChaCha8 from `rand_chacha`, with the float and index conversions
//! written out here so that results never depend on a `rand` version.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seeded ChaCha8 stream with float and shuffle helpers.
#[derive(Debug, Clone)]
pub struct Prng(ChaCha8Rng);

impl Prng {
    /// A generator from a 64-bit seed.
    pub fn new(seed: u64) -> Self {
        Prng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Next raw 64-bit word.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform index in `[0, n)` by 128-bit multiply-high (bias below 2^-64·n).
    pub fn index(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Standard normal by the Box–Muller transform.
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }
}
