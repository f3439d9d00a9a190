//! Kernels parsers: the ciphertext byte formats (`ckks::serialize`, and the
//! compact upload format of `ckks::seeded`), and the serde (postcard) forms
//! of keys and plaintexts that the host stores.

use std::sync::OnceLock;

use hearth_kernels::arith::Word;
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksParams, Encryptor, GaloisKeys, Plaintext, PublicKey, RelinKey,
    SecretKey, SeededCiphertext,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A small parameter set and a secret key under it (N = 16, so that the
/// fuzzer reaches valid objects quickly).
pub struct Fixture<W: Word> {
    /// The context.
    pub ctx: CkksContext<W>,
    /// A secret key (from a fixed seed: a test key).
    pub sk: SecretKey<W>,
}

fn fixture<W: Word>(chain: &[u32], special: &[u32], scale: f64) -> Fixture<W> {
    let params = CkksParams::insecure_for_tests(4, chain, special, scale, 1).expect("params");
    let ctx = CkksContext::<W>::new(params).expect("context");
    let mut rng = ChaCha20Rng::from_seed([11; 32]);
    let sk = SecretKey::generate(&ctx, &mut SoftwareNtt, &mut rng).expect("secret key");
    Fixture { ctx, sk }
}

/// The `u64` fixture: primes of 50 and 40 bits, a 50-bit special prime.
pub fn fixture64() -> &'static Fixture<u64> {
    static F: OnceLock<Fixture<u64>> = OnceLock::new();
    F.get_or_init(|| fixture(&[50, 40], &[50], 2f64.powi(30)))
}

/// The `u32` fixture: primes of 30 and 25 bits, a 29-bit special prime.
pub fn fixture32() -> &'static Fixture<u32> {
    static F: OnceLock<Fixture<u32>> = OnceLock::new();
    F.get_or_init(|| fixture(&[30, 25], &[29], 2f64.powi(25)))
}

fn ciphertext_in<W: Word>(f: &Fixture<W>, data: &[u8]) {
    let Ok(ct) = Ciphertext::<W>::from_le_bytes(&f.ctx, data) else {
        return;
    };
    // What parses is valid, and is exactly the bytes it came from.
    assert!(ct.validate(&f.ctx).is_ok(), "parsed but invalid");
    assert_eq!(ct.to_le_bytes(&f.ctx), data, "not canonical");
    // Decrypting and decoding a hostile ciphertext may fail, never panic.
    let enc = Encryptor::new(&f.ctx);
    if let Ok(pt) = enc.decrypt(&f.sk, &ct) {
        let _ = enc.decode_complex(&mut SoftwareNtt, &pt);
    }
}

fn seeded_in<W: Word>(f: &Fixture<W>, data: &[u8]) {
    let Ok(ct) = SeededCiphertext::<W>::from_le_bytes(&f.ctx, data) else {
        return;
    };
    // What parses is exactly the bytes it came from, and expands to a
    // valid ciphertext.
    assert_eq!(ct.to_le_bytes(&f.ctx), data, "not canonical");
    let Ok(full) = ct.expand(&f.ctx) else {
        return;
    };
    assert!(full.validate(&f.ctx).is_ok(), "expanded but invalid");
    let enc = Encryptor::new(&f.ctx);
    if let Ok(pt) = enc.decrypt(&f.sk, &full) {
        let _ = enc.decode_complex(&mut SoftwareNtt, &pt);
    }
}

/// `Ciphertext::from_any_le_bytes` is the parser of the format its magic
/// names: what it accepts, that parser accepts (and expands) to the same
/// ciphertext.
fn any_in<W: Word>(f: &Fixture<W>, data: &[u8]) {
    let Ok(ct) = Ciphertext::<W>::from_any_le_bytes(&f.ctx, data) else {
        return;
    };
    let direct = match Ciphertext::<W>::from_le_bytes(&f.ctx, data) {
        Ok(full) => full,
        Err(_) => SeededCiphertext::<W>::from_le_bytes(&f.ctx, data)
            .and_then(|s| s.expand(&f.ctx))
            .expect("accepted by neither format's parser"),
    };
    assert_eq!(ct, direct, "another ciphertext than its format's parser");
}

/// `Ciphertext::from_le_bytes`, `SeededCiphertext::from_le_bytes` and
/// `Ciphertext::from_any_le_bytes` under both word sizes: what parses is
/// valid and canonical (re-serializes to the same bytes; a seeded one
/// expands to a valid ciphertext), and either-format parsing agrees with
/// the format's own parser; decrypt and decode of it return values or
/// errors.
pub fn ciphertext(data: &[u8]) {
    ciphertext_in(fixture64(), data);
    ciphertext_in(fixture32(), data);
    seeded_in(fixture64(), data);
    seeded_in(fixture32(), data);
    any_in(fixture64(), data);
    any_in(fixture32(), data);
}

/// Which key type a `kernels_keys` input holds (its first byte, mod 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// [`SecretKey`].
    Secret = 0,
    /// [`PublicKey`].
    Public = 1,
    /// [`RelinKey`].
    Relin = 2,
    /// [`GaloisKeys`].
    Galois = 3,
}

/// postcard forms of the keys (the first byte picks the type, see
/// [`KeyKind`]), checked against the `u64` fixture: no panic; a key that
/// validates survives a postcard round trip unchanged.
pub fn keys(data: &[u8]) {
    let Some((&tag, body)) = data.split_first() else {
        return;
    };
    let f = fixture64();
    match tag % 4 {
        0 => {
            if let Ok(k) = postcard::from_bytes::<SecretKey<u64>>(body) {
                if k.validate(&f.ctx).is_ok() {
                    let again: SecretKey<u64> =
                        postcard::from_bytes(&postcard::to_allocvec(&k).expect("serialize"))
                            .expect("round trip");
                    assert_eq!(again.coefficients(), k.coefficients());
                }
            }
        }
        1 => roundtrip::<PublicKey<u64>>(body, |k| k.validate(&f.ctx).is_ok()),
        2 => roundtrip::<RelinKey<u64>>(body, |k| k.0.validate(&f.ctx).is_ok()),
        _ => roundtrip::<GaloisKeys<u64>>(body, |k| k.validate(&f.ctx).is_ok()),
    }
}

fn roundtrip<T>(body: &[u8], valid: impl Fn(&T) -> bool)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug,
{
    if let Ok(k) = postcard::from_bytes::<T>(body) {
        if valid(&k) {
            let again: T = postcard::from_bytes(&postcard::to_allocvec(&k).expect("serialize"))
                .expect("round trip");
            assert_eq!(again, k);
        }
    }
}

/// postcard form of a plaintext: no panic; one that validates decodes to
/// values or an error, never a panic, and survives a round trip.
pub fn plaintext(data: &[u8]) {
    let f = fixture64();
    let Ok(pt) = postcard::from_bytes::<Plaintext<u64>>(data) else {
        return;
    };
    if pt.validate(&f.ctx).is_err() {
        return;
    }
    let enc = Encryptor::new(&f.ctx);
    let _ = enc.decode_complex(&mut SoftwareNtt, &pt);
    let again: Plaintext<u64> =
        postcard::from_bytes(&postcard::to_allocvec(&pt).expect("serialize")).expect("round trip");
    assert_eq!(again, pt);
}
