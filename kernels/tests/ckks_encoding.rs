//! Encoding against the definition of the canonical embedding, and the
//! encode→decode precision bound.

use hearth_kernels::ckks::Encoder;

/// Slow decode by definition, in f64: `z_j = Σ_i c_i/Δ · ζ^(5^j·i)`.
fn decode_by_definition(coeffs: &[i128], scale: f64) -> Vec<(f64, f64)> {
    let n = coeffs.len();
    let mut e = 1u64;
    (0..n / 2)
        .map(|_| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, &c) in coeffs.iter().enumerate() {
                let ang =
                    core::f64::consts::PI * ((e * i as u64) % (2 * n as u64)) as f64 / n as f64;
                re += c as f64 / scale * ang.cos();
                im += c as f64 / scale * ang.sin();
            }
            e = e * 5 % (2 * n as u64);
            (re, im)
        })
        .collect()
}

fn lcg(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

#[test]
fn encode_matches_the_canonical_embedding() {
    for log_n in [4u32, 6, 8] {
        let enc = Encoder::new(log_n).unwrap();
        let n = 1usize << log_n;
        let mut st = log_n as u64;
        let vals: Vec<(f64, f64)> = (0..n / 2).map(|_| (lcg(&mut st), lcg(&mut st))).collect();
        let scale = 2f64.powi(30);
        let mut c = vec![0i128; n];
        enc.encode_complex(&vals, scale, &mut c).unwrap();
        let back = decode_by_definition(&c, scale);
        for (a, b) in vals.iter().zip(&back) {
            assert!(
                (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6,
                "{a:?} vs {b:?}"
            );
        }
        // And the fixed-point decoder agrees with the definition.
        let fast = enc.decode_complex(&c, scale).unwrap();
        for (a, b) in fast.iter().zip(&back) {
            assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
        }
    }
}

#[test]
fn encode_decode_loses_at_most_2_pow_minus_30_at_scale_2_pow_40() {
    for log_n in [10u32, 12, 13] {
        let enc = Encoder::new(log_n).unwrap();
        let n = 1usize << log_n;
        let mut st = 99 + log_n as u64;
        let vals: Vec<(f64, f64)> = (0..n / 2).map(|_| (lcg(&mut st), lcg(&mut st))).collect();
        let scale = 2f64.powi(40);
        let mut c = vec![0i128; n];
        enc.encode_complex(&vals, scale, &mut c).unwrap();
        let back = enc.decode_complex(&c, scale).unwrap();
        let worst = vals
            .iter()
            .zip(&back)
            .map(|(a, b)| (a.0 - b.0).abs().max((a.1 - b.1).abs()))
            .fold(0.0, f64::max);
        assert!(
            worst <= 2f64.powi(-30),
            "N = 2^{log_n}: worst error {worst:e}"
        );
    }
}

#[test]
fn encoding_rejects_bad_input() {
    let enc = Encoder::new(5).unwrap();
    let mut c = vec![0i128; 32];
    assert!(enc.encode_real(&[0.0; 17], 2f64.powi(20), &mut c).is_err());
    assert!(enc.encode_real(&[f64::NAN], 2f64.powi(20), &mut c).is_err());
    assert!(enc.encode_real(&[1.0], -1.0, &mut c).is_err());
    assert!(enc.encode_real(&[1.0], 2f64.powi(70), &mut c).is_err());
    assert!(enc.encode_real(&[1.0], 2f64.powi(20), &mut c[..8]).is_err());
}
