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
//!
//! ## Speed without changing a bit
//! Every product is `I64F64::wrapping_mul`, `⌊a·b / 2^64⌋ mod 2^128`, but
//! computed from 64-bit words ([`mul_bits`], four multiplies) instead of
//! `fixed`'s signed 256-bit product, and by a twiddle (both parts in
//! `[−1, 1]`, high word `−1`, `0` or `1`) with two ([`mul_bits_unit`]).
//! The DFT's twiddles `ω^k` are held contiguously ([`dft_twiddles`], read
//! in order by the last stage instead of every fourth entry of the half
//! circle), and `ω^0 = 1` is not multiplied (exact anyway). Same
//! butterflies, same order, same rounding: the tests below compare with
//! `fixed`'s products and with the earlier DFT bit for bit.

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
    /// `a · b` (wrapping): each of the four real products is
    /// [`I64F64::wrapping_mul`] (computed by [`mul_bits`]).
    #[inline(always)]
    pub fn wmul(self, b: Self) -> Self {
        let (ar, ai) = (self.re.to_bits(), self.im.to_bits());
        let (br, bi) = (b.re.to_bits(), b.im.to_bits());
        Self {
            re: I64F64::from_bits(mul_bits(ar, br).wrapping_sub(mul_bits(ai, bi))),
            im: I64F64::from_bits(mul_bits(ar, bi).wrapping_add(mul_bits(ai, br))),
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

/// `⌊a·b / 2^64⌋ mod 2^128` for the bits `a`, `b` of two [`I64F64`]: the
/// bits of `I64F64::wrapping_mul` (which forms the whole signed 256-bit
/// product, shifts it and checks for overflow), from four 64-bit products.
///
/// With `a = a_h·2^64 + a_l` (`a_h` signed, `a_l` unsigned) and likewise
/// `b`, `a·b = a_h b_h·2^128 + (a_h b_l + a_l b_h)·2^64 + a_l b_l` exactly,
/// and all but the last term are multiples of `2^64`, so
/// `⌊a·b / 2^64⌋ = a_h b_h·2^64 + a_h b_l + a_l b_h + ⌊a_l b_l / 2^64⌋`.
/// Modulo `2^128` only the low word of `a_h b_h` matters; `a_h b_l` and
/// `a_l b_h` are exact in `i128` (`|·| < 2^127`).
#[inline(always)]
pub fn mul_bits(a: i128, b: i128) -> i128 {
    let (al, ah) = (a as u64, (a >> 64) as i64);
    let (bl, bh) = (b as u64, (b >> 64) as i64);
    let ll = ((al as u128 * bl as u128) >> 64) as i128;
    let lh = (al as i128).wrapping_mul(bh as i128);
    let hl = (ah as i128).wrapping_mul(bl as i128);
    let hh = ((ah.wrapping_mul(bh) as u64 as u128) << 64) as i128;
    ll.wrapping_add(lh).wrapping_add(hl).wrapping_add(hh)
}

/// [`mul_bits`]`(a, b)` for a `b` whose high word `b_h` is `−1`, `0` or `1`
/// (every `|b| ≤ 1`, so every twiddle): `a_l b_h + a_h b_h·2^64 = b_h·a`
/// (mod `2^128`), so `⌊a·b / 2^64⌋ = b_h·a + a_h b_l + ⌊a_l b_l / 2^64⌋`:
/// two 64-bit products, `b_h·a` by masks.
#[inline(always)]
fn mul_bits_unit(a: i128, b: i128) -> i128 {
    let (al, ah) = (a as u64, (a >> 64) as i64);
    let (bl, bh) = (b as u64, (b >> 64) as i64);
    debug_assert!((-1..=1).contains(&bh));
    let ll = ((al as u128 * bl as u128) >> 64) as i128;
    let hl = (ah as i128).wrapping_mul(bl as i128);
    let nonzero = -((bh & 1) as i128);
    let neg = (bh >> 63) as i128;
    let ab = ((a & nonzero) ^ neg).wrapping_sub(neg);
    ll.wrapping_add(hl).wrapping_add(ab)
}

/// Whether both parts of `w` are in `[−1, 1]` (high words in `{−1, 0, 1}`),
/// as [`mul_bits_unit`] requires.
fn is_unit_bounded(w: &Complex) -> bool {
    let ok = |x: I64F64| (-1..=1).contains(&(x.to_bits() >> 64));
    ok(w.re) && ok(w.im)
}

impl Complex {
    /// [`Self::wmul`] by a `w` with both parts in `[−1, 1]` (a twiddle).
    #[inline(always)]
    fn wmul_unit(self, w: Self) -> Self {
        let (ar, ai) = (self.re.to_bits(), self.im.to_bits());
        let (br, bi) = (w.re.to_bits(), w.im.to_bits());
        Self {
            re: I64F64::from_bits(mul_bits_unit(ar, br).wrapping_sub(mul_bits_unit(ai, bi))),
            im: I64F64::from_bits(mul_bits_unit(ar, bi).wrapping_add(mul_bits_unit(ai, br))),
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

/// `(sin, cos)(π·i/N)` for `i = 0..=N/4` (the first octant's series).
fn first_octants(n: usize) -> Vec<Complex> {
    (0..=n / 4)
        .map(|i| {
            let (s, c) = sin_cos_of_multiple(i, n);
            Complex { re: c, im: s }
        })
        .collect()
}

/// `ζ^i`, `0 ≤ i < N`, from `first = first_octants(N)` by the symmetries
/// `ζ^i = i·conj(ζ^(N/2 − i))` and `ζ^i = −conj(ζ^(N − i))`.
fn circle_point(first: &[Complex], n: usize, i: usize) -> Complex {
    let quarter = n / 4;
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
}

/// `ζ^i = exp(iπ·i/N)` for `i = 0..N` (the upper half circle).
pub fn half_circle(n: usize) -> Vec<Complex> {
    half_circle_prefix(n, n)
}

/// The first `len ≤ N` entries of [`half_circle`]`(n)`.
pub(crate) fn half_circle_prefix(n: usize, len: usize) -> Vec<Complex> {
    let first = first_octants(n);
    (0..len).map(|i| circle_point(&first, n, i)).collect()
}

/// The twiddles of the length-`N/2` DFT of the canonical embedding,
/// `ω^k = ζ^(4k)` for `k = 0..N/4`, contiguous (entries of
/// [`half_circle`]`(n)` at stride 4), so the last stage of [`dft_twiddled`]
/// reads them in order.
pub(crate) fn dft_twiddles(n: usize) -> Vec<Complex> {
    let first = first_octants(n);
    let tw: Vec<Complex> = (0..n / 4).map(|k| circle_point(&first, n, 4 * k)).collect();
    assert!(tw.iter().all(is_unit_bounded));
    tw
}

/// Reverses the order of `data` by bit-reversing indices.
pub(crate) fn bit_reverse_permute(data: &mut [Complex]) {
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
    let stride = 2 * zeta.len() / n.max(1);
    let tw: Vec<Complex> = (0..n / 2).map(|k| zeta[k * stride]).collect();
    bit_reverse_permute(data);
    if tw.iter().all(is_unit_bounded) {
        dft_twiddled(data, &tw, forward);
    } else {
        stages::<false>(data, &tw, forward);
    }
}

/// The stages of [`dft`] on data already in bit-reversed order, with the
/// twiddles `tw[k] = ω^k`, `k < n/2`, of the whole length `n` (stage `len`
/// uses `tw[k·n/len]`; [`dft_twiddles`]). Bit for bit [`dft`]'s result:
/// the same butterflies in the same order, each product an
/// `I64F64::wrapping_mul` ([`mul_bits`]). The twiddle `ω^0 = 1` (exactly
/// `1.0` and `0`) is skipped: `x·1` and `x·0` are exact in fixed point, so
/// `b·ω^0 = b` bit for bit. The twiddles must have both parts in `[−1, 1]`
/// (those of [`dft_twiddles`] do): their products take the two-multiply
/// [`mul_bits_unit`].
pub(crate) fn dft_twiddled(data: &mut [Complex], tw: &[Complex], forward: bool) {
    debug_assert!(tw.iter().all(is_unit_bounded));
    stages::<true>(data, tw, forward);
}

fn stages<const UNIT: bool>(data: &mut [Complex], tw: &[Complex], forward: bool) {
    let n = data.len();
    debug_assert!(tw.len() >= n / 2);
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        let step = n / len;
        for block in data.chunks_exact_mut(len) {
            let (lo, hi) = block.split_at_mut(half);
            butterfly::<UNIT>(&mut lo[0], &mut hi[0], None, forward);
            for k in 1..half {
                let w = tw[k * step];
                let w = if forward { w } else { w.conj() };
                butterfly::<UNIT>(&mut lo[k], &mut hi[k], Some(w), forward);
            }
        }
        len *= 2;
    }
}

#[inline(always)]
fn butterfly<const UNIT: bool>(
    x: &mut Complex,
    y: &mut Complex,
    w: Option<Complex>,
    forward: bool,
) {
    let a = *x;
    let b = match w {
        Some(w) if UNIT => y.wmul_unit(w),
        Some(w) => y.wmul(w),
        None => *y,
    };
    if forward {
        *x = a.wadd(b);
        *y = a.wsub(b);
    } else {
        *x = a.wadd(b).half();
        *y = a.wsub(b).half();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edge() -> impl Strategy<Value = i128> {
        prop_oneof![
            any::<i128>(),
            any::<i64>().prop_map(|x| x as i128),
            any::<i64>().prop_map(|x| (x as i128) << 64),
            (-2i128..3).prop_map(|x| x << 64),
            (-3i128..3),
            Just(i128::MIN),
            Just(i128::MAX),
        ]
    }

    proptest! {
        #[test]
        fn mul_bits_is_wrapping_mul(a in edge(), b in edge()) {
            let want = I64F64::from_bits(a).wrapping_mul(I64F64::from_bits(b)).to_bits();
            prop_assert_eq!(mul_bits(a, b), want);
        }
    }

    proptest! {
        #[test]
        fn mul_bits_unit_is_wrapping_mul(a in edge(), bl: u64, bh in -1i64..=1) {
            let b = ((bh as i128) << 64) | bl as i128;
            let want = I64F64::from_bits(a).wrapping_mul(I64F64::from_bits(b)).to_bits();
            prop_assert_eq!(mul_bits_unit(a, b), want);
        }
    }

    /// The DFT before the contiguous twiddles and the skipped `ω^0`.
    fn reference_dft(data: &mut [Complex], zeta: &[Complex], forward: bool) {
        let mul = |a: Complex, b: Complex| Complex {
            re: a
                .re
                .wrapping_mul(b.re)
                .wrapping_sub(a.im.wrapping_mul(b.im)),
            im: a
                .re
                .wrapping_mul(b.im)
                .wrapping_add(a.im.wrapping_mul(b.re)),
        };
        let n = data.len();
        bit_reverse_permute(data);
        let mut len = 2;
        while len <= n {
            let half = len / 2;
            let stride = 2 * zeta.len() / len;
            for start in (0..n).step_by(len) {
                for k in 0..half {
                    let w = if forward {
                        zeta[k * stride]
                    } else {
                        zeta[k * stride].conj()
                    };
                    let a = data[start + k];
                    let b = mul(data[start + k + half], w);
                    let (x, y) = (a.wadd(b), a.wsub(b));
                    data[start + k] = if forward { x } else { x.half() };
                    data[start + k + half] = if forward { y } else { y.half() };
                }
            }
            len *= 2;
        }
    }

    #[test]
    fn dft_matches_reference_bit_for_bit() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s
        };
        for log_n in 4..=10u32 {
            let big_n = 1usize << log_n;
            let zeta = half_circle(big_n);
            let tw = dft_twiddles(big_n);
            assert_eq!(
                &half_circle_prefix(big_n, big_n / 2)[..],
                &zeta[..big_n / 2]
            );
            for forward in [false, true] {
                let x: Vec<Complex> = (0..big_n / 2)
                    .map(|_| Complex {
                        re: I64F64::from_bits(((next() as i64 as i128) << 40) | next() as i128),
                        im: I64F64::from_bits(((next() as i64 as i128) << 40) | next() as i128),
                    })
                    .collect();
                let mut want = x.clone();
                reference_dft(&mut want, &zeta, forward);
                let mut got = x.clone();
                dft(&mut got, &zeta, forward);
                assert_eq!(got, want);
                let mut got = x;
                bit_reverse_permute(&mut got);
                dft_twiddled(&mut got, &tw, forward);
                assert_eq!(got, want);
            }
        }
    }
}
