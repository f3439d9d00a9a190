//! Seeded secret-key ciphertexts (`ckks::seeded`): the expansion equals the
//! secret-key encryption with the same `a`, decrypts to the message, the
//! byte format round-trips byte for byte at the size of its formula, every
//! kind of bad input is a typed error, and the seed expansion's known
//! answer.

use hearth_kernels::arith::Word;
use hearth_kernels::ckks::sampling::sample_uniform;
use hearth_kernels::ckks::seeded::{
    expand_a, pack_residues, packed_len, unpack_residues, HEADER_BYTES, SEED_BYTES,
};
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksError, CkksParams, Encryptor, Plaintext, SecretKey,
    SeededCiphertext,
};
use hearth_kernels::ntt::SoftwareNtt;
use proptest::prelude::*;
use rand_chacha::rand_core::{Infallible, Rng, SeedableRng, TryRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

fn params_u64() -> CkksParams {
    CkksParams::insecure_for_tests(10, &[60, 40, 40], &[60], 2f64.powi(40), 3).unwrap()
}

fn params_u32() -> CkksParams {
    CkksParams::insecure_for_tests(10, &[30, 25, 25], &[30, 30], 2f64.powi(25), 1).unwrap()
}

fn values(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect()
}

struct Setup<W: Word> {
    ctx: CkksContext<W>,
    sk: SecretKey<W>,
}

fn setup<W: Word>(params: CkksParams) -> Setup<W> {
    let ctx = CkksContext::<W>::new(params).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let sk = SecretKey::generate(&ctx, &mut SoftwareNtt, &mut rng).unwrap();
    Setup { ctx, sk }
}

fn plaintext<W: Word>(s: &Setup<W>, level: usize) -> Plaintext<W> {
    let v = values(s.ctx.degree() / 2);
    Encryptor::new(&s.ctx)
        .encode_real(&mut SoftwareNtt, &v, s.ctx.params().scale(), level)
        .unwrap()
}

fn seeded<W: Word>(s: &Setup<W>, level: usize, rng_seed: u64) -> SeededCiphertext<W> {
    let pt = plaintext(s, level);
    let mut rng = ChaCha20Rng::seed_from_u64(rng_seed);
    Encryptor::new(&s.ctx)
        .encrypt_sk_seeded(&mut SoftwareNtt, &s.sk, &pt, &mut rng)
        .unwrap()
}

/// Counts `next_u64` calls.
struct Counting<R>(R, usize);

impl<R: Rng> TryRng for Counting<R> {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.1 += 1;
        Ok(self.0.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill_bytes(dst);
        Ok(())
    }
}

/// The first `k` `next_u64` calls from `first`, the rest from `then`.
struct Chained<A, B> {
    first: A,
    k: usize,
    then: B,
}

impl<A: Rng, B: Rng> TryRng for Chained<A, B> {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.then.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        if self.k > 0 {
            self.k -= 1;
            Ok(self.first.next_u64())
        } else {
            Ok(self.then.next_u64())
        }
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.then.fill_bytes(dst);
        Ok(())
    }
}

/// `encrypt_sk` fed the seed's stream while it draws `a`, then the
/// encrypting generator (past the 32 seed bytes) for `e`, is exactly the
/// expansion of `encrypt_sk_seeded`'s output.
fn check_expand_equals_encrypt_sk<W: Word>(s: &Setup<W>, level: usize) {
    let sct = seeded(s, level, 5);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut seed = [0u8; SEED_BYTES];
    rng.fill_bytes(&mut seed);
    assert_eq!(&seed, sct.seed());
    // How many words the expansion of `a` takes (rejections included).
    let mut count = Counting(ChaCha20Rng::from_seed(seed), 0);
    let ring = s.ctx.ring();
    let mut limb = vec![W::ZERO; s.ctx.degree()];
    for i in 0..=level {
        sample_uniform(&mut count, ring.modulus(i), &mut limb);
    }
    let mut chained = Chained {
        first: ChaCha20Rng::from_seed(seed),
        k: count.1,
        then: rng,
    };
    let pt = plaintext(s, level);
    let ct = Encryptor::new(&s.ctx)
        .encrypt_sk(&mut SoftwareNtt, &s.sk, &pt, &mut chained)
        .unwrap();
    let expanded = sct.expand(&s.ctx).unwrap();
    assert_eq!(expanded, ct);
    assert_eq!(expanded.c0(), sct.c0());
    assert_eq!(expanded.level(), level);
    assert_eq!(
        expanded.c1(),
        &expand_a(&s.ctx, &seed, level).unwrap(),
        "c1 is the seed's expansion"
    );
}

