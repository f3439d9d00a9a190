//! Bootstrapping against the plaintext it started from.
//!
//! A message of uniform values in [−1, 1] is encrypted at level 0 and
//! bootstrapped; the decryption is compared slot by slot with the original
//! message (the independent reference), and the bits of precision
//! `−log2 |error|`, mean and worst over the slots, are asserted against
//! stated thresholds.
//!
//! The digest of a seeded bootstrap at the smallest preset is a regression
//! known answer produced by this code on x86_64: every target must
//! reproduce it, since the bootstrap uses no platform floating point that
//! could differ (`ckks::boot` module docs). The riscv32imac firmware does,
//! under qemu (its bootstrap image, `cargo xtask firmware`).

use hearth_kernels::ckks::boot::presets::{self, BootPreset};
use hearth_kernels::ckks::boot::uniform_message;
use hearth_kernels::ckks::boot::{
    BootKeySource, BootMode, BootPhase, Bootstrapper, KeyUse, MemoryKeySource,
};
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksError, Encryptor, Evaluator, PublicKey, SecretKey,
};
use hearth_kernels::ckks::{GaloisKeys, KeySwitchKey, RelinKey};
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
    let msg = uniform_message(s.boot.slots(), seed ^ 0x5eed);
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
    assert!(mean >= 26.0 && worst >= 22.0, "{mean} / {worst}");
}

#[test]
fn sparse_slots_n11() {
    let (mean, worst, _) = bootstrap_precision(&presets::TOY_N11_SPARSE, 2);
    assert!(mean >= 26.0 && worst >= 22.0, "{mean} / {worst}");
}

#[test]
fn full_slots_n12_three_dft_levels() {
    let (mean, worst, _) = bootstrap_precision(&presets::TOY_N12_FULL, 3);
    assert!(mean >= 26.0 && worst >= 22.0, "{mean} / {worst}");
}

/// SHA-256 of the byte format of the bootstrapped ciphertext (seed 7).
/// `cargo xtask firmware` reads this constant by name from this file and
/// checks against it the digest of the same procedure
/// (`hearth_firmware::boot_kat`) on the host; the riscv32imac firmware's
/// digest under qemu must equal the host's.
const DIGEST_TOY_N10_SEED7: &str =
    "1b39e9d7f8cc19e51771043fc6ff748845fe1cf08eec6190a7462f845b9a6657";

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn committed_digest_toy_n10() {
    let (_, _, out) = bootstrap_precision(&presets::TOY_N10_FULL, 7);
    let ctx = CkksContext::<u64>::new(presets::TOY_N10_FULL.insecure_for_tests().unwrap()).unwrap();
    let d = hex(&out.digest(&ctx));
    println!("bootstrap digest {d}");
    assert_eq!(d, DIGEST_TOY_N10_SEED7);
}

/// Records every request, so the order can be checked against the schedule.
struct Recording<'a> {
    inner: &'a mut MemoryKeySource<u64>,
    galois: Vec<usize>,
    relin: usize,
}

impl BootKeySource<u64> for Recording<'_> {
    fn galois_key(&mut self, k: usize) -> Result<&KeySwitchKey<u64>, CkksError> {
        self.galois.push(k);
        self.inner.galois_key(k)
    }
    fn relin_key(&mut self) -> Result<&RelinKey<u64>, CkksError> {
        self.relin += 1;
        self.inner.relin_key()
    }
}

