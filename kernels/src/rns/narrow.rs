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
}
