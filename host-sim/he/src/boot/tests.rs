//! The streamed bootstrap against the all-in-memory one (the kernels'
//! `MemoryKeySource`, an independent path), the message it started from
//! (precision), and bad key stores.

use std::path::PathBuf;

use hearth_device::{build, Engine};
use hearth_kernels::ckks::boot::presets::{self, BootPreset};
use hearth_kernels::ckks::boot::{BootMode, Bootstrapper, MemoryKeySource};
use hearth_kernels::ckks::{Ciphertext, CkksContext, Encryptor, Evaluator, PublicKey, SecretKey};
use hearth_kernels::ntt::SoftwareNtt;
use hearth_pmem::{ObjectStore, RecordKind};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::bench::{precision, preset_context, store_size};
use super::keys::{self, galois_record, relin_record};
use super::{bootstrap_streamed, generate_into_store, PmemKeySource};
use crate::Error;
use hearth_kernels::ckks::boot::uniform_message;

struct Setup {
    ctx: CkksContext<u64>,
    sk: SecretKey<u64>,
    boot: Bootstrapper<u64>,
    ct: Ciphertext<u64>,
    msg: Vec<f64>,
    key_rng: ChaCha20Rng,
}

fn setup(preset: &BootPreset, seed: u64) -> Setup {
    let ctx = preset_context(preset).unwrap();
    let e = &mut SoftwareNtt;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sk = SecretKey::generate_sparse(&ctx, e, preset.hamming_weight, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, e, &sk, &mut rng).unwrap();
    let boot = Bootstrapper::new(&ctx, e, preset.boot).unwrap();
    let values = uniform_message(boot.slots(), seed ^ 99);
    let slots = ctx.params().slots();
    let msg: Vec<f64> = (0..slots).map(|i| values[i % values.len()]).collect();
    let enc = Encryptor::new(&ctx);
    let pt = enc
        .encode_real(e, &msg, preset.boot.input_scale, 0)
        .unwrap();
    let ct = enc.encrypt_pk(e, &pk, &pt, &mut rng).unwrap();
    Setup {
        ctx,
        sk,
        boot,
        ct,
        msg,
        key_rng: ChaCha20Rng::seed_from_u64(seed + 1),
    }
}

struct TempStore(PathBuf);

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn store_with_keys(s: &Setup, tag: &str) -> (TempStore, ObjectStore) {
    let path = std::env::temp_dir().join(format!("hearth-boot-{tag}-{}.pmem", std::process::id()));
    let mut store = ObjectStore::create(&path, store_size(&s.ctx, &s.boot)).unwrap();
    let mut rng = s.key_rng.clone();
    let info = generate_into_store(
        &mut store,
        "boot",
        &s.ctx,
        &mut SoftwareNtt,
        &s.sk,
        &s.boot,
        &mut rng,
    )
    .unwrap();
    assert_eq!(info.galois_keys, s.boot.galois_elements().len());
    assert_eq!(info.records, keys::galois_uses(&s.boot).len() + 1);
    (TempStore(path), store)
}

fn in_memory(s: &Setup) -> Ciphertext<u64> {
    let mut rng = s.key_rng.clone();
    let mut keys =
        MemoryKeySource::generate(&s.ctx, &mut SoftwareNtt, &s.sk, &s.boot, &mut rng).unwrap();
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    s.boot.bootstrap(&mut ev, &mut keys, &s.ct).unwrap()
}

fn decrypt(s: &Setup, ct: &Ciphertext<u64>) -> Vec<(f64, f64)> {
    let enc = Encryptor::new(&s.ctx);
    let pt = enc.decrypt(&s.sk, ct).unwrap();
    enc.decode_complex(&mut SoftwareNtt, &pt).unwrap()
}

