//! The provisioned flash data against the on-device key generation path
//! (`EncryptSetup`), and the low-memory encryption against the whole one.

use super::*;
use crate::ckks_kat::{values_x, values_x_iter, EncryptSetup};
use hearth_kernels::ckks::encoding_lowmem::{cos_table_len, quarter_cos_table};
use hearth_kernels::ntt::OwnedNttPlan;

#[test]
fn provisioned_data_is_what_key_generation_on_the_device_gives() {
    let setup = EncryptSetup::new().unwrap();
    let ring = setup.ctx.ring();
    assert_eq!(provisioned::LIMBS, setup.ctx.max_level() + 1);
    for (i, &q) in provisioned::PRIMES.iter().enumerate() {
        assert_eq!(ring.modulus(i).value(), q);
        // The tables regenerated from scratch, and ψ the smallest root.
        let fresh = OwnedNttPlan::<u32>::new(q, N).unwrap();
        assert_eq!(twiddles(i).unwrap(), fresh.forward_tables());
        let plan = NttPlan::from_forward_tables(q, N, twiddles(i).unwrap()).unwrap();
        assert_eq!(plan.psi(), fresh.psi());
        let (b, a) = public_key(i).unwrap();
        assert_eq!(b, setup.pk.b().limb(i));
        assert_eq!(a, setup.pk.a().limb(i));
    }
    assert_eq!(provisioned::RNG_WORD_POS, setup.rng.get_word_pos());
    let mut cos = std::vec![0i64; cos_table_len(LOG_N)];
    quarter_cos_table(LOG_N, &mut cos).unwrap();
    assert_eq!(cos_table().unwrap(), &cos[..]);
}

#[test]
fn lowmem_encryption_of_the_i64f64_coefficients_is_the_committed_ciphertext() {
    let setup = EncryptSetup::new().unwrap();
    let x = values_x(2048);
    let coeffs = setup.encode(&x).unwrap();
    let msg: Vec<i32> = coeffs.iter().map(|&c| i32::try_from(c).unwrap()).collect();
    assert_eq!(encrypt(msg).unwrap(), setup.encode_encrypt(&x).unwrap());
}

#[test]
fn lowmem_encoder_is_within_one_of_the_i64f64_encoder() {
    let setup = EncryptSetup::new().unwrap();
    let theirs = setup.encode(&values_x(2048)).unwrap();
    let ours = encode(values_x_iter(2048)).unwrap();
    let differing = ours
        .iter()
        .zip(&theirs)
        .filter(|&(&a, &b)| {
            assert!((i64::from(a) - b).abs() <= 1, "{a} vs {b}");
            i64::from(a) != b
        })
        .count();
    // Equal coefficients give the same ciphertext; different ones must not.
    let same_digest = encode_encrypt(values_x_iter(2048)).unwrap()
        == setup.encode_encrypt(&values_x(2048)).unwrap();
    assert_eq!(
        same_digest,
        differing == 0,
        "{differing} coefficients differ"
    );
    std::println!("low-memory vs I64F64 encoder: {differing} coefficients differ");
}
