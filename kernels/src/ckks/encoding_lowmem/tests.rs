//! The low-memory encoder against an `f64` evaluation of the exact sum and
//! against the `I64F64` encoder.

use super::*;
use crate::ckks::Encoder;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn table(log_n: u32) -> Vec<i64> {
    let mut t = vec![0i64; cos_table_len(log_n)];
    quarter_cos_table(log_n, &mut t).unwrap();
    t
}

fn encode(values: &[f64], log_n: u32, scale: f64) -> Result<Vec<i64>, CkksError> {
    let t = table(log_n);
    let enc = LowMemEncoder::new(log_n, &t)?;
    let mut buf = vec![7i64; 1 << log_n];
    enc.encode_real_in_place(values.iter().copied(), scale, &mut buf)?;
    Ok(buf)
}

/// `Δ·m_i` by the defining sum `w_i = (1/n)·Σ_j x_j·ζ^(−i·e_j)`,
/// `e_j = 5^j mod 2N`, in `f64` (error below `2^-16` for `N ≤ 4096`,
/// `|x| ≤ 1`, `Δ ≤ 2^25`: `n` terms of size ≤ 1, each rounded to `2^-53`).
fn reference(values: &[f64], log_n: u32, scale: f64) -> Vec<f64> {
    let big_n = 1usize << log_n;
    let n = big_n / 2;
    let angle = |k: usize| std::f64::consts::PI * k as f64 / big_n as f64;
    let (cos, sin): (Vec<f64>, Vec<f64>) = (0..2 * big_n)
        .map(|k| (angle(k).cos(), angle(k).sin()))
        .unzip();
    let mut e = vec![1usize; values.len()];
    for j in 1..values.len() {
        e[j] = e[j - 1] * 5 % (2 * big_n);
    }
    let mut out = vec![0.0; big_n];
    for i in 0..n {
        let (mut re, mut im) = (0.0, 0.0);
        for (&x, &ej) in values.iter().zip(&e) {
            let k = i * ej % (2 * big_n);
            re += x * cos[k];
            im -= x * sin[k];
        }
        out[i] = re / n as f64 * scale;
        out[i + n] = im / n as f64 * scale;
    }
    out
}

fn i64f64_coeffs(values: &[f64], log_n: u32, scale: f64) -> Vec<i128> {
    let mut c = vec![0i128; 1 << log_n];
    Encoder::new(log_n)
        .unwrap()
        .encode_real(values, scale, &mut c)
        .unwrap();
    c
}

/// `x_j = ((37·j) mod s)/(s/2) − 1`, and a pseudo-random mix.
fn inputs(slots: usize) -> [Vec<f64>; 2] {
    let ramp = (0..slots)
        .map(|j| ((37 * j) % slots) as f64 / (slots / 2) as f64 - 1.0)
        .collect();
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let noise = (0..slots)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect();
    [ramp, noise]
}

#[test]
fn cos_table_is_within_a_few_units_of_f64_cos() {
    for log_n in [4u32, 9, 12] {
        let big_n = 1usize << log_n;
        for (j, &t) in table(log_n).iter().enumerate() {
            let want = (std::f64::consts::PI * j as f64 / big_n as f64).cos() * 2f64.powi(62);
            // f64's cos is within 2^-52 of exact: 2^10 units of 2^-62.
            assert!((t as f64 - want).abs() <= 2048.0, "N = {big_n}, j = {j}");
        }
    }
}

