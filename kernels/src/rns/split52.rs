//! Multiply–accumulate of residues below `2^52`, each product split at bit
//! 52: `lo += (x·s) mod 2^52`, `hi += ⌊x·s / 2^52⌋`. Both parts are below
//! `2^52`, so a `u64` takes 4,095 of them on top of a reduced value before
//! it could wrap, and the sum is `hi·2^52 + lo`. The split is the one
//! AVX-512 IFMA computes in a lane (`vpmadd52luq`, `vpmadd52huq`: the low
//! and high 52 bits of a 52×52-bit product added to a 64-bit lane), so the
//! loop runs eight coefficients per instruction where the CPU has IFMA
//! (`std` feature, x86_64, chosen at run time) and as the same integer
//! arithmetic in portable code elsewhere: the two are bit-identical.

use super::WideAcc;
use crate::arith::Word;

/// The most terms [`mul_acc_split52_scalars`] may add to accumulators
/// holding a value below `2^52` before they could wrap.
pub const SPLIT52_TERMS: usize = 4095;

/// `lo[j] += (x_t[j]·s_t) mod 2^52` and `hi[j] += ⌊x_t[j]·s_t / 2^52⌋`,
/// wrapping, for every term `(x_t, s_t)`, over the shortest of `lo`, `hi`
/// and `x_t`. Callers keep `x_t[j], s_t < 2^52` (the IFMA path reads only
/// their low 52 bits) and reduce the accumulators at least every
/// [`SPLIT52_TERMS`] terms.
pub fn mul_acc_split52_scalars<W: Word>(lo: &mut [u64], hi: &mut [u64], terms: &[(&[W], W)]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if W::BITS == 64
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512ifma")
        {
            // SAFETY: the CPU supports AVX-512F and IFMA, checked just
            // above, and `W` is `u64` (the only 64-bit `Word`).
            unsafe { mul_acc_ifma(lo, hi, terms) };
            return;
        }
    }
    for &(x, s) in terms {
        mul_acc_portable(lo, hi, x, s);
    }
}

/// `lo[j] += (x[j]·y[j]) mod 2^52` and `hi[j] += ⌊x[j]·y[j] / 2^52⌋`,
/// wrapping, over the shortest of the four slices: the element-wise
/// products of two polynomials' limbs ([`mul_acc_split52_scalars`]'s
/// conditions, with `x[j], y[j] < 2^52`).
pub fn mul_acc_split52<W: Word>(lo: &mut [u64], hi: &mut [u64], x: &[W], y: &[W]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if W::BITS == 64
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512ifma")
        {
            // SAFETY: the CPU supports AVX-512F and IFMA, checked just
            // above, and `W` is `u64` (the only 64-bit `Word`).
            unsafe { mul_acc_pointwise_ifma(lo, hi, x, y) };
            return;
        }
    }
    mul_acc_pointwise_portable(lo, hi, x, y);
}

/// The sum `hi·2^52 + lo` of split accumulators as a double word.
#[must_use]
pub fn join_split52<W: Word>(lo: u64, hi: u64) -> WideAcc<W> {
    let v = u128::from(lo) + (u128::from(hi) << 52);
    WideAcc::from_words(
        W::from_u64_truncating(v as u64),
        W::from_u64_truncating((v >> 64) as u64),
    )
}

/// [`mul_acc_split52`] in portable integer arithmetic.
#[inline(always)]
fn mul_acc_pointwise_portable<W: Word>(lo: &mut [u64], hi: &mut [u64], x: &[W], y: &[W]) {
    const LOW52: u64 = (1 << 52) - 1;
    for (((l, h), &x), &y) in lo.iter_mut().zip(hi.iter_mut()).zip(x).zip(y) {
        let p = u128::from(x.to_u64() & LOW52) * u128::from(y.to_u64() & LOW52);
        *l = l.wrapping_add(p as u64 & LOW52);
        *h = h.wrapping_add((p >> 52) as u64);
    }
}

/// [`mul_acc_split52`] eight lanes at a time.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA, and `W` must be `u64`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn mul_acc_pointwise_ifma<W: Word>(lo: &mut [u64], hi: &mut [u64], x: &[W], y: &[W]) {
    use core::arch::x86_64::{
        _mm512_loadu_si512, _mm512_madd52hi_epu64, _mm512_madd52lo_epu64, _mm512_storeu_si512,
    };
    let n = lo.len().min(hi.len()).min(x.len()).min(y.len());
    let mut j = 0;
    while j + 8 <= n {
        // SAFETY: `j + 8 ≤ n`, within all four slices; `W` is `u64`, so
        // `x[j..j + 8]` and `y[j..j + 8]` are eight `u64` lanes each.
        unsafe {
            let xv = _mm512_loadu_si512(x.as_ptr().add(j).cast());
            let yv = _mm512_loadu_si512(y.as_ptr().add(j).cast());
            let l = _mm512_loadu_si512(lo.as_ptr().add(j).cast());
            let h = _mm512_loadu_si512(hi.as_ptr().add(j).cast());
            _mm512_storeu_si512(
                lo.as_mut_ptr().add(j).cast(),
                _mm512_madd52lo_epu64(l, xv, yv),
            );
            _mm512_storeu_si512(
                hi.as_mut_ptr().add(j).cast(),
                _mm512_madd52hi_epu64(h, xv, yv),
            );
        }
        j += 8;
    }
    mul_acc_pointwise_portable(&mut lo[j..n], &mut hi[j..n], &x[j..n], &y[j..n]);
}