/// Full and sparse slots: the streamed bootstrap equals the in-memory one
/// byte for byte, is precise, reads at most 1.2× the key bytes its switches
/// use and keeps one Galois key resident.
#[test]
fn streamed_is_byte_identical_and_precise() {
    for (preset, tag) in [
        (presets::TOY_N10_FULL, "n10"),
        (presets::TOY_N11_SPARSE, "n11"),
    ] {
        let s = setup(&preset, 5);
        let want = in_memory(&s);
        let (_tmp, mut store) = store_with_keys(&s, tag);
        let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX).unwrap();
        let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
        let got = bootstrap_streamed(&s.boot, &mut ev, &mut src, &s.ct).unwrap();
        assert_eq!(got.to_le_bytes(&s.ctx), want.to_le_bytes(&s.ctx), "{tag}");
        let st = src.stats();
        assert!(st.bytes_read > 0 && st.key_bytes_used > 0);
        assert!(
            st.bytes_read as f64 <= 1.2 * st.key_bytes_used as f64,
            "{tag}: read {} for {} used",
            st.bytes_read,
            st.key_bytes_used
        );
        // The store's own counters agree that no more than that was read.
        assert!(src.pmem_stats().bytes_read >= st.bytes_read);
        let whole = keys::RecordHeader::expected(&s.ctx, 1, s.ctx.max_level()).record_bytes();
        assert!(st.peak_resident <= 3 * whole, "{tag}: {}", st.peak_resident);
        let (mean, worst) = precision(&decrypt(&s, &got), &s.msg);
        assert!(mean >= 20.0 && worst >= 14.0, "{tag}: {mean} / {worst}");
    }
}

/// Pair bootstraps streamed in the pair schedule ([`PmemKeySource::set_mode`])
/// equal the in-memory ones byte for byte, twice in a row (the schedule
/// wraps), with the split conjugation's key read from its own record.
#[test]
fn streamed_pairs_are_byte_identical() {
    let s = setup(&presets::TOY_N10_FULL, 13);
    let mut rng = s.key_rng.clone();
    let mut mem =
        MemoryKeySource::generate(&s.ctx, &mut SoftwareNtt, &s.sk, &s.boot, &mut rng).unwrap();
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    let b = ev.negate(&s.ct);
    let want = s.boot.bootstrap_pair(&mut ev, &mut mem, &s.ct, &b).unwrap();
    let (_tmp, mut store) = store_with_keys(&s, "pair");
    let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX).unwrap();
    src.set_mode(&s.boot, BootMode::Pair);
    for round in 0..2 {
        let got = s.boot.bootstrap_pair(&mut ev, &mut src, &s.ct, &b).unwrap();
        for (g, w) in [(&got.0, &want.0), (&got.1, &want.1)] {
            assert_eq!(
                g.to_le_bytes(&s.ctx),
                w.to_le_bytes(&s.ctx),
                "round {round}"
            );
        }
    }
    let negated: Vec<f64> = s.msg.iter().map(|v| -v).collect();
    for (ct, msg) in [(&want.0, &s.msg), (&want.1, &negated)] {
        let (mean, worst) = precision(&decrypt(&s, ct), msg);
        assert!(mean >= 20.0 && worst >= 14.0, "{mean} / {worst}");
    }
}

/// The simulated device computes the bootstrap's NTTs bit-exactly: the
/// same bytes as the software engine.
#[test]
fn sim_engine_gives_the_same_bytes() {
    let s = setup(&presets::TOY_N10_FULL, 9);
    let (_tmp, mut store) = store_with_keys(&s, "sim");
    let mut out = Vec::new();
    for kind in [Engine::Soft, Engine::Sim] {
        let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX).unwrap();
        let mut ev = Evaluator::new(&s.ctx, build(kind).unwrap());
        let ct = bootstrap_streamed(&s.boot, &mut ev, &mut src, &s.ct).unwrap();
        if kind == Engine::Sim {
            assert!(ev.engine().device_cycles() > 0);
        }
        out.push(ct.to_le_bytes(&s.ctx));
    }
    assert_eq!(out[0], out[1]);
}

