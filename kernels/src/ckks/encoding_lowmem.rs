//! A low-memory CKKS encoder: in place, 64-bit fixed point, no root table
//! in RAM.
//!
//! ## The maths
//! The same map as [`super::encoding`] (Cheon, Kim, Kim, Song, ASIACRYPT
//! 2017, §3): slot `j` goes to position `t_j = (5^j mod 2N − 1)/4` of a
//! length-`n = N/2` array, an inverse DFT (`1/n` as one halving per stage)
//! and an untwist by `ζ^-i` (`ζ = exp(iπ/N)`) give `w_i = m_i + i·m_(i+n)`,
//! and the coefficients are `c_i = ⌊Δ·m_i⌉` (ties away from zero).
//!
//! ## Memory
//! Everything happens in the caller's buffer of `N` `i64` words: real parts
//! in `buf[..n]`, imaginary parts in `buf[n..]`, so the coefficients end up
//! in place, `c_i` in `buf[i]`. Slots are read one by one from an iterator
//! and scattered straight to their bit-reversed position (the DFT's input
//! permutation); `t_j` is computed on the fly. Roots of unity come from a
//! table of `N/2 + 1` cosines `T[j] = ⌊2^62·cos(πj/N)⌉` that the caller
//! provides ([`quarter_cos_table`]; a device keeps it in flash, 16 KiB at
//! `N = 4096`): `cos(πa/N)` and `sin(πa/N)` for every `a ∈ [0, N)` are
//! `±T[a]`, `T[N/2 − a]` or `T[N − a]`, `T[a − N/2]`.
//!
//! ## Fixed point
//! Inputs are first stored as their IEEE-754 bits; then, with
//! `|x_j| < 2^B` for all `j` (`B` from the largest exponent), each becomes an
//! `i64` with `F = min(61 − B, 62)` fractional bits (exact when `x_j` has no
//! bit below `2^-F`, else rounded to nearest). Every butterfly keeps
//! `|re|, |im| ≤ R = max|z|` after its halving and `≤ 2R < 2^(62.5 − F)·2^F`
//! before it, so nothing overflows `i64`; the products with the `Q62`
//! twiddles are exact in `i128` (`< 2^126`) and rounded once. The final
//! `⌊Δ·v⌉` is exact: `Δ = M·2^(E−1075)` with a 53-bit integer `M`, so
//! `Δ·v = (V·M)·2^(E−1075−F)`, a 116-bit integer shifted.
//!
//! ## Precision
//! Per stage the error of a component grows by at most the product's
//! rounding (`2^-(F+1)`), the twiddles' (`≤ 2R·2^-62 ≤ 2^-F`) and the
//! halving's floor (`2^-F`), and halving does not amplify earlier errors;
//! so after the `log2 n` stages and the untwist every component is within
//! `(3·log2 n + 3)·2^-F` of exact. In coefficient units that is
//! `Δ·(3·log2 n + 3)·2^(B−61)`: at `N = 4096`, `Δ = 2^25`, `|x| ≤ 1`
//! (`B = 1`), below `2^-29`. The coefficients are therefore the exactly
//! rounded `⌊Δ·m_i⌉` unless `Δ·m_i` lies within `2^-29` of a tie, and then
//! off by at most one. Decoding error is then dominated by the final
//! rounding, as with [`super::Encoder`]: at most `N/(2Δ)` in any slot
//! (`2^-14` at `N = 4096`, `Δ = 2^25`), about `√(N/12)/Δ` (`2^-20.8`) in
//! root mean square (tested against an `f64` evaluation of the exact sum
//! and against [`super::Encoder`]).

use super::CkksError;

/// Inputs must satisfy `|x| < 2^48` (so `F ≥ 13`), as for [`super::Encoder`].
const MAX_INPUT_LOG2: i32 = 48;

/// `2^62`, the fixed-point one of the cosine table.
const ONE_Q62: i64 = 1 << 62;

/// Entries of the cosine table for `N = 2^log_n`: `N/2 + 1`.
pub const fn cos_table_len(log_n: u32) -> usize {
    (1usize << log_n) / 2 + 1
}

/// Fills `out` (`N/2 + 1` words) with `⌊2^62·cos(πj/N)⌉`, `j = 0..=N/2`,
/// from the `I64F64` series of [`super::fixed_fft`] (the same bits on every
/// target).
pub fn quarter_cos_table(log_n: u32, out: &mut [i64]) -> Result<(), CkksError> {
    check_log_n(log_n)?;
    let n = 1usize << log_n;
    if out.len() != cos_table_len(log_n) {
        return Err(crate::Error::LengthMismatch {
            expected: cos_table_len(log_n),
            actual: out.len(),
        }
        .into());
    }
    let quarter = n / 4;
    for (j, t) in out.iter_mut().enumerate() {
        // cos(πj/N) = sin(π(N/2 − j)/N) past π/4.
        let (k, use_sin) = if j <= quarter {
            (j, false)
        } else {
            (n / 2 - j, true)
        };
        let (s, c) = super::fixed_fft::sin_cos_of_multiple(k, n);
        let bits = if use_sin { s } else { c }.to_bits();
        *t = ((bits + 2) >> 2) as i64; // 64 → 62 fractional bits, rounded
    }
    Ok(())
}

