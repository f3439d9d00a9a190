//! Complex fixed-point numbers and the FFT of the canonical embedding.
//!
//! Numbers are [`I64F64`] (the `fixed` crate: 64 integer and 64 fractional
//! bits, two's complement in an `i128`). Every operation is integer
//! arithmetic, so results are identical on every target. Butterflies use
//! wrapping arithmetic; the callers bound their inputs so that nothing wraps
//! (see [`super::encoding`]).
//!
//! Roots of unity `ζ^i = exp(iπ·i/N)` come from Taylor series of `sin` and
//! `cos` on `[0, π/4]` (each term exact to `2^-64`, about 20 terms) and the
//! symmetries of the circle; their error is a few units of `2^-64`.

use alloc::vec::Vec;

use fixed::types::I64F64;

/// `π · 2^64`, rounded to the nearest integer (π = 3.243F6A8885A308D3 13…₁₆).
const PI_BITS: i128 = 0x3_243F_6A88_85A3_08D3;

/// A complex number with [`I64F64`] parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Complex {
    /// Real part.
    pub re: I64F64,
    /// Imaginary part.
    pub im: I64F64,
}

impl Complex {
    /// `a + b` (wrapping).
    #[inline(always)]
    pub fn wadd(self, b: Self) -> Self {
        Self {
            re: self.re.wrapping_add(b.re),
            im: self.im.wrapping_add(b.im),
        }
    }
    /// `a − b` (wrapping).
    #[inline(always)]
    pub fn wsub(self, b: Self) -> Self {
        Self {
            re: self.re.wrapping_sub(b.re),
            im: self.im.wrapping_sub(b.im),
        }
    }
    /// `a · b` (wrapping).
    #[inline(always)]
    pub fn wmul(self, b: Self) -> Self {
        Self {
            re: self
                .re
                .wrapping_mul(b.re)
                .wrapping_sub(self.im.wrapping_mul(b.im)),
            im: self
                .re
                .wrapping_mul(b.im)
                .wrapping_add(self.im.wrapping_mul(b.re)),
        }
    }
    /// The complex conjugate.
    #[inline(always)]
    pub fn conj(self) -> Self {
        Self {
            re: self.re,
            im: self.im.wrapping_neg(),
        }
    }
    /// `a / 2`, rounding toward −∞ (an arithmetic shift).
    #[inline(always)]
    pub fn half(self) -> Self {
        Self {
            re: I64F64::from_bits(self.re.to_bits() >> 1),
            im: I64F64::from_bits(self.im.to_bits() >> 1),
        }
    }
}

fn sin_cos_small(x: I64F64) -> (I64F64, I64F64) {
    let x2 = x.wrapping_mul(x);
    let (mut s, mut s_term) = (x, x);
    let (mut c, mut c_term) = (I64F64::ONE, I64F64::ONE);
    for k in 1..40i128 {
        s_term = I64F64::from_bits(s_term.wrapping_mul(x2).to_bits() / ((2 * k) * (2 * k + 1)));
        c_term = I64F64::from_bits(c_term.wrapping_mul(x2).to_bits() / ((2 * k - 1) * (2 * k)));
        if k % 2 == 1 {
            s -= s_term;
            c -= c_term;
        } else {
            s += s_term;
            c += c_term;
        }
        if s_term == 0 && c_term == 0 {
            break;
        }
    }
    (s, c)
}

/// `(sin, cos)(π·i/N)` for `i ≤ N/4` by the series (the entries of
/// [`half_circle`] up to `π/4`).
pub(crate) fn sin_cos_of_multiple(i: usize, n: usize) -> (I64F64, I64F64) {
    sin_cos_small(I64F64::from_bits(PI_BITS * i as i128 / n as i128))
}

/// `ζ^i = exp(iπ·i/N)` for `i = 0..N` (the upper half circle).
pub fn half_circle(n: usize) -> Vec<Complex> {
    let quarter = n / 4;
    let mut first = Vec::with_capacity(quarter + 1);
    for i in 0..=quarter {
        let x = I64F64::from_bits(PI_BITS * i as i128 / n as i128);
        let (s, c) = sin_cos_small(x);
        first.push(Complex { re: c, im: s });
    }
    (0..n)
        .map(|i| {
            if i <= quarter {
                first[i]
            } else if i <= n / 2 {
                let z = first[n / 2 - i];
                Complex { re: z.im, im: z.re }
            } else {
                let j = n - i;
                let z = if j <= quarter {
                    first[j]
                } else {
                    let w = first[n / 2 - j];
                    Complex { re: w.im, im: w.re }
                };
                Complex {
                    re: z.re.wrapping_neg(),
                    im: z.im,
                }
            }
        })
        .collect()
}

/// Reverses the order of `data` by bit-reversing indices.
fn bit_reverse_permute(data: &mut [Complex]) {
    let log = data.len().trailing_zeros();
    for i in 0..data.len() {
        let j = crate::ntt::bit_reverse(i, log);
        if i < j {
            data.swap(i, j);
        }
    }
}

/// In-place DFT of length `n = data.len()` with `ω = ζ^(2N/n)`, given the
/// half circle `zeta` of `ζ = exp(iπ/N)` (`N = zeta.len()`):
/// `forward`: `X_t = Σ_i x_i ω^(ti)`; otherwise `x_i = (1/n) Σ_t X_t ω^(-ti)`
/// (the factor `1/n` as one halving per stage, so no value grows).
pub fn dft(data: &mut [Complex], zeta: &[Complex], forward: bool) {
    let n = data.len();
    let big_n = zeta.len();
    bit_reverse_permute(data);
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        // ω^(k·n/len) = ζ^(2N/n · k · n/len) = ζ^(k · 2N/len)
        let stride = 2 * big_n / len;
        for start in (0..n).step_by(len) {
            for k in 0..half {
                let mut w = zeta[k * stride];
                if !forward {
                    w = w.conj();
                }
                let a = data[start + k];
                let b = data[start + k + half].wmul(w);
                if forward {
                    data[start + k] = a.wadd(b);
                    data[start + k + half] = a.wsub(b);
                } else {
                    data[start + k] = a.wadd(b).half();
                    data[start + k + half] = a.wsub(b).half();
                }
            }
        }
        len *= 2;
    }
}
