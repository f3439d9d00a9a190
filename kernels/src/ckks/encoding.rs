//! Encoding and decoding through the canonical embedding, in fixed point.
//!
//! ## The maths
//! (Cheon, Kim, Kim, Song, "Homomorphic encryption for arithmetic of
//! approximate numbers", ASIACRYPT 2017, §3.) A real polynomial `m(X)` of
//! degree `< N` carries the `n = N/2` complex slots `z_j = m(ζ^(5^j))`,
//! `ζ = exp(iπ/N)`, `j = 0..n`; its values at the other primitive `2N`-th
//! roots are their conjugates. Write `m = Σ_(i<n) (m_i + m_(i+n) X^n) X^i`.
//! Every `e = 5^j mod 2N` is `≡ 1 (mod 4)`, so `ζ^(e·n) = i` and
//!
//! ```text
//! z_j = Σ_(i<n) w_i ζ^(e·i),   w_i = m_i + i·m_(i+n).
//! ```
//!
//! The points `ζ^e` are exactly `ζ·ω^t`, `ω = ζ^4`, `t = (e − 1)/4`, so
//! `z_j = DFT_n(w_i ζ^i)[t_j]`: decoding is a twist by `ζ^i` and a length-`n`
//! DFT read in the order `t_j`; encoding is its exact inverse (scatter the
//! slots to `t_j`, inverse DFT, untwist by `ζ^-i`, split into real and
//! imaginary parts), followed by `c_i = ⌊Δ·m_i⌉`.
//!
//! ## Fixed point and determinism
//! All of it runs on [`I64F64`] numbers ([`super::fixed_fft`]): integer
//! arithmetic, the same bits on every target. `f64` appears only at the API
//! boundary: inputs are converted to `I64F64` (exact for every `f64` in
//! range, since `fixed` converts with correct rounding), the scale `Δ` to a
//! `64.64` fixed-point integer, and decoded outputs back to `f64`.
//!
//! ## Cost
//! Encoding scatters the slots straight to their bit-reversed DFT
//! positions, runs the inverse DFT on the contiguous twiddles with
//! word-level products ([`super::fixed_fft`]), untwists and rounds (sign by
//! masks, no branch); the plaintext's residues then come from
//! [`crate::rns::reduce_i128_slice`] (Barrett steps, no division). The
//! encoder holds `ζ^i` for `i < N/2` (the twist) and `ω^k` for `k < N/4`
//! (the DFT): `3N/4` complex numbers, 24·N bytes.
//!
//! ## Precision
//! The inverse DFT halves after every stage, so values never grow and each
//! stage adds at most about `2^-63` of rounding; with the twiddles' own
//! `2^-63` error the coefficients are within about `log2(n)·2^-62` of exact,
//! far below the `1/(2Δ)` of the final rounding. For values in `[-1, 1]`
//! at `Δ = 2^40`, encode→decode loses about `2^-40·√N` in the worst slot
//! (tested: below `2^-30`).

use alloc::vec::Vec;

use fixed::types::I64F64;

use super::fixed_fft::{
    bit_reverse_permute, dft_twiddled, dft_twiddles, half_circle_prefix, Complex,
};
use super::CkksError;

/// Largest scale the encoder accepts (exclusive).
pub const MAX_ENCODE_SCALE: f64 = 9_223_372_036_854_775_808.0; // 2^63

/// Smallest scale a ciphertext or plaintext may carry (inclusive): the
/// decoder's lower limit.
pub const MIN_SCALE: f64 = 1.0;

/// Largest scale a ciphertext or plaintext may carry (exclusive), 2^192:
/// the decoder divides a 128-bit coefficient by `2^e`, `e = ⌊log2 Δ⌋`, by
/// shifting right by `e − 64` into `64.64` fixed point, and a shift must be
/// below 128. (Products of scales reach this only after several
/// multiplications without a rescale, whose result no 128-bit coefficient
/// could carry anyway.)
pub const MAX_SCALE: f64 =
    6_277_101_735_386_680_763_835_789_423_207_666_416_102_355_444_464_034_512_896.0; // 2^192

/// Checks a scale from an untrusted source (a parsed ciphertext or
/// plaintext) or one about to be decoded: finite and in
/// `[MIN_SCALE, MAX_SCALE)`; else [`CkksError::ScaleOutOfRange`].
pub fn check_scale(scale: f64) -> Result<f64, CkksError> {
    if (MIN_SCALE..MAX_SCALE).contains(&scale) {
        Ok(scale)
    } else {
        Err(CkksError::ScaleOutOfRange { scale })
    }
}