/// On a pool of threads (NTTs and the kernels' limb-wise jobs spread over
/// them, every batch on the pool however small) the bootstrap gives the
/// same bytes as on one thread; `build_threaded` makes the pool engine for
/// the software engine only.
#[test]
fn threaded_engine_gives_the_same_bytes() {
    let s = setup(&presets::TOY_N10_FULL, 13);
    let (_tmp, mut store) = store_with_keys(&s, "threads");
    let mut out = Vec::new();
    for threads in [1, 3] {
        let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX).unwrap();
        let engine = if threads > 1 {
            let built = hearth_device::build_threaded(Engine::Soft, threads).unwrap();
            assert!(matches!(built, hearth_device::AnyEngine::Threaded(_)));
            let pool = hearth_device::ThreadedNtt::with_grain(threads, 0).unwrap();
            hearth_device::AnyEngine::Threaded(pool)
        } else {
            hearth_device::build_threaded(Engine::Soft, 1).unwrap()
        };
        let mut ev = Evaluator::new(&s.ctx, engine);
        let ct = bootstrap_streamed(&s.boot, &mut ev, &mut src, &s.ct).unwrap();
        out.push(ct.to_le_bytes(&s.ctx));
    }
    assert_eq!(out[0], out[1]);
    assert!(matches!(
        hearth_device::build_threaded(Engine::Sim, 2),
        Err(hearth_device::Error::ThreadsOnDevice { threads: 2, .. })
    ));
}

/// A budget below the working set is refused with the bytes needed; that
/// many bytes suffice.
#[test]
fn budget_too_small_says_what_is_needed() {
    let s = setup(&presets::TOY_N10_FULL, 11);
    let (_tmp, mut store) = store_with_keys(&s, "budget");
    let needed = match PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", 1 << 20) {
        Err(Error::MemBudget { needed, budget }) => {
            assert_eq!(budget, 1 << 20);
            needed
        }
        other => panic!("expected a budget error, got {other:?}"),
    };
    // Relinearization key + one whole Galois key + its record.
    let whole = keys::RecordHeader::expected(&s.ctx, 1, s.ctx.max_level()).record_bytes();
    assert!(
        needed > 2 * whole && needed < 4 * whole,
        "{needed} vs {whole}"
    );
    let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", needed).unwrap();
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    bootstrap_streamed(&s.boot, &mut ev, &mut src, &s.ct).unwrap();
    assert!(src.stats().peak_resident <= needed);
}

/// A missing record is named when the source opens; a record holding
/// another element's key, or a key of other parameters, is named when it is
/// read.
#[test]
fn missing_and_foreign_keys_are_named() {
    let s = setup(&presets::TOY_N10_FULL, 13);
    let (_tmp, mut store) = store_with_keys(&s, "bad");
    let uses = keys::galois_uses(&s.boot);
    let (e0, l0) = uses[0];
    let (e1, l1) = *uses.iter().find(|&&(e, l)| e != e0 && l == l0).unwrap();

    // Missing.
    let name = galois_record("boot", e0, l0);
    let saved = store.get(&name).unwrap();
    assert!(store.remove(&name).unwrap());
    match PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX) {
        Err(Error::KeyRecord { record, message }) => {
            assert_eq!(record, name);
            assert!(message.contains("missing"), "{message}");
        }
        other => panic!("expected a missing key, got {other:?}"),
    }

    // Another element's key under this name.
    let other = store.get(&galois_record("boot", e1, l1)).unwrap();
    store.put(&name, RecordKind::Blob, &other).unwrap();
    let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX).unwrap();
    let mut ev = Evaluator::new(&s.ctx, SoftwareNtt);
    match bootstrap_streamed(&s.boot, &mut ev, &mut src, &s.ct) {
        Err(Error::KeyRecord { record, message }) => {
            assert_eq!(record, name);
            assert!(message.contains(&format!("element {e1}")), "{message}");
        }
        other => panic!("expected a foreign key, got {other:?}"),
    }

    // A key of other parameters: same length, another fingerprint.
    let mut foreign = saved;
    foreign[30] ^= 1;
    store.put(&name, RecordKind::Blob, &foreign).unwrap();
    let mut src = PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX).unwrap();
    match bootstrap_streamed(&s.boot, &mut ev, &mut src, &s.ct) {
        Err(Error::KeyRecord { record, message }) => {
            assert_eq!(record, name);
            assert!(message.contains("foreign"), "{message}");
        }
        other => panic!("expected a foreign key, got {other:?}"),
    }

    // The relinearization key missing.
    let rname = relin_record("boot", keys::relin_level(&s.boot));
    assert!(store.remove(&rname).unwrap());
    match PmemKeySource::open(&mut store, &s.ctx, &s.boot, "boot", u64::MAX) {
        Err(Error::KeyRecord { record, .. }) => assert_eq!(record, rname),
        other => panic!("expected a missing key, got {other:?}"),
    }
}
