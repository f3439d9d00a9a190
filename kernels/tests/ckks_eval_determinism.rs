//! Bit-exactness of the evaluator: seeded multiply + relinearize, rescale,
//! rotation and conjugation give the committed ciphertext digests.
//!
//! The digests were produced by the first (unoptimised) evaluator on x86_64
//! before its buffers were reused and its loops fused; any faster key
//! switching or rescaling must reproduce them bit for bit. Both one-prime
//! digits (`α = 1`) and two-prime digits (`α = 2`) are covered, at both word
//! sizes.

use hearth_kernels::arith::Word;
use hearth_kernels::ckks::{
    rotation_galois_element, Ciphertext, CkksContext, CkksParams, Encryptor, Evaluator, GaloisKeys,
    PublicKey, RelinKey, SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Digests of `ct²` relinearized, its rescale, `ct` rotated left by 3 (two
/// key switches: 1 then 2) and `ct` conjugated.
fn digests<W: Word>(params: CkksParams) -> [String; 4] {
    let ctx = CkksContext::<W>::new(params).unwrap();
    let n = ctx.degree();
    let mut rng = ChaCha20Rng::from_seed([11u8; 32]);
    let mut e = SoftwareNtt;
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let rk = RelinKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let elements = [
        rotation_galois_element(n, 1),
        rotation_galois_element(n, 2),
        2 * n - 1,
    ];
    let gk = GaloisKeys::generate(&ctx, &mut e, &sk, &elements, &mut rng).unwrap();
    let enc = Encryptor::new(&ctx);
    let vals: Vec<f64> = (0..n / 2)
        .map(|j| ((29 * j) % 97) as f64 / 97.0 - 0.5)
        .collect();
    let pt = enc
        .encode_real(&mut e, &vals, ctx.params().scale(), ctx.max_level())
        .unwrap();
    let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap();
    let mut ev = Evaluator::new(&ctx, SoftwareNtt);
    let prod = ev.multiply_relin(&ct, &ct, &rk).unwrap();
    let resc = ev.rescale(&prod).unwrap();
    let rot = ev.rotate(&ct, 3, &gk).unwrap();
    let conj = ev.conjugate(&ct, &gk).unwrap();
    let d = |c: &Ciphertext<W>| hex(&c.digest(&ctx));
    [d(&prod), d(&resc), d(&rot), d(&conj)]
}

fn check(got: [String; 4], want: [&str; 4]) {
    let names = ["multiply_relin", "rescale", "rotate", "conjugate"];
    for (name, g) in names.iter().zip(&got) {
        println!("{name} {g}");
    }
    for ((name, g), w) in names.iter().zip(&got).zip(want) {
        assert_eq!(g, w, "{name}");
    }
}

/// u64, N = 8192, [49, 40, 40, 40 | 49], one prime per digit.
#[test]
fn u64_one_prime_digits() {
    let params = CkksParams::new(13, &[49, 40, 40, 40], &[49], 2f64.powi(40), 4).unwrap();
    check(digests::<u64>(params), U64_ALPHA1);
}

/// u64, N = 4096, [30, 25, 25 | 29]: two primes in the first digit.
#[test]
fn u64_two_prime_digits() {
    let params = CkksParams::new(12, &[30, 25, 25], &[29], 2f64.powi(25), 2).unwrap();
    check(digests::<u64>(params), U64_ALPHA2);
}

/// u32, N = 4096, the firmware's sizes, one prime per digit.
#[test]
fn u32_one_prime_digits() {
    let params = CkksParams::new(12, &[30, 25, 25], &[29], 2f64.powi(25), 3).unwrap();
    check(digests::<u32>(params), U32_ALPHA1);
}

const U64_ALPHA1: [&str; 4] = [
    "b41ca983e29b20eb51d2cb871214b6d970e4213acc302bc24db044f20034610c",
    "752f27b7c9f7c9c26fd09307329e5ad58f1397ffd44d73f392e9dda086512bdb",
    "4718389b676b8aafaa145aeaa4ba0a3117d00cca1d1af9c77d292ed8bef8777c",
    "da676cc2ba5bc184dd8b23f087d4766532b16daafa5b56ee80e2cf21494b42a1",
];
const U64_ALPHA2: [&str; 4] = [
    "320a0cef7262eec98f6ad381e823fd4353c95924db807423ca0a86e46a9a65d4",
    "9e7426c7a3324a4310c3ac36b573eae37afbca6b795c25dce4dc04a31bf5a82e",
    "44239991f71f56da5a0fb3cb4ba938e2ba532c177a6dd5188a06e6e2f57c7cf0",
    "5fc6f476a0942a70c129d30c6acead57f119750c86358bec9f2be08b64fea815",
];
const U32_ALPHA1: [&str; 4] = [
    "e26bed8b74f7d616476336da19f2940eec621f26edf02f8957a7061a10d06e55",
    "322f14ecccc8e58c8566d8db772fa01a45ba081254ff8cd0805b11e529b6aa95",
    "299c882eab1cfb39252c1c9cccdb343422663a21694da3956ec482327b527c6a",
    "035ddb59ebda7174f864a5721c69d6754ed50042b3c5a2550df42addbfffcb0a",
];