#[test]
fn keys_are_requested_in_schedule_order() {
    for preset in [presets::TOY_N10_FULL, presets::TOY_N11_SPARSE] {
        let mut s = setup(&preset, 11);
        let slots = s.ctx.params().slots();
        let msg = tiled(&uniform_message(s.boot.slots(), 3), slots);
        let ct = encrypt_level0(&mut s, &msg);
        let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
        let mut rec = Recording {
            inner: &mut s.keys,
            galois: Vec::new(),
            relin: 0,
        };
        s.boot.bootstrap(&mut ev, &mut rec, &ct).unwrap();
        let schedule: Vec<KeyUse> = s.boot.key_schedule();
        let want: Vec<usize> = schedule.iter().map(|u| u.galois_element).collect();
        assert_eq!(rec.galois, want, "{}", preset.name);
        assert_eq!(rec.relin, 1);
        // Phases in pipeline order; SubSum only for sparse slots.
        let sparse = s.boot.slots() < slots;
        assert_eq!(
            schedule.iter().any(|u| u.phase == BootPhase::SubSum),
            sparse
        );
        let conj = schedule
            .iter()
            .position(|u| u.phase == BootPhase::Conjugate)
            .unwrap();
        assert!(schedule[..conj]
            .iter()
            .all(|u| matches!(u.phase, BootPhase::SubSum | BootPhase::CoeffsToSlots(_))));
        assert!(schedule[conj + 1..]
            .iter()
            .all(|u| matches!(u.phase, BootPhase::SlotsToCoeffs(_))));
        // Levels never increase along the schedule.
        assert!(schedule.windows(2).all(|w| w[0].level >= w[1].level));
        // The distinct elements, in order of first use, are what was generated.
        let mut gen: Vec<usize> = s.keys.galois.elements().collect();
        let mut elts = s.boot.galois_elements();
        assert_eq!(elts.len(), gen.len());
        gen.sort_unstable();
        elts.sort_unstable();
        assert_eq!(gen, elts);
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let preset = presets::TOY_N10_FULL;
    let mut s = setup(&preset, 5);
    let msg = uniform_message(s.ctx.params().slots(), 9);
    let ct = encrypt_level0(&mut s, &msg);
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);

    // A scale too large for q_0 (the message would not leave room for I).
    let mut scaled = ct.clone();
    scaled.set_scale(ct.scale() * 65536.0);
    assert!(matches!(
        s.boot.bootstrap(&mut ev, &mut s.keys, &scaled),
        Err(CkksError::BootstrapScale { .. })
    ));

    // Wrong level: at (or above) the output level there is nothing to gain.
    let enc = Encryptor::new(&s.ctx);
    let lvl = s.boot.output_level();
    let pt = enc
        .encode_real(&mut SoftwareNtt, &msg, preset.boot.input_scale, lvl)
        .unwrap();
    let high = enc
        .encrypt_pk(&mut SoftwareNtt, &s.pk, &pt, &mut s.rng)
        .unwrap();
    assert_eq!(
        s.boot.bootstrap(&mut ev, &mut s.keys, &high).unwrap_err(),
        CkksError::BootstrapLevel {
            level: lvl,
            output_level: lvl
        }
    );

    // A missing rotation key is named.
    let elts = s.boot.galois_elements();
    let missing = elts[elts.len() / 2];
    let kept: Vec<usize> = elts.iter().copied().filter(|&e| e != missing).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut partial = MemoryKeySource {
        galois: GaloisKeys::generate(&s.ctx, &mut SoftwareNtt, &s.sk, &kept, &mut rng).unwrap(),
        relin: s.keys.relin.clone(),
    };
    assert_eq!(
        s.boot.bootstrap(&mut ev, &mut partial, &ct).unwrap_err(),
        CkksError::MissingGaloisKey {
            galois_element: missing
        }
    );

    // No relinearization key.
    let mut no_relin = MemoryKeySource {
        galois: s.keys.galois.clone(),
        relin: None,
    };
    assert_eq!(
        s.boot.bootstrap(&mut ev, &mut no_relin, &ct).unwrap_err(),
        CkksError::MissingRelinKey
    );
}

#[test]
fn presets_need_the_insecure_opt_in() {
    for p in [
        presets::TOY_N10_FULL,
        presets::TOY_N11_SPARSE,
        presets::TOY_N12_FULL,
    ] {
        assert_eq!(
            p.params().unwrap_err(),
            CkksError::InsecurePreset { preset: p.name }
        );
        assert!(p.insecure_for_tests().is_ok());
    }
    for p in [presets::N16_FULL, presets::N16_SPARSE] {
        assert!(p.log_qp() <= presets::MAX_LOG_QP_N16_H192, "{}", p.log_qp());
        let params = p.params().unwrap();
        assert!(params.is_secure());
        assert_eq!(params.degree(), 1 << 16);
    }
    // A chain above the sparse-secret bound is refused even when the
    // uniform-secret table would allow it.
    let mut big = presets::N16_FULL;
    big.user_levels += 3;
    assert!(matches!(big.params(), Err(CkksError::Insecure { .. })));
}