fn check_log_n(log_n: u32) -> Result<(), CkksError> {
    if (4..=17).contains(&log_n) {
        Ok(())
    } else {
        Err(CkksError::InvalidParameters("log2 N must be in [4, 17]"))
    }
}

/// The low-memory encoder for one ring degree (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct LowMemEncoder<'a> {
    log_n: u32,
    cos: &'a [i64],
}

impl<'a> LowMemEncoder<'a> {
    /// The encoder for `N = 2^log_n` over a cosine table ([`quarter_cos_table`]).
    ///
    /// Checks the table's length, its end points (`2^62` and `0`) and that it
    /// does not increase (O(N)); its exact values are the caller's to check
    /// against [`quarter_cos_table`] where that is cheap.
    pub fn new(log_n: u32, cos: &'a [i64]) -> Result<Self, CkksError> {
        check_log_n(log_n)?;
        if cos.len() != cos_table_len(log_n) {
            return Err(crate::Error::LengthMismatch {
                expected: cos_table_len(log_n),
                actual: cos.len(),
            }
            .into());
        }
        let ends_ok = cos.first() == Some(&ONE_Q62) && cos.last() == Some(&0);
        if !ends_ok || cos.windows(2).any(|w| w[1] > w[0]) {
            return Err(CkksError::InvalidParameters(
                "not a table of cos(πj/N)·2^62, j = 0..=N/2",
            ));
        }
        Ok(Self { log_n, cos })
    }

    /// `N`.
    pub fn degree(&self) -> usize {
        1 << self.log_n
    }

    /// `(cos, sin)(πa/N)` in `Q62` for `a ∈ [0, N)`.
    #[inline(always)]
    fn root(&self, a: usize) -> (i64, i64) {
        let h = self.degree() / 2;
        let t = self.cos;
        if a <= h {
            (t[a], t[h - a])
        } else {
            (-t[2 * h - a], t[a - h])
        }
    }

    /// Encodes up to `N/2` real slots at `scale` into the `N` integer
    /// coefficients `⌊Δ·m_i⌉`, written to `buf` (`N` words; its previous
    /// contents are ignored). Missing slots are zero.
    ///
    /// Errors: [`CkksError::TooManyValues`]; [`CkksError::ValueOutOfRange`]
    /// for a non-finite value or a coefficient beyond `i64`;
    /// [`CkksError::InvalidScale`] unless `1 ≤ Δ < 2^63`; a length mismatch.
    pub fn encode_real_in_place(
        &self,
        values: impl IntoIterator<Item = f64>,
        scale: f64,
        buf: &mut [i64],
    ) -> Result<(), CkksError> {
        let n = self.degree();
        if buf.len() != n {
            return Err(crate::Error::LengthMismatch {
                expected: n,
                actual: buf.len(),
            }
            .into());
        }
        if !(1.0..super::encoding::MAX_ENCODE_SCALE).contains(&scale) {
            return Err(CkksError::InvalidScale);
        }
        let Some(frac_bits) = self.scatter(values, buf)? else {
            buf.fill(0);
            return Ok(());
        };
        let (re, im) = buf.split_at_mut(n / 2);
        for x in re.iter_mut() {
            *x = f64_bits_to_fixed(*x as u64, frac_bits);
        }
        self.inverse_dft(re, im);
        self.untwist(re, im);
        let m = (scale.to_bits() & ((1 << 52) - 1)) | (1 << 52);
        let e = ((scale.to_bits() >> 52) & 0x7ff) as i32;
        // Δ < 2^63 and F ≥ 13: the shift is in [3, F + 52].
        let shift =
            u32::try_from(frac_bits as i32 + 1075 - e).map_err(|_| CkksError::ValueOutOfRange)?;
        for x in buf.iter_mut() {
            *x = mul_round(*x, m, shift)?;
        }
        Ok(())
    }

