//! Single-word multiply–accumulate of residues below `2^31`: the products
//! of two such residues are below `2^62`, so a `u64` takes several of them
//! before it must be reduced, and the loop is the 32×32→64-bit multiply
//! that vector units have (`vpmuludq`). The same scalar loop is compiled
//! three times — portable, AVX2 and AVX-512 — and the widest the CPU has is
//! chosen at run time (`std` feature, x86_64); integer arithmetic makes the
//! three bit-identical.

use crate::arith::Word;

/// `acc[j] += (x[j] mod 2^32)·(y[j] mod 2^32)`, wrapping, over the shortest
/// of the three slices. Callers keep residues below `2^31` and reduce
/// `acc` before the sum could wrap (see `ckks::eval`'s `narrow_block`).
pub fn mul_acc_narrow<W: Word>(acc: &mut [u64], x: &[W], y: &[W]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            unsafe { mul_acc_avx512(acc, x, y) };
            return;
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { mul_acc_avx2(acc, x, y) };
            return;
        }
    }
    mul_acc(acc, x, y);
}

#[inline(always)]
fn mul_acc<W: Word>(acc: &mut [u64], x: &[W], y: &[W]) {
    const LOW: u64 = 0xFFFF_FFFF;
    for ((a, &x), &y) in acc.iter_mut().zip(x).zip(y) {
        *a = a.wrapping_add((x.to_u64() & LOW) * (y.to_u64() & LOW));
    }
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
fn mul_acc_avx512<W: Word>(acc: &mut [u64], x: &[W], y: &[W]) {
    mul_acc(acc, x, y);
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx2")]
fn mul_acc_avx2<W: Word>(acc: &mut [u64], x: &[W], y: &[W]) {
    mul_acc(acc, x, y);
}

/// `acc[j] += Σ_t (x_t[j] mod 2^32)·(s_t mod 2^32)`, wrapping, over every
/// term `(x_t, s_t)`, over the shorter of `acc` and `x_t`: a sum of
/// ciphertext limbs times constants. Dispatched as [`mul_acc_narrow`];
/// the terms are taken four at a time, one pass over `acc` for each four
/// (wrapping addition is associative, so the grouping changes no bit).
pub fn mul_acc_narrow_scalars<W: Word>(acc: &mut [u64], terms: &[(&[W], W)]) {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            unsafe { mul_acc_scalars_avx512(acc, terms) };
            return;
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { mul_acc_scalars_avx2(acc, terms) };
            return;
        }
    }
    mul_acc_scalars(acc, terms);
}

#[inline(always)]
fn mul_acc_scalars<W: Word>(acc: &mut [u64], terms: &[(&[W], W)]) {
    const LOW: u64 = 0xFFFF_FFFF;
    let mut fours = terms.chunks_exact(4);
    for four in &mut fours {
        let n = four.iter().map(|t| t.0.len()).fold(acc.len(), usize::min);
        let (x0, x1, x2, x3) = (
            &four[0].0[..n],
            &four[1].0[..n],
            &four[2].0[..n],
            &four[3].0[..n],
        );
        let [s0, s1, s2, s3] = [0, 1, 2, 3].map(|t| four[t].1.to_u64() & LOW);
        for j in 0..n {
            let p0 = (x0[j].to_u64() & LOW) * s0;
            let p1 = (x1[j].to_u64() & LOW) * s1;
            let p2 = (x2[j].to_u64() & LOW) * s2;
            let p3 = (x3[j].to_u64() & LOW) * s3;
            acc[j] = acc[j]
                .wrapping_add(p0)
                .wrapping_add(p1)
                .wrapping_add(p2)
                .wrapping_add(p3);
        }
    }
    for &(x, s) in fours.remainder() {
        let s = s.to_u64() & LOW;
        for (a, &x) in acc.iter_mut().zip(x) {
            *a = a.wrapping_add((x.to_u64() & LOW) * s);
        }
    }
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f")]
fn mul_acc_scalars_avx512<W: Word>(acc: &mut [u64], terms: &[(&[W], W)]) {
    mul_acc_scalars(acc, terms);
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx2")]
fn mul_acc_scalars_avx2<W: Word>(acc: &mut [u64], terms: &[(&[W], W)]) {
    mul_acc_scalars(acc, terms);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_the_scalar_loop() {
        let x: alloc::vec::Vec<u64> = (0..1031)
            .map(|i| (i * 2_654_435_761u64) % (1 << 31))
            .collect();
        let y: alloc::vec::Vec<u64> = (0..1031).map(|i| (i * 40_503u64 + 7) % (1 << 31)).collect();
        let mut want = alloc::vec![u64::MAX - 5; 1031];
        for ((a, &x), &y) in want.iter_mut().zip(&x).zip(&y) {
            *a = a.wrapping_add(x * y);
        }
        let mut got = alloc::vec![u64::MAX - 5; 1031];
        mul_acc_narrow(&mut got, &x, &y);
        assert_eq!(got, want);
        let mut portable = alloc::vec![u64::MAX - 5; 1031];
        mul_acc(&mut portable, &x, &y);
        assert_eq!(portable, want);
    }

    #[test]
    fn every_path_of_the_scalar_sums_is_the_term_by_term_loop() {
        let xs: alloc::vec::Vec<alloc::vec::Vec<u64>> = (0..7u64)
            .map(|t| {
                (0..263)
                    .map(|i| (i * 2_654_435_761u64 + t * 97) % (1 << 31))
                    .collect()
            })
            .collect();
        // Every count of terms from 0 to 7: the groups of four and the rest.
        for count in 0..=7 {
            let terms: alloc::vec::Vec<(&[u64], u64)> = xs[..count]
                .iter()
                .enumerate()
                .map(|(t, x)| (&x[..], (t as u64 * 40_503 + 7) << 14))
                .collect();
            let mut want = alloc::vec![u64::MAX - 5; 263];
            for &(x, s) in &terms {
                for (a, &x) in want.iter_mut().zip(x) {
                    *a = a.wrapping_add(x * s);
                }
            }
            let mut got = alloc::vec![u64::MAX - 5; 263];
            mul_acc_narrow_scalars(&mut got, &terms);
            assert_eq!(got, want, "{count} terms");
            let mut portable = alloc::vec![u64::MAX - 5; 263];
            mul_acc_scalars(&mut portable, &terms);
            assert_eq!(portable, want, "{count} terms");
        }
    }
}