#[test]
fn coefficients_are_the_exactly_rounded_embedding() {
    for (log_n, scale) in [
        (8u32, 33_554_432.0),
        (12, 33_554_432.0),
        (12, 1.5 * 2f64.powi(20)),
    ] {
        for values in inputs(1 << (log_n - 1)) {
            let got = encode(&values, log_n, scale).unwrap();
            let exact = reference(&values, log_n, scale);
            let theirs = i64f64_coeffs(&values, log_n, scale);
            let mut near_ties = 0;
            for ((&c, &r), &t) in got.iter().zip(&exact).zip(&theirs) {
                assert!((c as f64 - r).abs() <= 1.0, "{c} vs exact {r}");
                assert!((i128::from(c) - t).abs() <= 1);
                if (r - r.floor() - 0.5).abs() < 1.0 / 256.0 {
                    near_ties += 1;
                } else {
                    assert_eq!(c as f64, r.round(), "exact {r}");
                    assert_eq!(i128::from(c), t, "exact {r}");
                }
            }
            assert!(near_ties < got.len() / 16, "{near_ties} near-ties");
        }
    }
}

#[test]
fn decode_error_is_that_of_the_final_rounding() {
    // N = 4096, Δ = 2^25: every slot within N/(2Δ) = 2^-14 (the rounding's
    // worst case); the root mean square near √(N/12)/Δ ≈ 2^-20.8.
    let (log_n, scale) = (12u32, 33_554_432.0);
    for values in inputs(2048) {
        let c: Vec<i128> = encode(&values, log_n, scale)
            .unwrap()
            .into_iter()
            .map(i128::from)
            .collect();
        let back = Encoder::new(log_n).unwrap().decode_real(&c, scale).unwrap();
        let errs: Vec<f64> = back
            .iter()
            .zip(&values)
            .map(|(b, x)| (b - x).abs())
            .collect();
        let worst = errs.iter().copied().fold(0.0, f64::max);
        let rms = (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt();
        assert!(worst <= 2f64.powi(-14), "worst slot error {worst}");
        assert!(rms <= 2f64.powi(-20), "rms error {rms}");
    }
}

#[test]
fn refusals_are_typed() {
    let t = table(6);
    let enc = LowMemEncoder::new(6, &t).unwrap();
    let mut buf = vec![0i64; 64];
    let enc_vals =
        |v: &[f64], buf: &mut [i64]| enc.encode_real_in_place(v.iter().copied(), 1024.0, buf);
    assert_eq!(
        enc_vals(&[0.5; 33], &mut buf),
        Err(CkksError::TooManyValues {
            given: 33,
            slots: 32
        })
    );
    assert_eq!(
        enc_vals(&[f64::NAN], &mut buf),
        Err(CkksError::ValueOutOfRange)
    );
    assert_eq!(
        enc_vals(&[2f64.powi(48)], &mut buf),
        Err(CkksError::ValueOutOfRange)
    );
    assert!(enc_vals(&[2f64.powi(47)], &mut buf).is_ok());
    assert!(enc_vals(&[1.0], &mut buf[..63]).is_err());
    for bad in [0.5, f64::INFINITY, 2f64.powi(63)] {
        assert_eq!(
            enc.encode_real_in_place([1.0], bad, &mut buf),
            Err(CkksError::InvalidScale)
        );
    }
    // Coefficients beyond i64: |x|·Δ ≈ 2^47·2^62.
    assert_eq!(
        enc.encode_real_in_place([2f64.powi(47)], 2f64.powi(62), &mut buf),
        Err(CkksError::ValueOutOfRange)
    );
    // Zeros (and −0) give zeros, whatever the buffer held.
    buf.fill(9);
    enc_vals(&[0.0, -0.0], &mut buf).unwrap();
    assert!(buf.iter().all(|&c| c == 0));
    // Tables: wrong length, wrong end points, not decreasing.
    assert!(LowMemEncoder::new(6, &t[1..]).is_err());
    assert!(LowMemEncoder::new(3, &t).is_err());
    let mut bad = t.clone();
    bad[0] -= 1;
    assert!(LowMemEncoder::new(6, &bad).is_err());
    let mut bad = t.clone();
    bad[5] = bad[3];
    assert!(LowMemEncoder::new(6, &bad).is_err());
}

#[test]
fn widening_mul_is_the_i128_product_at_the_extremes() {
    let edges = [
        i64::MIN,
        i64::MIN + 1,
        -(1 << 62),
        -1,
        0,
        1,
        1 << 62,
        i64::MAX,
        0xffff_ffff,
        -0x1_0000_0000,
    ];
    for &x in &edges {
        for &c in &edges {
            assert_eq!(widening_mul(x, c), x as i128 * c as i128, "{x} · {c}");
        }
    }
}

/// The module's bound on the distance of the coefficients from `Δ·m_i`
/// before their rounding, `Δ·(3·log2 n + 3)·2^-F` with `F = min(61 − B, 62)`
/// and `B` the smallest integer with `|x_j| < 2^B`, rounded down to whole
/// coefficient units.
fn documented_error(values: &[f64], log_n: u32, scale: f64) -> i128 {
    let largest = values.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut b = -1022;
    while 2f64.powi(b) <= largest {
        b += 1;
    }
    let f = (61 - b).min(62);
    let stages = f64::from(3 * (log_n - 1) + 3);
    (scale * stages * 2f64.powi(-f)).floor() as i128
}

/// The case the property test once found off by two from the `I64F64`
/// encoder: `N = 2^9`, `Δ = 1.25·2^40`, values up to `2^20`, so
/// `Δ·|x| ≈ 2^60` and the fixed point keeps `F = 41` fractional bits. The
/// documented bound there is 16 coefficient units, and the coefficients
/// stay within it.
#[test]
fn the_largest_coefficients_stay_within_the_documented_bound() {
    let raw = [
        0.7065164004792229,
        -0.28059070309597695,
        0.46915630894309657,
        0.24043435591278653,
        0.532912561392638,
        -0.029015920394700582,
        -0.26931651473521295,
        -0.3066415653771777,
        -0.30493930196648267,
        0.8341372082340381,
        -0.9317510460555742,
        -0.998018227329402,
        -0.9991570317607797,
        -0.41849845633649485,
        -0.8001768717649085,
        0.5164130595605266,
        -0.8700950506643982,
        0.14010487963533408,
        0.5437884485902196,
    ];
    let values: Vec<f64> = raw.iter().map(|x| x * 2f64.powi(20)).collect();
    let (log_n, scale) = (9, 2f64.powi(40) * 1.25);
    let bound = documented_error(&values, log_n, scale);
    assert_eq!(bound, 16);
    let got = encode(&values, log_n, scale).unwrap();
    let theirs = i64f64_coeffs(&values, log_n, scale);
    let worst = got
        .iter()
        .zip(&theirs)
        .map(|(&c, &t)| (i128::from(c) - t).abs())
        .max()
        .unwrap();
    assert!(worst <= 1 + bound, "{worst}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn widening_mul_is_the_i128_product(x in any::<i64>(), c in any::<i64>()) {
        prop_assert_eq!(widening_mul(x, c), x as i128 * c as i128);
    }

    /// Random degrees, scales and magnitudes: within the module's error
    /// bound of the `I64F64` encoder everywhere — within one wherever
    /// `Δ·(3·log2 n + 3)·2^-F` is below one coefficient unit, which is
    /// every case but the largest `Δ·|x|` (up to `2^61` here).
    #[test]
    fn within_the_error_bound_of_the_i64f64_encoder(
        log_n in 4u32..=9,
        scale_log in 0i32..=40,
        mag_log in -20i32..=20,
        raw in proptest::collection::vec(-1.0f64..1.0, 1..=256),
    ) {
        let slots = 1usize << (log_n - 1);
        let values: Vec<f64> = raw.iter().take(slots).map(|x| x * 2f64.powi(mag_log)).collect();
        let scale = 2f64.powi(scale_log) * 1.25;
        let got = encode(&values, log_n, scale).unwrap();
        let theirs = i64f64_coeffs(&values, log_n, scale);
        let bound = 1 + documented_error(&values, log_n, scale);
        for (&c, &t) in got.iter().zip(&theirs) {
            prop_assert!((i128::from(c) - t).abs() <= bound, "{} vs {} (bound {})", c, t, bound);
        }
    }
}
