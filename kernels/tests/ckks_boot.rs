//! Bootstrapping against the plaintext it started from.
//!
//! A message of uniform values in [−1, 1] is encrypted at level 0 and
//! bootstrapped; the decryption is compared slot by slot with the original
//! message (the independent reference), and the bits of precision
//! `−log2 |error|`, mean and worst over the slots, are asserted against
//! stated thresholds.

use hearth_kernels::ckks::boot::presets::{self, BootPreset};
use hearth_kernels::ckks::boot::{BootKeySource, Bootstrapper, MemoryKeySource};
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksError, Encryptor, Evaluator, PublicKey, SecretKey,
};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

struct Setup {
    ctx: CkksContext<u64>,
    sk: SecretKey<u64>,
    pk: PublicKey<u64>,
    boot: Bootstrapper<u64>,
    keys: MemoryKeySource<u64>,
    rng: ChaCha20Rng,
}

fn setup(preset: &BootPreset, seed: u64) -> Setup {
    let params = preset.insecure_for_tests().unwrap();
    let ctx = CkksContext::<u64>::new(params).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let e = &mut SoftwareNtt;
    let sk = SecretKey::generate_sparse(&ctx, e, preset.hamming_weight, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, e, &sk, &mut rng).unwrap();
    let boot = Bootstrapper::new(&ctx, e, preset.boot).unwrap();
    let keys = MemoryKeySource::generate(&ctx, e, &sk, &boot, &mut rng).unwrap();
    Setup {
        ctx,
        sk,
        pk,
        boot,
        keys,
        rng,
    }
}

fn uniform(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// The message repeated over all `N/2` slots (the sparse packing).
fn tiled(values: &[f64], slots: usize) -> Vec<f64> {
    (0..slots).map(|i| values[i % values.len()]).collect()
}

fn encrypt_level0(s: &mut Setup, values: &[f64]) -> Ciphertext<u64> {
    let enc = Encryptor::new(&s.ctx);
    let scale = s.boot.config().input_scale;
    let pt = enc.encode_real(&mut SoftwareNtt, values, scale, 0).unwrap();
    enc.encrypt_pk(&mut SoftwareNtt, &s.pk, &pt, &mut s.rng)
        .unwrap()
}

fn decrypt(s: &Setup, ct: &Ciphertext<u64>) -> Vec<(f64, f64)> {
    let enc = Encryptor::new(&s.ctx);
    let pt = enc.decrypt(&s.sk, ct).unwrap();
    enc.decode_complex(&mut SoftwareNtt, &pt).unwrap()
}

/// (mean, worst) bits of precision of `got` against `want` (real message,
/// so the imaginary parts must be zero too).
fn precision(got: &[(f64, f64)], want: &[f64]) -> (f64, f64) {
    let errs: Vec<f64> = got
        .iter()
        .zip(want)
        .map(|(&(re, im), &w)| (re - w).hypot(im).max(1e-300))
        .collect();
    let mean = errs.iter().map(|e| -e.log2()).sum::<f64>() / errs.len() as f64;
    let worst = errs.iter().map(|e| -e.log2()).fold(f64::INFINITY, f64::min);
    (mean, worst)
}

fn bootstrap_precision(preset: &BootPreset, seed: u64) -> (f64, f64, Ciphertext<u64>) {
    let mut s = setup(preset, seed);
    let slots = s.ctx.params().slots();
    let msg = uniform(s.boot.slots(), seed ^ 0x5eed);
    let full = tiled(&msg, slots);
    let ct = encrypt_level0(&mut s, &full);
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    let out = s.boot.bootstrap(&mut ev, &mut s.keys, &ct).unwrap();
    assert_eq!(out.level(), s.boot.output_level());
    assert_eq!(out.scale(), preset.boot.output_scale);
    let (mean, worst) = precision(&decrypt(&s, &out), &full);
    eprintln!("{}: {mean:.2} bits mean, {worst:.2} worst", preset.name);
    (mean, worst, out)
}

#[test]
fn full_slots_n10() {
    let (mean, worst, _) = bootstrap_precision(&presets::TOY_N10_FULL, 1);
    assert!(mean >= 24.0 && worst >= 19.0, "{mean} / {worst}");
}
