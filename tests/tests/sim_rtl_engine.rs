//! `--engine rtl` (feature `rtl`: the Verilated RTL of `fpga/rtl`) against
//! `soft` and `sim`: a seeded encrypted inference gives the same output
//! ciphertexts byte for byte on all three engines, and the RTL's own cycle
//! counters equal the device model's cycle count, in total over a run and
//! job by job over batches of NTTs.
//!
//! Run by `cargo xtask test` as
//! `cargo test -p hearth-tests --features rtl --test sim_rtl_engine`.
#![cfg(feature = "rtl")]

use hearth_device::engine::SIM_WORD_BITS;
use hearth_device::Engine;
use hearth_device::{Params, SimDelay, SimDevice, SIM_LANES};
use hearth_hal::engine::PipelineEngine;
use hearth_hal::NttEngine;
use hearth_he::infer::run;
use hearth_he::{Packing, RunOptions};
use hearth_kernels::arith::prime::ntt_primes;
use hearth_kernels::ntt::{OwnedNttPlan, SoftwareNtt};
use hearth_nn::bundled::{CASES, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use hearth_nn::Mlp;
use std::path::Path;

#[test]
fn seeded_inference_is_identical_on_soft_sim_and_rtl() {
    // CASES[0] is breast_cancer: throughput packing, the cheapest model.
    let c = CASES[0];
    let mlp = Mlp::from_bytes(c.name, c.model).unwrap();
    let data = Dataset::parse(Path::new(c.name), c.csv).unwrap();
    let (train, test) = data.split(TEST_FRACTION, SPLIT_SEED).unwrap();
    let sub = test.subset(&(0..4).collect::<Vec<_>>());
    let go = |engine| {
        let opts = RunOptions {
            engine,
            threads: 1,
            packing: Packing::Throughput,
            seed: Some(11),
            calibration: Some(train.rows.clone()),
        };
        run(&mlp, c.name, &sub, &opts, &mut |_| {}).unwrap()
    };
    let (soft, sim, rtl) = (go(Engine::Soft), go(Engine::Sim), go(Engine::Rtl));
    eprintln!(
        "{} NTTs; device cycles: sim {}, rtl {}",
        rtl.ntts, sim.device_cycles, rtl.device_cycles
    );
    assert!(soft.ciphertext_sha256.is_some());
    assert_eq!(sim.ciphertext_sha256, soft.ciphertext_sha256);
    assert_eq!(rtl.ciphertext_sha256, soft.ciphertext_sha256);
    assert_eq!(rtl.predictions, soft.predictions);
    assert_eq!((sim.ntts, rtl.ntts), (soft.ntts, soft.ntts));
    assert_eq!((soft.device_cycles, rtl.engine.as_str()), (0, "rtl"));
    assert!(rtl.device_cycles > 0);
    assert_eq!(rtl.device_cycles, sim.device_cycles);
}

/// Deterministic residues below each limb's modulus (SplitMix64).
fn limbs(plans: &[&OwnedNttPlan<u64>], seed: u64) -> Vec<u64> {
    let mut s = seed;
    let mut out = Vec::new();
    for p in plans {
        for _ in 0..p.degree() {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            out.push((z ^ (z >> 31)) % p.modulus().value());
        }
    }
    out
}

#[test]
fn rtl_cycle_counters_equal_the_device_model_job_by_job() {
    let (rtl_driver, mut tally) = hearth_device::rtl::probe(SIM_WORD_BITS, SIM_LANES).unwrap();
    let mut rtl = PipelineEngine::new(rtl_driver);
    let dev = SimDevice::new(Params::new(SIM_WORD_BITS, SIM_LANES));
    let sim_driver = hearth_hal::Pipeline::probe(
        dev.clone(),
        dev.clone(),
        SimDelay::default(),
        hearth_hal::Config::default(),
    )
    .unwrap();
    let mut sim = PipelineEngine::new(sim_driver);
    // Batch shapes a CKKS run uses: one limb, several primes, a repeated
    // prime, at N = 2^10 and 2^13 (the inference's ring degree).
    for (log_n, batch) in [(10, 1), (10, 3), (13, 1), (13, 4)] {
        let n = 1usize << log_n;
        let mut qs = vec![0u64; 3];
        ntt_primes(50, n, &mut qs).unwrap();
        let owned: Vec<OwnedNttPlan<u64>> = qs
            .iter()
            .map(|&q| OwnedNttPlan::new(q, n).unwrap())
            .collect();
        let plans: Vec<&OwnedNttPlan<u64>> = (0..batch).map(|i| &owned[i % 3]).collect();
        let input = limbs(&plans, n as u64 + batch as u64);
        let mut want = input.clone();
        SoftwareNtt.forward(&plans, &mut want).unwrap();
        for dir in ["forward", "inverse"] {
            let (before_rtl, before_sim) = (tally.tally(), dev.activity());
            let (mut a, mut b) = (input.clone(), input.clone());
            if dir == "forward" {
                rtl.forward(&plans, &mut a).unwrap();
                sim.forward(&plans, &mut b).unwrap();
                assert_eq!(a, want, "rtl forward N=2^{log_n} batch {batch}");
            } else {
                a.clone_from(&want);
                b.clone_from(&want);
                rtl.inverse(&plans, &mut a).unwrap();
                sim.inverse(&plans, &mut b).unwrap();
                assert_eq!(a, input, "rtl inverse N=2^{log_n} batch {batch}");
            }
            assert_eq!(a, b, "{dir} N=2^{log_n} batch {batch}");
            let (after_rtl, after_sim) = (tally.tally(), dev.activity());
            let jobs = after_rtl.jobs - before_rtl.jobs;
            assert_eq!(jobs, after_sim.starts - before_sim.starts);
            assert!(jobs >= 1);
            assert_eq!(
                after_rtl.cycles - before_rtl.cycles,
                after_sim.cycles - before_sim.cycles,
                "{dir} N=2^{log_n} batch {batch}: RTL vs device-model cycles"
            );
        }
    }
}