/// The canonical-embedding encoder for one ring degree.
#[derive(Debug, Clone)]
pub struct Encoder {
    log_n: u32,
    /// `ζ^i`, `i < N/2`: the twist of the slots' DFT.
    zeta: Vec<Complex>,
    /// `ω^k = ζ^(4k)`, `k < N/4`: the DFT's twiddles, in order
    /// ([`super::fixed_fft::dft_twiddles`]).
    twiddles: Vec<Complex>,
    /// `t_j = (5^j mod 2N − 1)/4`.
    slot_to_index: Vec<u32>,
}

impl Encoder {
    /// The encoder for `N = 2^log_n` (`4 ≤ log_n ≤ 17`).
    pub fn new(log_n: u32) -> Result<Self, CkksError> {
        if !(4..=17).contains(&log_n) {
            return Err(CkksError::InvalidParameters("log2 N must be in [4, 17]"));
        }
        let n = 1usize << log_n;
        let two_n_mask = 2 * n as u64 - 1;
        let mut e = 1u64;
        let slot_to_index = (0..n / 2)
            .map(|_| {
                let t = ((e - 1) / 4) as u32;
                e = (e * 5) & two_n_mask;
                t
            })
            .collect();
        Ok(Self {
            log_n,
            zeta: half_circle_prefix(n, n / 2),
            twiddles: dft_twiddles(n),
            slot_to_index,
        })
    }

    /// `N`.
    pub fn degree(&self) -> usize {
        1 << self.log_n
    }

    /// Number of slots `N/2`.
    pub fn slots(&self) -> usize {
        self.degree() / 2
    }

    /// Encodes complex slots `(re, im)` (fewer than `N/2` are padded with
    /// zeros) at `scale` into the `N` integer coefficients `⌊Δ·m_i⌉`.
    pub fn encode_complex(
        &self,
        values: &[(f64, f64)],
        scale: f64,
        out: &mut [i128],
    ) -> Result<(), CkksError> {
        self.encode_iter(values.len(), values.iter().copied(), scale, out)
    }

    /// [`Self::encode_complex`] of `len` values from an iterator. The slot
    /// `j` goes straight to its bit-reversed DFT position `rev(t_j)` (the
    /// DFT's input permutation folded into the scatter), the inverse DFT
    /// runs on the contiguous twiddles, then the untwist and rounding.
    fn encode_iter(
        &self,
        len: usize,
        values: impl Iterator<Item = (f64, f64)>,
        scale: f64,
        out: &mut [i128],
    ) -> Result<(), CkksError> {
        let slots = self.slots();
        if len > slots {
            return Err(CkksError::TooManyValues { given: len, slots });
        }
        if out.len() != self.degree() {
            return Err(crate::Error::LengthMismatch {
                expected: self.degree(),
                actual: out.len(),
            }
            .into());
        }
        let scale_bits = scale_to_bits(scale)?;
        let mut buf = alloc::vec![Complex::default(); slots];
        let log_slots = self.log_n - 1;
        for (&t, (re, im)) in self.slot_to_index.iter().zip(values) {
            buf[crate::ntt::bit_reverse(t as usize, log_slots)] = Complex {
                re: to_fixed(re)?,
                im: to_fixed(im)?,
            };
        }
        dft_twiddled(&mut buf, &self.twiddles, false);
        let (lo, hi) = out.split_at_mut(slots);
        for (((w, z), o_re), o_im) in buf.iter().zip(&self.zeta).zip(lo).zip(hi) {
            let w = w.wmul(z.conj());
            *o_re = mul_round(w.re, scale_bits)?;
            *o_im = mul_round(w.im, scale_bits)?;
        }
        Ok(())
    }

    /// Encodes real slots (imaginary parts zero); see [`Self::encode_complex`].
    pub fn encode_real(
        &self,
        values: &[f64],
        scale: f64,
        out: &mut [i128],
    ) -> Result<(), CkksError> {
        self.encode_iter(values.len(), values.iter().map(|&x| (x, 0.0)), scale, out)
    }