#[test]
fn expand_equals_encrypt_sk_with_the_same_a() {
    let s = setup::<u64>(params_u64());
    check_expand_equals_encrypt_sk(&s, 2);
    check_expand_equals_encrypt_sk(&s, 0);
    let s = setup::<u32>(params_u32());
    check_expand_equals_encrypt_sk(&s, 2);
}

#[test]
fn expanded_decrypts_to_the_message() {
    let s = setup::<u64>(params_u64());
    let sct = seeded(&s, 2, 9);
    let bytes = sct.to_le_bytes(&s.ctx);
    let back = SeededCiphertext::from_le_bytes(&s.ctx, &bytes).unwrap();
    let ct = back.expand(&s.ctx).unwrap();
    let enc = Encryptor::new(&s.ctx);
    let pt = enc.decrypt(&s.sk, &ct).unwrap();
    let got = enc.decode_real(&mut SoftwareNtt, &pt).unwrap();
    let want = values(s.ctx.degree() / 2);
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 2f64.powi(-20), "error {worst}");
}

/// The format's length by its formula, computed here independently.
fn formula<W: Word>(ctx: &CkksContext<W>, level: usize) -> usize {
    let n = ctx.degree();
    56 + (0..=level)
        .map(|i| {
            let q = ctx.ring().modulus(i).value().to_u64();
            let bits = 64 - q.leading_zeros() as usize;
            8 + (n * bits).div_ceil(8)
        })
        .sum::<usize>()
}

fn check_round_trip<W: Word>(s: &Setup<W>, level: usize) {
    let sct = seeded(s, level, 21);
    let bytes = sct.to_le_bytes(&s.ctx);
    assert_eq!(bytes.len(), formula(&s.ctx, level));
    assert_eq!(bytes.len(), SeededCiphertext::byte_len(&s.ctx, level));
    let back = SeededCiphertext::from_le_bytes(&s.ctx, &bytes).unwrap();
    assert_eq!(back, sct);
    assert_eq!(back.to_le_bytes(&s.ctx), bytes, "byte-identical");
    let mut streamed = Vec::new();
    sct.write_le_bytes(&s.ctx, |b| streamed.extend_from_slice(b));
    assert_eq!(streamed, bytes);
    // Smaller than the plain format, which carries c1 and whole words.
    let plain = sct.expand(&s.ctx).unwrap().to_le_bytes(&s.ctx);
    assert!(
        bytes.len() < plain.len() / 2,
        "{} vs {}",
        bytes.len(),
        plain.len()
    );
}