/// One term of [`mul_acc_split52_scalars`] in portable integer arithmetic.
#[inline(always)]
fn mul_acc_portable<W: Word>(lo: &mut [u64], hi: &mut [u64], x: &[W], s: W) {
    const LOW52: u64 = (1 << 52) - 1;
    let s = u128::from(s.to_u64() & LOW52);
    for ((l, h), &x) in lo.iter_mut().zip(hi.iter_mut()).zip(x) {
        let p = u128::from(x.to_u64() & LOW52) * s;
        *l = l.wrapping_add(p as u64 & LOW52);
        *h = h.wrapping_add((p >> 52) as u64);
    }
}

/// [`mul_acc_split52_scalars`] eight lanes at a time.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 IFMA, and `W` must be `u64`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn mul_acc_ifma<W: Word>(lo: &mut [u64], hi: &mut [u64], terms: &[(&[W], W)]) {
    use core::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_madd52hi_epu64, _mm512_madd52lo_epu64,
        _mm512_set1_epi64, _mm512_setzero_si512, _mm512_storeu_si512,
    };
    // Vectors of eight lanes per register block: the block's `lo` and `hi`
    // stay in sixteen registers while every term is added, so each term
    // costs one load of `x` per vector and no accumulator traffic.
    const V: usize = 8;
    let shortest = terms
        .iter()
        .fold(lo.len().min(hi.len()), |n, (x, _)| n.min(x.len()));
    let mut j = 0;
    while j + 8 * V <= shortest {
        let mut l: [__m512i; V] = [_mm512_setzero_si512(); V];
        let mut h: [__m512i; V] = [_mm512_setzero_si512(); V];
        // SAFETY: `j + 8·V ≤ shortest`, within `lo`, `hi` and every `x`;
        // `W` is `u64`, so eight `W` are eight `u64` lanes.
        unsafe {
            for v in 0..V {
                l[v] = _mm512_loadu_si512(lo.as_ptr().add(j + 8 * v).cast());
                h[v] = _mm512_loadu_si512(hi.as_ptr().add(j + 8 * v).cast());
            }
            for &(x, s) in terms {
                let sv = _mm512_set1_epi64(s.to_u64() as i64);
                for v in 0..V {
                    let xv = _mm512_loadu_si512(x.as_ptr().add(j + 8 * v).cast());
                    l[v] = _mm512_madd52lo_epu64(l[v], xv, sv);
                    h[v] = _mm512_madd52hi_epu64(h[v], xv, sv);
                }
            }
            for v in 0..V {
                _mm512_storeu_si512(lo.as_mut_ptr().add(j + 8 * v).cast(), l[v]);
                _mm512_storeu_si512(hi.as_mut_ptr().add(j + 8 * v).cast(), h[v]);
            }
        }
        j += 8 * V;
    }
    // The rest, term by term (wrapping sums: the order does not matter).
    let start = j;
    for &(x, s) in terms {
        let n = lo.len().min(hi.len()).min(x.len());
        let sv = _mm512_set1_epi64(s.to_u64() as i64);
        let mut j = start;
        while j + 8 <= n {
            // SAFETY: `j + 8 ≤ n`, within all three slices; `W` is `u64`,
            // so `x[j..j + 8]` is eight `u64` lanes.
            unsafe {
                let xv = _mm512_loadu_si512(x.as_ptr().add(j).cast());
                let l = _mm512_loadu_si512(lo.as_ptr().add(j).cast());
                let h = _mm512_loadu_si512(hi.as_ptr().add(j).cast());
                _mm512_storeu_si512(
                    lo.as_mut_ptr().add(j).cast(),
                    _mm512_madd52lo_epu64(l, xv, sv),
                );
                _mm512_storeu_si512(
                    hi.as_mut_ptr().add(j).cast(),
                    _mm512_madd52hi_epu64(h, xv, sv),
                );
            }
            j += 8;
        }
        if j < n {
            mul_acc_portable(&mut lo[j..n], &mut hi[j..n], &x[j..n], s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_wise_products_split_at_bit_52_on_every_path() {
        for len in [0usize, 5, 8, 259] {
            let v = |t: u64| -> alloc::vec::Vec<u64> {
                (0..len as u64)
                    .map(|i| ((i + 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ t) >> 12)
                    .collect()
            };
            let (x, y) = (v(1), v(0xABCD));
            let (mut lo, mut hi) = (alloc::vec![5u64; len], alloc::vec![11u64; len]);
            mul_acc_split52(&mut lo, &mut hi, &x, &y);
            mul_acc_split52(&mut lo, &mut hi, &y, &x);
            let (mut plo, mut phi) = (alloc::vec![5u64; len], alloc::vec![11u64; len]);
            mul_acc_pointwise_portable(&mut plo, &mut phi, &x, &y);
            mul_acc_pointwise_portable(&mut plo, &mut phi, &y, &x);
            assert_eq!((&plo, &phi), (&lo, &hi), "portable and dispatched, {len}");
            for j in 0..len {
                let want = 2 * u128::from(x[j]) * u128::from(y[j]) + 5 + (11 << 52);
                let got: WideAcc<u64> = join_split52(lo[j], hi[j]);
                assert_eq!(
                    got,
                    join_split52(want as u64 & ((1 << 52) - 1), (want >> 52) as u64)
                );
                assert_eq!(
                    u128::from(lo[j]) + (u128::from(hi[j]) << 52),
                    want,
                    "{len} {j}"
                );
            }
        }
    }

    /// Terms of different lengths: each is added over the shortest of
    /// `lo`, `hi` and its own `x`, on the dispatched path (register blocks
    /// over the shortest, then term by term) as on the portable one.
    #[test]
    fn terms_of_different_lengths_each_cover_their_own() {
        let xs: alloc::vec::Vec<alloc::vec::Vec<u64>> = [259usize, 100, 200]
            .iter()
            .enumerate()
            .map(|(t, &len)| {
                (0..len as u64)
                    .map(|i| ((i + 7).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ t as u64) >> 12)
                    .collect()
            })
            .collect();
        let terms: alloc::vec::Vec<(&[u64], u64)> = xs
            .iter()
            .enumerate()
            .map(|(t, x)| (&x[..], (1 << 51) + 12_345 * t as u64))
            .collect();
        let (mut lo, mut hi) = (alloc::vec![3u64; 230], alloc::vec![1u64; 230]);
        mul_acc_split52_scalars(&mut lo, &mut hi, &terms);
        let (mut plo, mut phi) = (alloc::vec![3u64; 230], alloc::vec![1u64; 230]);
        for &(x, s) in &terms {
            mul_acc_portable(&mut plo, &mut phi, x, s);
        }
        assert_eq!((&plo, &phi), (&lo, &hi));
        // Past 100 the second term adds nothing, past 200 the third.
        let product = |t: usize, j: usize| u128::from(xs[t][j]) * u128::from(terms[t].1);
        for j in [0, 99, 100, 199, 200, 229] {
            let want: u128 = (0..3)
                .filter(|&t| j < xs[t].len())
                .map(|t| product(t, j))
                .sum::<u128>()
                + 3
                + (1 << 52);
            assert_eq!(u128::from(lo[j]) + (u128::from(hi[j]) << 52), want, "{j}");
        }
    }

    #[test]
    fn every_path_is_the_exact_product_split_at_bit_52() {
        // Lengths that are and are not multiples of the eight lanes.
        for len in [0usize, 5, 8, 259] {
            let xs: alloc::vec::Vec<alloc::vec::Vec<u64>> = (0..3u64)
                .map(|t| {
                    (0..len as u64)
                        .map(|i| ((i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) + t) >> 12)
                        .collect()
                })
                .collect();
            let terms: alloc::vec::Vec<(&[u64], u64)> = xs
                .iter()
                .enumerate()
                .map(|(t, x)| (&x[..], (1 << 52) - 1 - 977 * t as u64))
                .collect();
            let (mut lo, mut hi) = (alloc::vec![7u64; len], alloc::vec![9u64; len]);
            mul_acc_split52_scalars(&mut lo, &mut hi, &terms);
            let (mut plo, mut phi) = (alloc::vec![7u64; len], alloc::vec![9u64; len]);
            for &(x, s) in &terms {
                mul_acc_portable(&mut plo, &mut phi, x, s);
            }
            assert_eq!(
                (&plo, &phi),
                (&lo, &hi),
                "portable and dispatched paths, {len}"
            );
            for j in 0..len {
                let want: u128 = terms
                    .iter()
                    .map(|&(x, s)| u128::from(x[j]) * u128::from(s))
                    .sum::<u128>()
                    + 7
                    + (9 << 52);
                assert_eq!(
                    u128::from(lo[j]) + (u128::from(hi[j]) << 52),
                    want,
                    "{len} {j}"
                );
                assert!(lo[j] < 7 + (3 << 52) && hi[j] < 9 + (3 << 52));
            }
        }
    }
}
