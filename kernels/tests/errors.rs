//! Every typed error that plan and modulus construction can return.

use hearth_kernels::arith::Modulus;
use hearth_kernels::ntt::{forward_limbs, NttEngine, NttPlan, SoftwareNtt};
use hearth_kernels::Error;

#[test]
fn modulus_errors() {
    assert_eq!(
        Modulus::<u64>::new(1),
        Err(Error::ModulusTooSmall { modulus: 1 })
    );
    assert_eq!(
        Modulus::<u64>::new(0),
        Err(Error::ModulusTooSmall { modulus: 0 })
    );
    assert_eq!(
        Modulus::<u64>::new(12),
        Err(Error::EvenModulus { modulus: 12 })
    );
    assert_eq!(
        Modulus::<u64>::new((1 << 62) + 1),
        Err(Error::ModulusTooLarge {
            modulus: (1 << 62) + 1,
            max_bits: 62
        })
    );
    assert_eq!(
        Modulus::<u32>::new((1 << 30) + 1),
        Err(Error::ModulusTooLarge {
            modulus: (1 << 30) + 1,
            max_bits: 30
        })
    );
    assert_eq!(
        Modulus::<u32>::from_u64((1 << 32) + 1),
        Err(Error::ModulusTooLarge {
            modulus: (1 << 32) + 1,
            max_bits: 30
        })
    );
    assert!(Modulus::<u64>::new((1 << 62) - 1).is_ok());
    assert!(Modulus::<u32>::new((1 << 30) - 1).is_ok());
    assert!(Modulus::<u32>::new(3).is_ok());
}

#[test]
fn plan_errors() {
    // 12289 = 3·2^12 + 1 is prime and 1 mod 2N for N ≤ 2^11.
    let q = 12289u64;
    for degree in [0usize, 8, 24, 1 << 18] {
        assert!(matches!(
            NttPlan::<u64, _>::new(q, degree),
            Err(Error::InvalidDegree { degree: d, min: 16, max: 131072 }) if d == degree
        ));
    }
    assert_eq!(
        NttPlan::<u64, _>::new(q, 4096).err(),
        Some(Error::NotNttFriendly {
            modulus: q,
            degree: 4096
        })
    );
    // 12289·12289 is 1 mod 2N for N = 2^11 but composite.
    assert_eq!(
        NttPlan::<u64, _>::new(q * q, 2048).err(),
        Some(Error::NotPrime { modulus: q * q })
    );
    assert_eq!(
        NttPlan::<u64, _>::new(12290, 16).err(),
        Some(Error::EvenModulus { modulus: 12290 })
    );
    assert_eq!(
        NttPlan::<u64, _>::new(1, 16).err(),
        Some(Error::ModulusTooSmall { modulus: 1 })
    );
    assert!(matches!(
        NttPlan::<u32, _>::new(3221225473, 16).err(),
        Some(Error::ModulusTooLarge { .. })
    ));
    // Caller storage of the wrong size.
    let mut storage = [0u64; 4 * 16 - 1];
    assert_eq!(
        NttPlan::new_in(q, 16, &mut storage[..]).err(),
        Some(Error::LengthMismatch {
            expected: 64,
            actual: 63
        })
    );
}

#[test]
fn no_alloc_plan_matches_owned() {
    let q = 12289u64;
    let mut storage = [0u64; 4 * 64];
    let borrowed = NttPlan::new_in(q, 64, &mut storage[..]).unwrap();
    let owned = NttPlan::<u64, _>::new(q, 64).unwrap();
    let mut a: Vec<u64> = (0..64).collect();
    let mut b = a.clone();
    borrowed.forward(&mut a).unwrap();
    owned.forward(&mut b).unwrap();
    assert_eq!(a, b);
}

#[test]
fn slice_length_errors() {
    let plan = NttPlan::<u64, _>::new(12289, 16).unwrap();
    let mut short = [0u64; 15];
    assert_eq!(
        plan.forward(&mut short),
        Err(Error::LengthMismatch {
            expected: 16,
            actual: 15
        })
    );
    let mut long = [0u64; 32];
    assert_eq!(
        plan.inverse(&mut long),
        Err(Error::LengthMismatch {
            expected: 16,
            actual: 32
        })
    );
    let plans = [plan.clone(), plan.clone()];
    let mut limbs = [0u64; 33];
    assert_eq!(
        forward_limbs(&plans, &mut limbs),
        Err(Error::LengthMismatch {
            expected: 32,
            actual: 33
        })
    );
    let other = NttPlan::<u64, _>::new(12289, 32).unwrap();
    let mut limbs = [0u64; 48];
    assert!(SoftwareNtt.forward(&[&plan, &other], &mut limbs).is_err());
}

#[test]
fn errors_display() {
    let e = Error::NotNttFriendly {
        modulus: 97,
        degree: 64,
    };
    assert!(e.to_string().contains("97"));
    assert!(e.to_string().contains("64"));
}