#[test]
fn format_round_trips_byte_identical_at_the_formula_size() {
    let s = setup::<u64>(params_u64());
    check_round_trip(&s, 2);
    check_round_trip(&s, 1);
    check_round_trip(&s, 0);
    let s = setup::<u32>(params_u32());
    check_round_trip(&s, 2);
    check_round_trip(&s, 0);
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let s = setup::<u64>(params_u64());
    let a = seeded(&s, 2, 3).to_le_bytes(&s.ctx);
    let b = seeded(&s, 2, 3).to_le_bytes(&s.ctx);
    let c = seeded(&s, 2, 4).to_le_bytes(&s.ctx);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

fn bytes_u64() -> (Setup<u64>, Vec<u8>) {
    let s = setup::<u64>(params_u64());
    let b = seeded(&s, 2, 8).to_le_bytes(&s.ctx);
    (s, b)
}

fn parse(s: &Setup<u64>, b: &[u8]) -> Result<SeededCiphertext<u64>, CkksError> {
    SeededCiphertext::from_le_bytes(&s.ctx, b)
}

#[test]
fn truncated_or_overlong_bytes_are_wrong_length() {
    let (s, b) = bytes_u64();
    let full = b.len();
    for cut in [
        0,
        1,
        4,
        HEADER_BYTES - 1,
        HEADER_BYTES,
        HEADER_BYTES + 8,
        full - 1,
    ] {
        let expected = if cut < HEADER_BYTES {
            HEADER_BYTES
        } else {
            full
        };
        assert_eq!(
            parse(&s, &b[..cut]),
            Err(CkksError::WrongLength {
                expected,
                actual: cut
            }),
            "cut at {cut}"
        );
    }
    let mut long = b.clone();
    long.push(0);
    assert_eq!(
        parse(&s, &long),
        Err(CkksError::WrongLength {
            expected: full,
            actual: full + 1
        })
    );
}

#[test]
fn bad_tag_or_version_is_unknown_format() {
    let (s, b) = bytes_u64();
    let mut bad = b.clone();
    bad[0] = b'X';
    assert_eq!(
        parse(&s, &bad),
        Err(CkksError::UnknownFormat {
            magic: *b"XCKS",
            version: 1
        })
    );
    let mut bad = b.clone();
    bad[4] = 2;
    assert_eq!(
        parse(&s, &bad),
        Err(CkksError::UnknownFormat {
            magic: *b"HCKS",
            version: 2
        })
    );
    // The plain ciphertext format is foreign to this reader, and the other
    // way round.
    let plain = parse(&s, &b).unwrap().expand(&s.ctx).unwrap();
    let plain = plain.to_le_bytes(&s.ctx);
    assert_eq!(
        parse(&s, &plain),
        Err(CkksError::UnknownFormat {
            magic: *b"HCKT",
            version: 1
        })
    );
    assert!(matches!(
        Ciphertext::from_le_bytes(&s.ctx, &b),
        Err(CkksError::Malformed(_))
    ));
}

#[test]
fn wrong_level_is_level_out_of_range_or_wrong_length() {
    let (s, b) = bytes_u64();
    for limbs in [0u32, 4, u32::MAX] {
        let mut bad = b.clone();
        bad[8..12].copy_from_slice(&limbs.to_le_bytes());
        assert_eq!(
            parse(&s, &bad),
            Err(CkksError::LevelOutOfRange {
                limbs: limbs as usize,
                max_limbs: 3
            })
        );
    }
    // A level the chain has, but not the one the bytes were written at.
    let mut bad = b.clone();
    bad[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(
        parse(&s, &bad),
        Err(CkksError::WrongLength {
            expected: formula(&s.ctx, 1),
            actual: b.len()
        })
    );
}

#[test]
fn foreign_parameters_and_corrupted_fields_are_refused() {
    let (s, b) = bytes_u64();
    // Another word size, another degree.
    let s32 = setup::<u32>(params_u32());
    assert_eq!(
        SeededCiphertext::from_le_bytes(&s32.ctx, &b),
        Err(CkksError::ParameterMismatch)
    );
    let other = CkksParams::insecure_for_tests(11, &[60, 40, 40], &[60], 2f64.powi(40), 3).unwrap();
    let other = CkksContext::<u64>::new(other).unwrap();
    assert_eq!(
        SeededCiphertext::from_le_bytes(&other, &b),
        Err(CkksError::ParameterMismatch)
    );
    // Another prime at limb 1.
    let limb0 = 8 + packed_len(1024, s.ctx.ring().modulus(0).bits());
    let mut bad = b.clone();
    bad[HEADER_BYTES + limb0] ^= 2;
    assert_eq!(parse(&s, &bad), Err(CkksError::ParameterMismatch));
    // Flags, reserved bytes, scale.
    let mut bad = b.clone();
    bad[7] = 1;
    assert!(matches!(parse(&s, &bad), Err(CkksError::Malformed(_))));
    let mut bad = b.clone();
    bad[13] = 1;
    assert!(matches!(parse(&s, &bad), Err(CkksError::Malformed(_))));
    let mut bad = b.clone();
    bad[16..24].copy_from_slice(&f64::NAN.to_bits().to_le_bytes());
    assert!(matches!(
        parse(&s, &bad),
        Err(CkksError::ScaleOutOfRange { .. })
    ));
    // A residue at or above its prime: all ones in the first residue of
    // limb 0 (60 bits, q_0 < 2^60).
    let mut bad = b.clone();
    for x in &mut bad[HEADER_BYTES + 8..HEADER_BYTES + 8 + 7] {
        *x = 0xff;
    }
    bad[HEADER_BYTES + 8 + 7] |= 0x0f;
    assert_eq!(
        parse(&s, &bad),
        Err(CkksError::Malformed("residue out of range"))
    );
}

#[test]
fn packing_round_trips_and_refuses_padding_and_large_residues() {
    for bits in [1u32, 7, 25, 30, 39, 40, 59, 60, 62, 64] {
        let mask = u64::MAX >> (64 - bits);
        for n in [0usize, 1, 3, 8, 17] {
            let words: Vec<u64> = (0..n as u64)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & mask)
                .collect();
            let mut packed = vec![0u8; packed_len(n, bits)];
            pack_residues(&words, bits, &mut packed);
            let mut back = vec![0u64; n];
            unpack_residues(&packed, bits, u64::MAX, &mut back).unwrap();
            assert_eq!(back, words, "bits {bits}, n {n}");
        }
    }
    // 3 residues of 7 bits: 21 bits in 3 bytes, the top 3 bits padding.
    let mut packed = vec![0u8; packed_len(3, 7)];
    pack_residues(&[1u64, 2, 3], 7, &mut packed);
    assert_eq!(packed, [0b0000_0001, 0b1100_0001, 0b0000_0000]);
    packed[2] |= 0x80;
    let mut out = [0u64; 3];
    assert_eq!(
        unpack_residues(&packed, 7, 1u64 << 7, &mut out),
        Err(CkksError::Malformed("nonzero padding bits"))
    );
    assert_eq!(
        unpack_residues(&[0b0000_0101], 4, 5u64, &mut [0u64; 2]),
        Err(CkksError::Malformed("residue out of range"))
    );
}

/// SHA-256 of `a`'s residues as little-endian u64 words, limb by limb.
fn digest_a<W: Word>(ctx: &CkksContext<W>, seed: &[u8; 32], level: usize) -> String {
    let a = expand_a(ctx, seed, level).unwrap();
    let mut h = Sha256::new();
    for i in 0..=level {
        for &x in a.limb(i) {
            h.update(x.to_u64().to_le_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The seed expansion is a format contract: these digests are of `a` for
/// the seed `0, 1, …, 31` over the primes of the test parameters.
#[test]
fn seed_expansion_known_answer() {
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let s64 = CkksContext::<u64>::new(params_u64()).unwrap();
    let s32 = CkksContext::<u32>::new(params_u32()).unwrap();
    assert_eq!(digest_a(&s64, &seed, 2), KAT_U64);
    assert_eq!(digest_a(&s32, &seed, 2), KAT_U32);
    // The same words as `rand_chacha`'s stream sampled by the documented
    // rule (one next_u64, masked, redrawn while ≥ q).
    let mut rng = ChaCha20Rng::from_seed(seed);
    let a = expand_a(&s64, &seed, 2).unwrap();
    for i in 0..3 {
        let q = s64.ring().modulus(i).value();
        let mask = u64::MAX >> q.leading_zeros();
        for &x in a.limb(i) {
            let r = loop {
                let r = rng.next_u64() & mask;
                if r < q {
                    break r;
                }
            };
            assert_eq!(x, r);
        }
    }
    // A prefix of the levels: a at level 0 is limb 0 of a at level 2.
    let a0 = expand_a(&s64, &seed, 0).unwrap();
    assert_eq!(a0.limb(0), a.limb(0));
}

const KAT_U64: &str = "532a85779f3280034b1272d790c228af1dc12db635c7baa9742e066ee181e14a";
const KAT_U32: &str = "b654923ca6647cbf4291fb47c396fd1aebc69e85973892ac039c181175665e1d";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_truncations_are_wrong_length(cut in 0usize..4000) {
        let (s, b) = bytes_u64();
        let cut = cut % b.len();
        let expected = if cut < HEADER_BYTES { HEADER_BYTES } else { b.len() };
        prop_assert_eq!(
            parse(&s, &b[..cut]),
            Err(CkksError::WrongLength { expected, actual: cut })
        );
    }

    #[test]
    fn random_corruptions_never_panic(at in 0usize..4000, x in 1u8..=255) {
        let (s, b) = bytes_u64();
        let mut bad = b.clone();
        let at = at % b.len();
        bad[at] ^= x;
        // A flipped scale bit that leaves a valid scale, a seed byte, or a
        // residue bit that stays below its prime: another valid ciphertext,
        // different from the original. Anything else is an error.
        if let Ok(c) = parse(&s, &bad) {
            prop_assert!(at >= 16);
            prop_assert_ne!(c.to_le_bytes(&s.ctx), b);
        }
    }
}
