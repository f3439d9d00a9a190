//! Fast base conversion, rescaling and CRT reconstruction against num-bigint.

use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::arith::{Modulus, Word};
use hearth_kernels::rns::{rescale_correction, rescale_limb, BaseConverter, RescaleConstants};
use num_bigint::{BigInt, BigUint};
use proptest::prelude::*;

fn primes(bits: u32, count: usize, skip: usize) -> Vec<u64> {
    NttPrimes::new(bits, 16)
        .unwrap()
        .skip(skip)
        .take(count)
        .collect()
}

fn crt(residues: &[u64], moduli: &[u64]) -> BigUint {
    let q: BigUint = moduli.iter().map(|&m| BigUint::from(m)).product();
    let mut x = BigUint::from(0u32);
    for (&r, &m) in residues.iter().zip(moduli) {
        let qi = &q / m;
        let inv = BigUint::from(m_inv((&qi % m).try_into().unwrap(), m));
        x += BigUint::from(r) * inv * qi;
    }
    x % q
}

fn m_inv(a: u64, m: u64) -> u64 {
    Modulus::<u64>::new(m).unwrap().inv_vartime(a).unwrap()
}

fn check_conversion<W: Word>(bits: u32, k: usize, t: usize, seed: u64) {
    let src: Vec<u64> = primes(bits, k, 0);
    let dst: Vec<u64> = primes(bits, t, k);
    let sm: Vec<Modulus<W>> = src.iter().map(|&q| Modulus::from_u64(q).unwrap()).collect();
    let dm: Vec<Modulus<W>> = dst.iter().map(|&q| Modulus::from_u64(q).unwrap()).collect();
    let conv = BaseConverter::new(&sm, &dm).unwrap();
    let n = 8;
    let mut s = seed;
    let mut input = vec![W::ZERO; k * n];
    for (i, &q) in src.iter().enumerate() {
        for c in 0..n {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            input[i * n + c] = W::from_u64_truncating((s >> 1) % q);
        }
    }
    let mut out = vec![W::ZERO; t * n];
    let mut scratch = vec![W::ZERO; k * n];
    conv.convert(n, &input, &mut out, &mut scratch).unwrap();
    let q: BigUint = src.iter().map(|&m| BigUint::from(m)).product();
    for c in 0..n {
        let res: Vec<u64> = (0..k).map(|i| input[i * n + c].to_u64()).collect();
        let x = crt(&res, &src);
        // The output is x + u·Q for one u in [0, k), the same for every target.
        let u = (0..k as u32)
            .find(|&u| {
                let y = &x + &q * u;
                dst.iter()
                    .enumerate()
                    .all(|(j, &p)| y.clone() % p == BigUint::from(out[j * n + c].to_u64()))
            })
            .map(|_| ());
        assert!(u.is_some(), "coefficient {c}: no u in [0, k) fits");
    }
}

#[test]
fn base_conversion_u64() {
    check_conversion::<u64>(60, 3, 4, 1);
    check_conversion::<u64>(40, 6, 2, 2);
    check_conversion::<u64>(61, 1, 5, 3);
}

#[test]
fn base_conversion_u32() {
    check_conversion::<u32>(30, 3, 3, 4);
    check_conversion::<u32>(25, 5, 2, 5);
}

fn check_rescale<W: Word>(bits: u32, k: usize, seed: u64) {
    let ps = primes(bits, k, 0);
    let ms: Vec<Modulus<W>> = ps.iter().map(|&q| Modulus::from_u64(q).unwrap()).collect();
    let (others, last) = ms.split_at(k - 1);
    let consts = RescaleConstants::new(others, &last[0]).unwrap();
    let big_q: BigUint = ps.iter().map(|&m| BigUint::from(m)).product();
    let ql = ps[k - 1];
    let mut s = seed;
    for _ in 0..20 {
        let res: Vec<u64> = ps
            .iter()
            .map(|&q| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 1) % q
            })
            .collect();
        let x = crt(&res, &ps);
        // Centred x, rounded division by q_l.
        let xc = if &x * 2u32 >= big_q {
            BigInt::from(x) - BigInt::from(big_q.clone())
        } else {
            BigInt::from(x)
        };
        let num = &xc * 2 + BigInt::from(ql);
        let den = BigInt::from(ql) * 2;
        let mut expect: BigInt = &num / &den;
        if (&num % &den) < BigInt::from(0i32) {
            expect -= 1;
        }
        for (i, m) in others.iter().enumerate() {
            let mut limb = [W::from_u64_truncating(res[i])];
            let mut t = [W::ZERO];
            let last_limb = [W::from_u64_truncating(res[k - 1])];
            rescale_correction(m, &last[0], &consts, i, &last_limb, &mut t);
            rescale_limb(m, &consts, i, &mut limb, &t);
            let e: BigInt = expect.clone() % BigInt::from(ps[i]);
            let e = if e < BigInt::from(0i32) {
                e + BigInt::from(ps[i])
            } else {
                e
            };
            assert_eq!(BigInt::from(limb[0].to_u64()), e);
        }
    }
}

#[test]
fn rescale_rounds_division_by_the_last_prime() {
    check_rescale::<u64>(50, 3, 1);
    check_rescale::<u64>(60, 5, 2);
    check_rescale::<u32>(30, 4, 3);
}

proptest! {
    #[test]
    fn conversion_random_shapes(k in 1usize..6, t in 1usize..6, bits in 20u32..31, seed: u64) {
        check_conversion::<u32>(bits, k, t, seed);
        check_conversion::<u64>(bits + 30, k, t, seed);
    }
}

proptest! {
    #[test]
    fn reduce_i128_matches_rem_euclid(x: i128, bits in 3u32..62, k in 0usize..4) {
        let q = NttPrimes::new(bits, 16).unwrap().nth(k);
        prop_assume!(q.is_some());
        let q = q.unwrap();
        let m = Modulus::<u64>::new(q).unwrap();
        let want = x.rem_euclid(q as i128) as u64;
        prop_assert_eq!(hearth_kernels::rns::reduce_i128(&m, x), want);
        if bits <= 30 {
            let m32 = Modulus::<u32>::new(q as u32).unwrap();
            prop_assert_eq!(hearth_kernels::rns::reduce_i128(&m32, x) as u64, want);
        }
    }
}

proptest! {
    #[test]
    fn reduce_i128_slice_matches_rem_euclid(
        xs in proptest::collection::vec(
            prop_oneof![
                any::<i128>(),
                any::<i64>().prop_map(|x| x as i128),
                (-3i128..3),
                Just(i128::MIN),
                Just(i128::MAX),
            ],
            1..40,
        ),
        bits in 3u32..62,
        k in 0usize..4,
    ) {
        let q = NttPrimes::new(bits, 16).unwrap().nth(k);
        prop_assume!(q.is_some());
        let q = q.unwrap();
        let want: Vec<u64> = xs.iter().map(|x| x.rem_euclid(q as i128) as u64).collect();
        let m = Modulus::<u64>::new(q).unwrap();
        let mut got = vec![0u64; xs.len()];
        hearth_kernels::rns::reduce_i128_slice(&m, &xs, &mut got);
        prop_assert_eq!(&got, &want);
        if bits <= 30 {
            let m32 = Modulus::<u32>::new(q as u32).unwrap();
            let mut got32 = vec![0u32; xs.len()];
            hearth_kernels::rns::reduce_i128_slice(&m32, &xs, &mut got32);
            prop_assert_eq!(got32.iter().map(|&x| x as u64).collect::<Vec<_>>(), want);
        }
    }
}
