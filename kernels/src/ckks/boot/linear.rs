//! The homomorphic DFTs of bootstrapping as products of sparse matrices.
//!
//! ## The factorisation
//! (Cheon, Han, Kim, Kim, Song, "Improved bootstrapping for approximate
//! homomorphic encryption", EUROCRYPT 2019, §3; Han and Ki, CT-RSA 2020,
//! §4.) For `n_s` slots the decoding map of the ring `Z[Y]/(Y^(2n_s) + 1)`,
//! `z_j = Σ_(i<n_s) w_i ζ^(i·5^j)`, `ζ = exp(2πi/(4n_s))`, read on the
//! bit-reversed vector `w`, is the product `D = S_m ∘ … ∘ S_1`
//! (`m = log2 n_s`) of radix-2 butterfly stages: stage `S_k` (`len = 2^k`)
//! maps, inside every block of `len` slots, `(x_a, x_b)` with
//! `b = a + len/2` to `(x_a + c·x_b, x_a − c·x_b)`, `c = ζ^(4n_s/(4·len)·
//! (5^j mod 4·len))`. Each stage has three diagonals (offsets `0`,
//! `±len/2`); a product of `g` consecutive stages has at most `2^(g+1) − 1`.
//! SlotsToCoeffs applies `D` in groups, CoeffsToSlots its exact inverse
//! `D^-1 = S_1^-1 ∘ … ∘ S_m^-1` (each `S_k^-1` again a three-diagonal
//! butterfly). The bit reversal is never applied: EvalMod works slot by
//! slot, so it commutes with the permutation.
//!
//! A matrix on the `n = N/2` slots is kept by diagonals,
//! `y = Σ_k d_k ⊙ rot(x, k)` with `rot(x, k)_p = x_(p+k mod n)`; products
//! compose as `(A∘B)_(a+b) += d^A_a ⊙ rot(d^B_b, a)`. For `n_s < n` slots
//! every stage is tiled over the `n/n_s` blocks, so the same matrices act on
//! each copy of a sparse (periodic) message.
//!
//! ## Determinism of the constants
//! The twiddles are `f64` values of `libm::cos`/`libm::sin` (a pure-Rust
//! port of musl's, the same code on every target) of arguments computed with
//! IEEE basic operations; every later product or sum is a basic `f64`
//! operation, which is correctly rounded on x86_64 and RISC-V soft-float alike
//! and never fused (Rust does not contract `a*b+c`). So the diagonals, and the
//! fixed-point plaintexts encoded from them ([`super::super::encoding`]), are
//! bit-identical on every target.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// A complex number in `f64` (constants only, never ciphertext data).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct C64 {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl C64 {
    /// `re + i·im`.
    pub const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    /// `exp(2πi·num/den)`.
    pub fn root(num: u64, den: u64) -> Self {
        // Reduce first so the argument stays in [0, 2π).
        let a = 2.0 * core::f64::consts::PI * ((num % den) as f64) / den as f64;
        Self::new(libm::cos(a), libm::sin(a))
    }
    /// `a · f` for a real `f`.
    pub fn scale(self, f: f64) -> Self {
        Self::new(self.re * f, self.im * f)
    }
    /// The conjugate.
    pub fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }
}

impl core::ops::Add for C64 {
    type Output = Self;
    fn add(self, b: Self) -> Self {
        Self::new(self.re + b.re, self.im + b.im)
    }
}

impl core::ops::Mul for C64 {
    type Output = Self;
    fn mul(self, b: Self) -> Self {
        Self::new(
            self.re * b.re - self.im * b.im,
            self.re * b.im + self.im * b.re,
        )
    }
}

/// A linear map on `n` slots, by diagonals: `y = Σ_k d_k ⊙ rot(x, k)`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearMap {
    n: usize,
    diags: BTreeMap<usize, Vec<C64>>,
}