    /// Decodes centred integer coefficients `c_i` at `scale` into the `N/2`
    /// complex slots. Requires `|c_i| / 2^⌊log2 Δ⌋ < 2^(62 − log2 N)` and a
    /// scale accepted by [`check_scale`].
    pub fn decode_complex(
        &self,
        coeffs: &[i128],
        scale: f64,
    ) -> Result<Vec<(f64, f64)>, CkksError> {
        let n = self.degree();
        let slots = self.slots();
        if coeffs.len() != n {
            return Err(crate::Error::LengthMismatch {
                expected: n,
                actual: coeffs.len(),
            }
            .into());
        }
        check_scale(scale)?;
        // Δ = 2^e · f with f in [1, 2), 0 ≤ e < 192: divide by 2^e exactly in
        // fixed point (a shift by e − 64 < 128), by f in f64 at the very end
        // (output only).
        let e = ((scale.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        let to_fixed_scaled = |c: i128| -> Result<I64F64, CkksError> {
            let bits = if e >= 64 {
                c >> (e - 64)
            } else {
                let sh = (64 - e) as u32;
                if c.unsigned_abs() >> (127 - sh) != 0 {
                    return Err(CkksError::ValueOutOfRange);
                }
                c << sh
            };
            if bits.unsigned_abs() >> (126 - self.log_n) != 0 {
                return Err(CkksError::ValueOutOfRange);
            }
            Ok(I64F64::from_bits(bits))
        };
        let mut buf = Vec::with_capacity(slots);
        for i in 0..slots {
            let w = Complex {
                re: to_fixed_scaled(coeffs[i])?,
                im: to_fixed_scaled(coeffs[i + slots])?,
            };
            buf.push(w.wmul(self.zeta[i]));
        }
        bit_reverse_permute(&mut buf);
        dft_twiddled(&mut buf, &self.twiddles, true);
        let f = scale / pow2(e);
        Ok(self
            .slot_to_index
            .iter()
            .map(|&t| {
                let z = buf[t as usize];
                (z.re.to_num::<f64>() / f, z.im.to_num::<f64>() / f)
            })
            .collect())
    }

    /// Decodes the real parts of the slots; see [`Self::decode_complex`].
    pub fn decode_real(&self, coeffs: &[i128], scale: f64) -> Result<Vec<f64>, CkksError> {
        Ok(self
            .decode_complex(coeffs, scale)?
            .into_iter()
            .map(|(re, _)| re)
            .collect())
    }
}

fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

fn to_fixed(x: f64) -> Result<I64F64, CkksError> {
    // Values must leave headroom for the DFT: |x| < 2^48.
    if !(x.is_finite() && x.abs() < 2.814_749_767_106_56e14) {
        return Err(CkksError::ValueOutOfRange);
    }
    I64F64::checked_from_num(x).ok_or(CkksError::ValueOutOfRange)
}

/// `Δ · 2^64` as an integer (exact: `Δ < 2^63` has at most 53 significant
/// bits and the product is a power-of-two shift).
pub(crate) fn scale_to_bits(scale: f64) -> Result<u128, CkksError> {
    if !(1.0..MAX_ENCODE_SCALE).contains(&scale) {
        return Err(CkksError::InvalidScale);
    }
    let e = ((scale.to_bits() >> 52) & 0x7ff) as u32 - 1023;
    let mantissa = (scale.to_bits() & ((1u64 << 52) - 1)) | (1u64 << 52);
    // scale = mantissa · 2^(e − 52); times 2^64 → mantissa << (e + 12).
    Ok((mantissa as u128) << (e + 12))
}

/// `⌊x · Δ⌉` (ties away from zero) for `x` in `64.64` and `Δ·2^64` in
/// `scale_bits`: the 256-bit product shifted right by 128.
pub(crate) fn mul_round(x: I64F64, scale_bits: u128) -> Result<i128, CkksError> {
    let bits = x.to_bits();
    let (hi, lo) = mul_u128(bits.unsigned_abs(), scale_bits);
    let (_, carry) = lo.overflowing_add(1u128 << 127);
    let mag = hi + carry as u128;
    if mag >> 126 != 0 {
        return Err(CkksError::ValueOutOfRange);
    }
    // Negate by masks (the signs are random: no branch to mispredict).
    let sign = bits >> 127;
    Ok(((mag as i128) ^ sign).wrapping_sub(sign))
}

/// The full product of two `u128` as `(high, low)`.
fn mul_u128(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & u64::MAX as u128);
    let (b1, b0) = (b >> 64, b & u64::MAX as u128);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & u64::MAX as u128) + (p10 & u64::MAX as u128);
    let lo = (p00 & u64::MAX as u128) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}
