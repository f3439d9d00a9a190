//! Encrypted inference of the bundled models equals the plaintext model.
//!
//! Throughput packing runs the full held-out test splits (114 breast-cancer
//! and 359 digits samples); latency packing runs the first 6 test samples of
//! each (one ciphertext per sample is slow unoptimised); `hearth demo` runs
//! the full splits in release.

use hearth_device::Engine;
use hearth_he::infer::run;
use hearth_he::report::RunReport;
use hearth_he::{Packing, RunOptions};
use hearth_nn::bundled::{CASES, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use hearth_nn::{Activation, Mlp};
use std::path::Path;

fn case(i: usize) -> (Mlp, Dataset, Dataset) {
    let c = CASES[i];
    let mlp = Mlp::from_bytes(c.name, c.model).unwrap();
    let data = Dataset::parse(Path::new(c.name), c.csv).unwrap();
    let (train, test) = data.split(TEST_FRACTION, SPLIT_SEED).unwrap();
    (mlp, train, test)
}

fn opts(packing: Packing, train: &Dataset, seed: u64) -> RunOptions {
    RunOptions {
        engine: Engine::Soft,
        threads: 1,
        packing,
        seed: Some(seed),
        calibration: Some(train.rows.clone()),
    }
}

fn check(r: &RunReport, name: &str) {
    eprintln!(
        "{name}: {}/{} agree, largest logit difference {:.3e}, accuracy {:?} vs plaintext {:?}",
        r.agreeing, r.samples, r.max_logit_diff, r.accuracy, r.plain_accuracy
    );
    assert!(r.encrypted);
    assert!(r.agreement >= 0.995, "{name}: agreement {}", r.agreement);
    let (a, p) = (r.accuracy.unwrap(), r.plain_accuracy.unwrap());
    assert!((a - p).abs() <= 0.005, "{name}: accuracy {a} vs {p}");
    // The plaintext reference is computed independently in f64: compare.
    assert_eq!(r.predictions.len(), r.samples);
}

#[test]
fn throughput_packing_matches_plaintext_on_full_test_splits() {
    for (i, c) in CASES.iter().enumerate() {
        let (mlp, train, test) = case(i);
        let r = run(
            &mlp,
            c.name,
            &test,
            &opts(Packing::Throughput, &train, 1),
            &mut |_| {},
        )
        .unwrap();
        check(&r, c.name);
        assert!(r.max_logit_diff < 1e-3, "{}", r.max_logit_diff);
    }
}

#[test]
fn latency_packing_matches_plaintext_on_a_subset() {
    for (i, c) in CASES.iter().enumerate() {
        let (mlp, train, test) = case(i);
        let sub = test.subset(&(0..6).collect::<Vec<_>>());
        let r = run(
            &mlp,
            c.name,
            &sub,
            &opts(Packing::Latency, &train, 2),
            &mut |_| {},
        )
        .unwrap();
        check(&r, c.name);
        assert!(r.max_logit_diff < 1e-3, "{}", r.max_logit_diff);
    }
}

#[test]
fn seeded_runs_give_identical_ciphertexts_and_other_seeds_do_not() {
    let (mlp, train, test) = case(0);
    let sub = test.subset(&(0..20).collect::<Vec<_>>());
    let a = run(
        &mlp,
        "bc",
        &sub,
        &opts(Packing::Throughput, &train, 7),
        &mut |_| {},
    )
    .unwrap();
    let b = run(
        &mlp,
        "bc",
        &sub,
        &opts(Packing::Throughput, &train, 7),
        &mut |_| {},
    )
    .unwrap();
    let c = run(
        &mlp,
        "bc",
        &sub,
        &opts(Packing::Throughput, &train, 8),
        &mut |_| {},
    )
    .unwrap();
    assert!(a.ciphertext_sha256.is_some());
    assert_eq!(a.ciphertext_sha256, b.ciphertext_sha256);
    assert_ne!(a.ciphertext_sha256, c.ciphertext_sha256);
}

#[test]
fn cubic_and_affine_activations_run_encrypted() {
    let (_, train, test) = case(0);
    for act in ["[0.0, 0.5, 0.1, 0.01]", "[0.25, 1.0, 0.125]"] {
        let cfg = hearth_nn::train::TrainConfig {
            hidden: vec![8],
            activation: Activation::parse(act).unwrap(),
            epochs: 10,
            ..Default::default()
        };
        let mlp = hearth_nn::train::train(&train, &cfg).unwrap();
        let sub = test.subset(&(0..40).collect::<Vec<_>>());
        let r = run(
            &mlp,
            act,
            &sub,
            &opts(Packing::Throughput, &train, 3),
            &mut |_| {},
        )
        .unwrap();
        check(&r, act);
        let sub = test.subset(&(0..2).collect::<Vec<_>>());
        let r = run(
            &mlp,
            act,
            &sub,
            &opts(Packing::Latency, &train, 3),
            &mut |_| {},
        )
        .unwrap();
        check(&r, act);
    }
}

#[test]
fn values_the_parameters_cannot_hold_are_refused() {
    let (mut mlp, train, test) = case(0);
    for w in &mut mlp.layers[1].weight {
        *w *= 1e12;
    }
    let e = run(
        &mlp,
        "huge",
        &test,
        &opts(Packing::Throughput, &train, 1),
        &mut |_| {},
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("no 128-bit-secure CKKS parameters"), "{msg}");
}

#[test]
fn soft_and_sim_engines_give_identical_ciphertexts() {
    let (mlp, train, test) = case(0);
    let sub = test.subset(&(0..10).collect::<Vec<_>>());
    for packing in [Packing::Throughput, Packing::Latency] {
        let mut o = opts(packing, &train, 11);
        let soft = run(&mlp, "bc", &sub, &o, &mut |_| {}).unwrap();
        o.engine = Engine::Sim;
        let sim = run(&mlp, "bc", &sub, &o, &mut |_| {}).unwrap();
        assert_eq!(soft.ciphertext_sha256, sim.ciphertext_sha256, "{packing:?}");
        assert_eq!(soft.predictions, sim.predictions);
        assert_eq!(soft.ntts, sim.ntts);
        assert!(sim.device_cycles > 0 && soft.device_cycles == 0);
    }
    // Without the `rtl` feature the RTL engine is a clear error that says how
    // to build it; with it, `sim_rtl_engine.rs` checks rtl = soft = sim.
    #[cfg(not(feature = "rtl"))]
    {
        let mut o = opts(Packing::Throughput, &train, 11);
        o.engine = Engine::Rtl;
        let e = run(&mlp, "bc", &sub, &o, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("--features rtl"), "{e}");
    }
}
