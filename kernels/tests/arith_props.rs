//! Modular arithmetic against u128 references: the fully reduced operations,
//! and the lazy Barrett and Shoup variants (output range and congruence).

use hearth_kernels::arith::barrett::{
    lazy_reduce_product, lazy_reduce_word, reduce_product, reduce_product_narrow,
};
use hearth_kernels::arith::shoup::lazy_mul_shoup;
use hearth_kernels::arith::{Modulus, ShoupOperand, Word};
use proptest::prelude::*;

/// An odd modulus in `[3, 2^max_bits)`, biased towards every bit length.
fn odd_modulus(max_bits: u32) -> impl Strategy<Value = u64> {
    (2..=max_bits, any::<u64>()).prop_map(|(bits, r)| {
        let top = 1u64 << (bits - 1);
        (top | (r & (top - 1)) | 1).max(3)
    })
}

fn pow_ref(a: u64, mut e: u64, q: u64) -> u64 {
    let (mut base, mut acc) = (a as u128 % q as u128, 1u128 % q as u128);
    while e > 0 {
        if e & 1 == 1 {
            acc = acc * base % q as u128;
        }
        base = base * base % q as u128;
        e >>= 1;
    }
    acc as u64
}

fn check_ops<W: Word>(q: u64, a: u64, b: u64, e: u64) {
    let m = Modulus::<W>::from_u64(q).unwrap();
    let (a, b) = (a % q, b % q);
    let (wa, wb) = (W::from_u64_truncating(a), W::from_u64_truncating(b));
    let q128 = q as u128;
    assert_eq!(
        m.add(wa, wb).to_u64() as u128,
        (a as u128 + b as u128) % q128
    );
    assert_eq!(
        m.sub(wa, wb).to_u64() as u128,
        (a as u128 + q128 - b as u128) % q128
    );
    assert_eq!(m.neg(wa).to_u64() as u128, (q128 - a as u128) % q128);
    assert_eq!(m.mul(wa, wb).to_u64() as u128, a as u128 * b as u128 % q128);
    assert_eq!(m.pow(wa, e).to_u64(), pow_ref(a, e, q));
    match m.inv_vartime(wa) {
        Some(inv) => assert_eq!(inv.to_u64() as u128 * a as u128 % q128, 1),
        None => assert_ne!(gcd(a, q), 1),
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn check_lazy<W: Word>(q: u64, a: u64, b: u64, x: u64) {
    let m = Modulus::<W>::from_u64(q).unwrap();
    let (a, b) = (a % q, b % q);
    let (wa, wb) = (W::from_u64_truncating(a), W::from_u64_truncating(b));
    let prod = a as u128 * b as u128;
    // Barrett on a product of two reduced values: [0, 3q) lazily, [0, q) fully.
    let r = lazy_reduce_product(&m, wa.widening_mul(wb)).to_u64() as u128;
    assert!(r < 3 * q as u128, "lazy product {r} ≥ 3q");
    assert_eq!(r % q as u128, prod % q as u128);
    assert_eq!(
        reduce_product(&m, wa.widening_mul(wb)).to_u64() as u128,
        prod % q as u128
    );
    // Barrett on one arbitrary word: [0, 2q).
    let wx = W::from_u64_truncating(x);
    let r = lazy_reduce_word(&m, wx).to_u64();
    assert!(r < 2 * q, "lazy word {r} ≥ 2q");
    assert_eq!(r % q, wx.to_u64() % q);
    assert_eq!(m.reduce(wx).to_u64(), wx.to_u64() % q);
    // Shoup with an arbitrary word multiplicand: [0, 2q).
    let s = ShoupOperand::new(&m, wb);
    let expect = wx.to_u64() as u128 * b as u128 % q as u128;
    let r = s.lazy_mul(wx, m.value()).to_u64() as u128;
    assert!(r < 2 * q as u128, "lazy Shoup {r} ≥ 2q");
    assert_eq!(r % q as u128, expect);
    assert_eq!(s.mul(&m, wx).to_u64() as u128, expect);
    let r2 = lazy_mul_shoup(wx, s.value, s.quotient, m.value());
    assert_eq!(r2.to_u64() as u128, r);
    // The companion is floor(w·2^W / q).
    let expect_q = ((b as u128) << W::BITS) / q as u128;
    assert_eq!(s.quotient.to_u64() as u128, expect_q);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn ops_u64(q in odd_modulus(62), a: u64, b: u64, e: u64) {
        check_ops::<u64>(q, a, b, e);
    }

    #[test]
    fn ops_u32(q in odd_modulus(30), a: u64, b: u64, e: u64) {
        check_ops::<u32>(q, a, b, e);
    }

    #[test]
    fn lazy_u64(q in odd_modulus(62), a: u64, b: u64, x: u64) {
        check_lazy::<u64>(q, a, b, x);
    }

    #[test]
    fn lazy_u32(q in odd_modulus(30), a: u64, b: u64, x: u64) {
        check_lazy::<u32>(q, a, b, x);
    }

    /// Barrett on any double word below 2^(2L), not only products.
    #[test]
    fn barrett_full_range_u64(q in odd_modulus(62), hi: u64, lo: u64) {
        let m = Modulus::<u64>::new(q).unwrap();
        let l = m.bits();
        let x = ((hi as u128) << 64 | lo as u128) >> (128 - 2 * l);
        let r = lazy_reduce_product(&m, x) as u128;
        prop_assert!(r < 3 * q as u128);
        prop_assert_eq!(r % q as u128, x % q as u128);
    }

    #[test]
    fn barrett_full_range_u32(q in odd_modulus(30), x: u64) {
        let m = Modulus::<u32>::new(q as u32).unwrap();
        let x = x >> (64 - 2 * m.bits());
        let r = lazy_reduce_product(&m, x);
        prop_assert!((r as u64) < 3 * q);
        prop_assert_eq!(r as u64 % q, x % q);
    }

    /// The single-word reduction for moduli of at most 31 bits: the exact
    /// residue of any double word below 2^(2L), in either word type.
    #[test]
    fn barrett_narrow_is_exact(q in odd_modulus(31), x: u64) {
        let m = Modulus::<u64>::new(q).unwrap();
        let x = x >> (64 - 2 * m.bits());
        prop_assert_eq!(reduce_product_narrow(&m, x), x % q);
        prop_assert_eq!(reduce_product_narrow(&m, x), reduce_product(&m, x as u128));
        if let Ok(m32) = Modulus::<u32>::from_u64(q) {
            prop_assert_eq!(reduce_product_narrow(&m32, x), x % q);
        }
        // The largest value the ring's multiply–add feeds it.
        let top = (q - 1) * (q - 1) + (q - 1);
        prop_assert_eq!(reduce_product_narrow(&m, top), top % q);
    }

    /// The lazy range reductions used by the butterflies.
    #[test]
    fn reduce_from_ranges(q in odd_modulus(62), x: u64) {
        let m = Modulus::<u64>::new(q).unwrap();
        let x4 = x % (4 * q);
        prop_assert_eq!(m.reduce_from_4q(x4), x4 % q);
        let x2 = x % (2 * q);
        prop_assert_eq!(m.reduce_once(x2), x2 % q);
    }
}

/// The extreme moduli: 3 and the largest odd value each word allows.
#[test]
fn extreme_moduli() {
    for q in [3u64, (1 << 62) - 1, (1 << 62) - 57] {
        for &(a, b) in &[(0, 0), (q - 1, q - 1), (1, q - 1), (q / 2, q - 2)] {
            check_ops::<u64>(q, a, b, u64::MAX);
            check_lazy::<u64>(q, a, b, u64::MAX);
        }
    }
    for q in [3u64, (1 << 30) - 1, (1 << 30) - 35] {
        for &(a, b) in &[(0, 0), (q - 1, q - 1), (1, q - 1), (q / 2, q - 2)] {
            check_ops::<u32>(q, a, b, u64::MAX);
            check_lazy::<u32>(q, a, b, u32::MAX as u64);
        }
    }
}