impl LinearMap {
    /// The zero map on `n` slots.
    pub fn zero(n: usize) -> Self {
        Self {
            n,
            diags: BTreeMap::new(),
        }
    }

    /// The identity on `n` slots.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zero(n);
        for p in 0..n {
            m.add_entry(0, p, C64::new(1.0, 0.0));
        }
        m
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.n
    }

    /// The diagonals, by offset `k` in `[0, n)`.
    pub fn diagonals(&self) -> &BTreeMap<usize, Vec<C64>> {
        &self.diags
    }

    /// `y_p += v · x_(p + offset)`.
    pub fn add_entry(&mut self, offset: usize, p: usize, v: C64) {
        let n = self.n;
        let d = self
            .diags
            .entry(offset % n)
            .or_insert_with(|| alloc::vec![C64::default(); n]);
        d[p] = d[p] + v;
    }

    /// `self ∘ b` (apply `b` first).
    pub fn compose(&self, b: &LinearMap) -> LinearMap {
        let n = self.n;
        let mut out = LinearMap::zero(n);
        for (&ka, da) in &self.diags {
            for (&kb, db) in &b.diags {
                let d = out
                    .diags
                    .entry((ka + kb) % n)
                    .or_insert_with(|| alloc::vec![C64::default(); n]);
                for p in 0..n {
                    d[p] = d[p] + da[p] * db[(p + ka) % n];
                }
            }
        }
        out
    }

    /// Multiplies every entry by `f`.
    pub fn scale(&mut self, f: C64) {
        for d in self.diags.values_mut() {
            d.iter_mut().for_each(|x| *x = *x * f);
        }
    }

    /// Multiplies row `p` by `mask[p]` (`diag(mask) ∘ self`).
    pub fn mask_rows(&mut self, mask: &[C64]) {
        for d in self.diags.values_mut() {
            d.iter_mut().zip(mask).for_each(|(x, &m)| *x = *x * m);
        }
    }

    /// `self(x)` in `f64` (the reference for tests).
    pub fn apply(&self, x: &[C64]) -> Vec<C64> {
        let n = self.n;
        let mut y = alloc::vec![C64::default(); n];
        for (&k, d) in &self.diags {
            for p in 0..n {
                y[p] = y[p] + d[p] * x[(p + k) % n];
            }
        }
        y
    }
}

/// The butterfly stage `S_k` (`len = 2^k`) of the decoding map for
/// `n_s` slots, tiled over `n` slots; `inverse` gives `S_k^-1`.
pub fn stage(n: usize, ns: usize, len: usize, inverse: bool) -> LinearMap {
    let (lenh, lenq, m) = (len / 2, 4 * len as u64, 4 * ns as u64);
    let gap = m / lenq;
    let mut out = LinearMap::zero(n);
    let one = C64::new(1.0, 0.0);
    let half = 0.5;
    let mut five = 1u64;
    for j in 0..lenh {
        let c = C64::root(five % lenq * gap, m);
        five = five * 5 % lenq;
        for block in (0..n).step_by(len) {
            let (a, b) = (block + j, block + j + lenh);
            if inverse {
                // x_a = (y_a + y_b)/2, x_b = c̄·(y_a − y_b)/2.
                out.add_entry(0, a, one.scale(half));
                out.add_entry(lenh, a, one.scale(half));
                let cb = c.conj().scale(half);
                out.add_entry(n - lenh, b, cb);
                out.add_entry(0, b, cb.scale(-1.0));
            } else {
                // y_a = x_a + c·x_b, y_b = x_a − c·x_b.
                out.add_entry(0, a, one);
                out.add_entry(lenh, a, c);
                out.add_entry(n - lenh, b, one);
                out.add_entry(0, b, c.scale(-1.0));
            }
        }
    }
    out
}