#[test]
fn invalid_shapes_are_refused() {
    let preset = presets::TOY_N10_FULL;
    let ctx = CkksContext::<u64>::new(preset.insecure_for_tests().unwrap()).unwrap();
    let mut too_deep = preset.boot;
    too_deep.eval_mod.double_angle += 4;
    assert!(matches!(
        Bootstrapper::new(&ctx, &mut SoftwareNtt, too_deep),
        Err(CkksError::InvalidParameters(_))
    ));
    let mut too_many_slots = preset.boot;
    too_many_slots.log_slots = 10;
    assert!(Bootstrapper::new(&ctx, &mut SoftwareNtt, too_many_slots).is_err());
}

#[test]
fn hoisted_rotations_rotate() {
    let preset = presets::TOY_N10_FULL;
    let mut s = setup(&preset, 13);
    let slots = s.ctx.params().slots();
    let msg = uniform_message(slots, 21);
    let enc = Encryptor::new(&s.ctx);
    let top = s.ctx.max_level();
    let pt = enc
        .encode_real(&mut SoftwareNtt, &msg, preset.boot.input_scale, top)
        .unwrap();
    let ct = enc
        .encrypt_pk(&mut SoftwareNtt, &s.pk, &pt, &mut s.rng)
        .unwrap();
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    let h = ev.hoist(&ct).unwrap();
    let n = s.ctx.degree();
    // Every rotation the bootstrapper has a key for, through one hoist.
    let elements = s.boot.galois_elements();
    let mut checked = 0;
    for step in 1..slots {
        let k = hearth_kernels::ckks::rotation_galois_element(n, step as i64);
        if !elements.contains(&k) {
            continue;
        }
        let key = s.keys.galois_key(k).unwrap().clone();
        let r = ev.apply_galois_hoisted(&h, k, &key).unwrap();
        let got = decrypt(&s, &r);
        let want: Vec<f64> = (0..slots).map(|i| msg[(i + step) % slots]).collect();
        let (mean, worst) = precision(&got, &want);
        assert!(worst >= 30.0, "step {step}: {mean} / {worst}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}

/// With a small message ratio the sine's own error dominates; the arcsine
/// correction removes it.
#[test]
fn arcsine_correction_at_a_small_ratio() {
    let mut plain = presets::TOY_N10_FULL;
    plain.boot.log_message_ratio = 5;
    let mut corrected = plain;
    corrected.boot.eval_mod.arcsine_degree = 5;
    let (without, _, _) = bootstrap_precision(&plain, 17);
    let (with, worst, _) = bootstrap_precision(&corrected, 17);
    assert!(with >= without + 4.0, "{with} vs {without}");
    assert!(with >= 24.0 && worst >= 20.0, "{with} / {worst}");
}

/// A source that holds one Galois key at a time, copied in from a backing
/// store on every request (as a PMEM streamer would): the bootstrap is
/// byte-identical with the all-in-memory one.
struct OneSlot<'a> {
    store: &'a MemoryKeySource<u64>,
    current: Option<KeySwitchKey<u64>>,
    loads: usize,
}

impl BootKeySource<u64> for OneSlot<'_> {
    fn galois_key(&mut self, k: usize) -> Result<&KeySwitchKey<u64>, CkksError> {
        let key = self
            .store
            .galois
            .get(k)
            .ok_or(CkksError::MissingGaloisKey { galois_element: k })?;
        self.loads += 1;
        Ok(self.current.insert(key.clone()))
    }
    fn relin_key(&mut self) -> Result<&RelinKey<u64>, CkksError> {
        self.store.relin.as_ref().ok_or(CkksError::MissingRelinKey)
    }
}

#[test]
fn one_key_at_a_time_is_byte_identical() {
    let preset = presets::TOY_N11_SPARSE;
    let mut s = setup(&preset, 23);
    let slots = s.ctx.params().slots();
    let msg = tiled(&uniform_message(s.boot.slots(), 4), slots);
    let ct = encrypt_level0(&mut s, &msg);
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    let in_memory = s.boot.bootstrap(&mut ev, &mut s.keys, &ct).unwrap();
    let mut one = OneSlot {
        store: &s.keys,
        current: None,
        loads: 0,
    };
    let streamed = s.boot.bootstrap(&mut ev, &mut one, &ct).unwrap();
    assert_eq!(one.loads, s.boot.key_schedule().len());
    assert_eq!(streamed.digest(&s.ctx), in_memory.digest(&s.ctx));
}

/// Two ciphertexts of real slots refreshed by one bootstrap: each comes
/// back with its own message (mean precision within two bits of a single
/// bootstrap's thresholds: the pair is read at half its size), at the
/// output level and scale; the keys are asked for in the pair schedule (the
/// single one and a last conjugation at the output level); a pair of one
/// ciphertext with itself gives it twice; a scale above half the largest
/// is refused.
#[test]
fn pair_bootstrap_refreshes_both_messages() {
    for (preset, full) in [
        (presets::TOY_N10_FULL, true),
        (presets::TOY_N11_SPARSE, false),
    ] {
        let mut s = setup(&preset, 31);
        let slots = s.ctx.params().slots();
        let a = tiled(&uniform_message(s.boot.slots(), 41), slots);
        let b = tiled(&uniform_message(s.boot.slots(), 43), slots);
        let (ca, cb) = (encrypt_level0(&mut s, &a), encrypt_level0(&mut s, &b));
        let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
        let mut rec = Recording {
            inner: &mut s.keys,
            galois: Vec::new(),
            relin: 0,
        };
        let (ra, rb) = s.boot.bootstrap_pair(&mut ev, &mut rec, &ca, &cb).unwrap();
        let schedule = s.boot.key_schedule_of(BootMode::Pair);
        let want: Vec<usize> = schedule.iter().map(|u| u.galois_element).collect();
        assert_eq!(rec.galois, want, "{}", preset.name);
        assert_eq!(rec.relin, 1);
        let single = s.boot.key_schedule();
        assert_eq!(schedule[..single.len()], single[..]);
        let last = schedule[single.len()];
        assert_eq!(schedule.len(), single.len() + 1);
        assert_eq!(last.phase, BootPhase::SplitPair);
        assert_eq!(last.level, s.boot.output_level());
        for (out, want, name) in [(&ra, &a, "a"), (&rb, &b, "b")] {
            assert_eq!(out.level(), s.boot.output_level());
            assert_eq!(out.scale(), preset.boot.output_scale);
            let (mean, worst) = precision(&decrypt(&s, out), want);
            eprintln!(
                "{} pair {name}: {mean:.2} bits mean, {worst:.2} worst",
                preset.name
            );
            assert!(mean >= 24.0 && worst >= 20.0, "{name}: {mean} / {worst}");
        }
        if full {
            let (x, y) = s
                .boot
                .bootstrap_pair(&mut ev, &mut s.keys, &ca, &ca)
                .unwrap();
            for out in [&x, &y] {
                let (mean, _) = precision(&decrypt(&s, out), &a);
                assert!(mean >= 24.0, "{mean}");
            }
            let mut big = ca.clone();
            big.set_scale(s.boot.max_input_scale() / 1.5);
            let mut big_b = cb.clone();
            big_b.set_scale(big.scale());
            assert!(matches!(
                s.boot.bootstrap_pair(&mut ev, &mut s.keys, &big, &big_b),
                Err(CkksError::BootstrapScale { .. })
            ));
            // Scales that differ cannot be added into one pair.
            assert!(s
                .boot
                .bootstrap_pair(&mut ev, &mut s.keys, &ca, &big_b)
                .is_err());
        }
    }
}

/// The bootstrapped ciphertext computes on: one multiplication at the
/// output level.
#[test]
fn bootstrapped_ciphertext_multiplies() {
    let preset = presets::TOY_N10_FULL;
    let mut s = setup(&preset, 29);
    let slots = s.ctx.params().slots();
    let msg = uniform_message(slots, 8);
    let ct = encrypt_level0(&mut s, &msg);
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    let fresh = s.boot.bootstrap(&mut ev, &mut s.keys, &ct).unwrap();
    assert!(fresh.level() >= 1);
    let rk = s.keys.relin.clone().unwrap();
    let sq = ev.square_relin(&fresh, &rk).unwrap();
    let sq = ev.rescale(&sq).unwrap();
    let want: Vec<f64> = msg.iter().map(|x| x * x).collect();
    let (mean, worst) = precision(&decrypt(&s, &sq), &want);
    assert!(mean >= 24.0 && worst >= 20.0, "{mean} / {worst}");
}