    /// Writes the slots' IEEE bits to the bit-reversed positions `brv(t_j)`
    /// of `buf[..n]` (zeros elsewhere, and in `buf[n..]`); returns `F`, or
    /// `None` when every value is zero.
    fn scatter(
        &self,
        values: impl IntoIterator<Item = f64>,
        buf: &mut [i64],
    ) -> Result<Option<u32>, CkksError> {
        let n = self.degree();
        let slots = n / 2;
        let two_n_mask = 2 * n - 1;
        buf.fill(0);
        let mut e = 1usize;
        let mut max_exp = 0u64;
        for (count, x) in values.into_iter().enumerate() {
            if count == slots {
                return Err(CkksError::TooManyValues {
                    given: count + 1,
                    slots,
                });
            }
            if !x.is_finite() {
                return Err(CkksError::ValueOutOfRange);
            }
            let t = (e - 1) / 4;
            buf[crate::ntt::bit_reverse(t, self.log_n - 1)] = x.to_bits() as i64;
            max_exp = max_exp.max((x.to_bits() >> 52) & 0x7ff);
            e = (e * 5) & two_n_mask;
        }
        if buf[..slots].iter().all(|&b| b << 1 == 0) {
            return Ok(None);
        }
        // |x| < 2^B with B = max_exp − 1022 (subnormals: max_exp 0, B = −1022).
        let b = max_exp as i32 - 1022;
        if b > MAX_INPUT_LOG2 {
            return Err(CkksError::ValueOutOfRange);
        }
        Ok(Some((61 - b).min(62) as u32))
    }

    /// The inverse DFT of length `n` on bit-reversed input, halving per stage.
    fn inverse_dft(&self, re: &mut [i64], im: &mut [i64]) {
        let n = re.len();
        let big_n = self.degree();
        let mut len = 2;
        while len <= n {
            let half = len / 2;
            let stride = 2 * big_n / len;
            for k in 0..half {
                let (c, s) = self.root(k * stride);
                for start in (k..n).step_by(len) {
                    let (j0, j1) = (start, start + half);
                    // b·conj(ω^k): (br + i·bi)(c − i·s).
                    let br = mul_q62(re[j1], c, im[j1], s);
                    let bi = mul_q62(im[j1], c, -re[j1], s);
                    let (ar, ai) = (re[j0], im[j0]);
                    re[j0] = (ar + br) >> 1;
                    im[j0] = (ai + bi) >> 1;
                    re[j1] = (ar - br) >> 1;
                    im[j1] = (ai - bi) >> 1;
                }
            }
            len *= 2;
        }
    }

    /// `w_i ← w_i·ζ^-i`.
    fn untwist(&self, re: &mut [i64], im: &mut [i64]) {
        for (i, (r, m)) in re.iter_mut().zip(im.iter_mut()).enumerate() {
            let (c, s) = self.root(i);
            let (a, b) = (*r, *m);
            *r = mul_q62(a, c, b, s);
            *m = mul_q62(b, c, -a, s);
        }
    }
}

/// `⌊(x·c + y·s)/2^62⌉` (ties toward +∞), exact in `i128`.
#[inline(always)]
fn mul_q62(x: i64, c: i64, y: i64, s: i64) -> i64 {
    let p = widening_mul(x, c) + widening_mul(y, s);
    ((p + (1 << 61)) >> 62) as i64
}

/// `x·c` exactly, from four 32×32-bit products (on a 32-bit core each is a
/// `mul` and a `mulh*`; a plain `i128` product calls a 128×128-bit routine).
#[inline(always)]
fn widening_mul(x: i64, c: i64) -> i128 {
    let (xh, xl) = (i64::from((x >> 32) as i32), i64::from(x as u32));
    let (ch, cl) = (i64::from((c >> 32) as i32), i64::from(c as u32));
    let high = i128::from(xh * ch) << 64;
    let mid = (i128::from(xh * cl) + i128::from(xl * ch)) << 32;
    let low = i128::from((xl as u64) * (cl as u64));
    high + mid + low
}

/// The `f64` with IEEE bits `bits`, times `2^frac_bits`, rounded to nearest
/// (ties away from zero). The caller guarantees the result fits.
fn f64_bits_to_fixed(bits: u64, frac_bits: u32) -> i64 {
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    let (mant, exp) = if exp == 0 {
        (frac, 1)
    } else {
        (frac | (1 << 52), exp)
    };
    // value = mant · 2^(exp − 1075); times 2^F.
    let sh = exp - 1075 + frac_bits as i32;
    let mag = if sh >= 0 {
        (mant << sh) as i64
    } else if sh > -64 {
        let r = (-sh) as u32;
        ((mant >> (r - 1)).div_ceil(2)) as i64
    } else {
        0
    };
    if bits >> 63 == 1 {
        -mag
    } else {
        mag
    }
}

/// `⌊v·m / 2^shift⌉` (ties away from zero) for a 53-bit `m`, or
/// [`CkksError::ValueOutOfRange`] beyond `i64`.
fn mul_round(v: i64, m: u64, shift: u32) -> Result<i64, CkksError> {
    let p = u128::from(v.unsigned_abs()) * u128::from(m);
    let mag = if shift == 0 {
        p
    } else {
        ((p >> (shift - 1)) + 1) >> 1
    };
    let mag = i64::try_from(mag).map_err(|_| CkksError::ValueOutOfRange)?;
    Ok(if v < 0 { -mag } else { mag })
}

#[cfg(test)]
mod tests;