/// Splits the `m = log2 n_s` stages into `levels` consecutive groups, as
/// equal as possible (later groups take the remainder): the stage counts.
pub fn group_sizes(m: usize, levels: usize) -> Vec<usize> {
    let levels = levels.clamp(1, m.max(1));
    (0..levels)
        .map(|g| m / levels + usize::from(g >= levels - m % levels))
        .collect()
}

/// The groups of SlotsToCoeffs in the order they are applied: group `g` is
/// `S_(e_g) ∘ … ∘ S_(b_g)` (stages `b_g..=e_g`, `S_1` first).
pub fn slots_to_coeffs_groups(n: usize, ns: usize, levels: usize) -> Vec<LinearMap> {
    let m = ns.trailing_zeros() as usize;
    let mut k = 1;
    group_sizes(m, levels)
        .into_iter()
        .map(|size| {
            let mut g = LinearMap::identity(n);
            for _ in 0..size {
                g = stage(n, ns, 1 << k, false).compose(&g);
                k += 1;
            }
            g
        })
        .collect()
}

/// The groups of CoeffsToSlots in the order they are applied: the inverses
/// of [`slots_to_coeffs_groups`] in reverse order, `S_m^-1` first.
pub fn coeffs_to_slots_groups(n: usize, ns: usize, levels: usize) -> Vec<LinearMap> {
    let m = ns.trailing_zeros() as usize;
    let mut k = m;
    let mut sizes = group_sizes(m, levels);
    sizes.reverse();
    sizes
        .into_iter()
        .map(|size| {
            let mut g = LinearMap::identity(n);
            for _ in 0..size {
                g = stage(n, ns, 1 << k, true).compose(&g);
                k -= 1;
            }
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brv(i: usize, bits: u32) -> usize {
        if bits == 0 {
            0
        } else {
            i.reverse_bits() >> (usize::BITS - bits)
        }
    }

    /// The decoding sum, term by term.
    fn decode_naive(w: &[C64]) -> Vec<C64> {
        let ns = w.len();
        let m = 4 * ns as u64;
        let mut five = 1u64;
        (0..ns)
            .map(|_| {
                let z = w.iter().enumerate().fold(C64::default(), |acc, (i, &wi)| {
                    acc + wi * C64::root(i as u64 * five % m, m)
                });
                five = five * 5 % m;
                z
            })
            .collect()
    }

    fn sample(n: usize) -> Vec<C64> {
        (0..n)
            .map(|i| C64::new(libm::sin(i as f64 * 0.37), libm::cos(i as f64 * 0.11)))
            .collect()
    }

    fn close(a: &[C64], b: &[C64]) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x.re - y.re).abs() < 1e-9 && (x.im - y.im).abs() < 1e-9)
    }

    #[test]
    fn groups_decode_bit_reversed_input() {
        for (n, ns, levels) in [(16, 16, 1), (32, 32, 3), (64, 16, 2), (128, 32, 4)] {
            let w = sample(ns);
            let bits = ns.trailing_zeros();
            // Tiled input: every block of ns slots holds bitrev(w).
            let x: Vec<C64> = (0..n).map(|p| w[brv(p % ns, bits)]).collect();
            let mut y = x.clone();
            for g in slots_to_coeffs_groups(n, ns, levels) {
                y = g.apply(&y);
            }
            let z = decode_naive(&w);
            let tiled: Vec<C64> = (0..n).map(|p| z[p % ns]).collect();
            assert!(close(&y, &tiled), "n {n} ns {ns}");
            for g in coeffs_to_slots_groups(n, ns, levels) {
                y = g.apply(&y);
            }
            assert!(close(&y, &x), "inverse n {n} ns {ns}");
        }
    }

    #[test]
    fn group_sizes_cover_all_stages() {
        assert_eq!(group_sizes(15, 3), [5, 5, 5]);
        assert_eq!(group_sizes(9, 4), [2, 2, 2, 3]);
        assert_eq!(group_sizes(3, 5), [1, 1, 1]);
    }
}
