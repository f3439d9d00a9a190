//! RNS polynomial operations against slow references: the automorphism
//! gather table against `a(X) ↦ a(X^k)` computed on coefficients, the
//! pointwise product against the schoolbook negacyclic product, and domain
//! checks.

use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::ckks::CkksError;
use hearth_kernels::ntt::SoftwareNtt;
use hearth_kernels::poly::{automorphism_table, Basis, Domain, RingContext, RnsPoly};
use proptest::prelude::*;

fn ring(log_n: u32) -> RingContext<u64> {
    let n = 1usize << log_n;
    let chain: Vec<u64> = NttPrimes::new(50, n).unwrap().take(2).collect();
    let special: Vec<u64> = NttPrimes::new(40, n).unwrap().take(1).collect();
    RingContext::new(n, &chain, &special).unwrap()
}

fn random_poly(ctx: &RingContext<u64>, basis: Basis, seed: u64) -> RnsPoly<u64> {
    let n = ctx.degree();
    let mut s = seed;
    let mut data = Vec::new();
    for m in ctx.moduli_of(basis) {
        for _ in 0..n {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            data.push((s >> 3) % m.value());
        }
    }
    RnsPoly::from_limbs(ctx, basis, Domain::Coefficient, data).unwrap()
}

/// `a(X^k)` on coefficients: `X^i ↦ X^(ik mod 2N)`, negated past `N`.
fn automorphism_reference(a: &[u64], k: usize, q: u64) -> Vec<u64> {
    let n = a.len();
    let mut out = vec![0u64; n];
    for (i, &c) in a.iter().enumerate() {
        let e = i * k % (2 * n);
        if e < n {
            out[e] = (out[e] + c) % q;
        } else {
            out[e - n] = (out[e - n] + q - c) % q;
        }
    }
    out
}

fn negacyclic_reference(a: &[u64], b: &[u64], q: u64) -> Vec<u64> {
    let n = a.len();
    let mut out = vec![0u128; n];
    let q128 = q as u128;
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            let p = x as u128 * y as u128 % q128;
            let k = i + j;
            if k < n {
                out[k] = (out[k] + p) % q128;
            } else {
                out[k - n] = (out[k - n] + q128 - p) % q128;
            }
        }
    }
    out.into_iter().map(|x| x as u64).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn automorphism_matches_coefficient_definition(log_n in 4u32..9, k_half in 0usize..256, seed: u64) {
        let ctx = ring(log_n);
        let n = ctx.degree();
        let k = (2 * k_half + 1) % (2 * n);
        let basis = Basis { q: 2, p: 1 };
        let a = random_poly(&ctx, basis, seed);
        let mut a_ntt = a.clone();
        a_ntt.to_ntt(&ctx, &mut SoftwareNtt).unwrap();
        let table = automorphism_table(ctx.log_degree(), k);
        let mut got = a_ntt.automorphism(&table).unwrap();
        got.to_coefficient(&ctx, &mut SoftwareNtt).unwrap();
        for (i, m) in ctx.moduli_of(basis).enumerate() {
            prop_assert_eq!(got.limb(i), &automorphism_reference(a.limb(i), k, m.value())[..]);
        }
    }

    #[test]
    fn product_matches_schoolbook(log_n in 4u32..7, seed: u64) {
        let ctx = ring(log_n);
        let basis = Basis { q: 2, p: 1 };
        let a = random_poly(&ctx, basis, seed);
        let b = random_poly(&ctx, basis, seed ^ 0x5555);
        let (mut x, mut y) = (a.clone(), b.clone());
        x.to_ntt(&ctx, &mut SoftwareNtt).unwrap();
        y.to_ntt(&ctx, &mut SoftwareNtt).unwrap();
        x.mul_assign(&ctx, &y).unwrap();
        x.to_coefficient(&ctx, &mut SoftwareNtt).unwrap();
        for (i, m) in ctx.moduli_of(basis).enumerate() {
            prop_assert_eq!(x.limb(i), &negacyclic_reference(a.limb(i), b.limb(i), m.value())[..]);
        }
    }
}

#[test]
fn domains_and_bases_are_checked() {
    let ctx = ring(4);
    let a = random_poly(&ctx, Basis { q: 2, p: 0 }, 1);
    let mut b = random_poly(&ctx, Basis { q: 2, p: 0 }, 2);
    // Pointwise product needs the NTT domain.
    assert!(matches!(
        b.mul_assign(&ctx, &a),
        Err(CkksError::DomainMismatch { .. })
    ));
    let mut c = a.clone();
    c.to_ntt(&ctx, &mut SoftwareNtt).unwrap();
    assert!(matches!(
        b.add_assign(&ctx, &c),
        Err(CkksError::DomainMismatch { .. })
    ));
    let d = random_poly(&ctx, Basis { q: 1, p: 0 }, 3);
    assert!(matches!(
        b.add_assign(&ctx, &d),
        Err(CkksError::BasisMismatch { .. })
    ));
    assert!(c.to_ntt(&ctx, &mut SoftwareNtt).is_err());
    // Residues must be reduced.
    let q0 = ctx.q_moduli()[0].value();
    assert!(RnsPoly::from_limbs(&ctx, Basis { q: 1, p: 0 }, Domain::Ntt, vec![q0; 16]).is_err());
}
