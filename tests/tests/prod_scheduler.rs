//! The device scheduler: many tenants' NTTs on one device thread give
//! exactly the software engine's ciphertexts, with and without injected
//! device faults; refusals and a stopped device thread are typed errors,
//! never a panic or a hang.

use crate::prod_common;

use hearth_hal::pipeline::Direction;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::{NttEngine, OwnedNttPlan, SoftwareNtt};
use hearth_nn::model::argmax;
use hearth_serve::bench::{pool, run_all};
use hearth_serve::scheduler::{
    DeviceScheduler, SchedulerConfig, SchedulerReport, DEVICE_GONE, PSI_MISMATCH,
};
use hearth_serve::tenant::{Tenant, TenantCt};

const TENANTS: usize = 4;

/// Per tenant: output ciphertext bytes and decrypted logits.
type Served = Vec<(Vec<Vec<u8>>, Vec<Vec<f64>>)>;

/// Output ciphertext bytes and logits of `TENANTS` tenants (seeds 0..), the
/// NTTs through `engine_for`.
fn serve_all<E: NttEngine<u64>>(
    rows: &[Vec<f64>],
    engine_for: impl Fn(usize) -> E + Sync,
) -> Served {
    let (mlp, _) = prod_common::breast_cancer(1);
    let mut tenants: Vec<Tenant> = (0..TENANTS)
        .map(|i| {
            Tenant::new(
                &format!("t{i}"),
                &mlp,
                rows,
                Some(i as u64),
                &mut SoftwareNtt,
            )
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let finish = |t: &Tenant, e: &mut E, out: Vec<TenantCt>| {
        let bytes = out.iter().map(|c| t.to_bytes(c)).collect();
        Ok((bytes, t.decrypt_logits(e, &out, rows.len())?))
    };
    run_all(
        &pool(TENANTS).unwrap(),
        &mut tenants,
        &mlp,
        rows,
        engine_for,
        finish,
    )
    .unwrap()
}

fn through_scheduler(rows: &[Vec<f64>], config: SchedulerConfig) -> (Served, SchedulerReport) {
    let sched = DeviceScheduler::spawn(config).unwrap();
    let out = serve_all(rows, |i| sched.client(i as u32));
    (out, sched.finish().unwrap())
}

#[test]
fn scheduled_tenants_get_the_software_ciphertexts_and_the_plaintext_predictions() {
    let (mlp, rows) = prod_common::breast_cancer(4);
    let want = serve_all(&rows, |_| SoftwareNtt);
    let (got, report) = through_scheduler(&rows, SchedulerConfig::default());
    eprintln!(
        "prod_scheduler: {} batches, {:.1} limbs/batch, up to {} tenants/batch, {} device cycles",
        report.batches,
        report.mean_batch_limbs(),
        report.max_batch_tenants,
        report.device_cycles
    );
    for (i, ((g, logits), (w, _))) in got.iter().zip(&want).enumerate() {
        assert!(
            g == w,
            "tenant {i}: ciphertexts differ from the software engine's"
        );
        for (row, l) in rows.iter().zip(logits) {
            assert_eq!(argmax(l), mlp.predict(row), "tenant {i}");
        }
    }
    assert_eq!(report.tenants.len(), TENANTS);
    let jobs: Vec<u64> = report.tenants.values().map(|s| s.jobs).collect();
    assert!(jobs.iter().all(|&j| j == jobs[0] && j > 0), "{jobs:?}");
    assert_eq!(report.reliability.fallbacks, 0);
    assert_eq!(report.refused, 0);
    assert!(report.device_cycles > 0);
}

#[test]
fn injected_faults_are_retried_or_fall_back_and_results_stay_exact() {
    let (_, rows) = prod_common::breast_cancer(2);
    let want = serve_all(&rows, |_| SoftwareNtt);
    let config = SchedulerConfig {
        faults_per_million: 100_000,
        seed: 3,
        retries: 1,
        ..SchedulerConfig::default()
    };
    let (got, report) = through_scheduler(&rows, config);
    let r = report.reliability;
    eprintln!("prod_scheduler (10 % faults, 1 retry): {r:?}");
    assert!(r.faults_injected >= 3, "the run must see faults: {r:?}");
    // Each fault fails one device attempt: it is retried, or falls back
    // when the retry faults too.
    assert_eq!(r.retries + r.fallbacks, r.faults_injected, "{r:?}");
    assert!(r.retries >= 1, "{r:?}");
    for (i, ((g, _), (w, _))) in got.iter().zip(&want).enumerate() {
        assert!(
            g == w,
            "tenant {i}: ciphertexts differ from the software engine's"
        );
    }
}

fn plan() -> OwnedNttPlan<u64> {
    // 12289 = 12·1024 + 1: NTT-friendly for N = 1024.
    OwnedNttPlan::<u64>::new(12289, 1024).unwrap()
}

#[test]
fn a_stopped_device_thread_is_an_error_not_a_hang() {
    let p = plan();
    let sched = DeviceScheduler::spawn(SchedulerConfig::default()).unwrap();
    let mut client = sched.client(7);
    let mut a: Vec<u64> = (0..1024u64).collect();
    let mut b = a.clone();
    client.forward(&[&p], &mut a).unwrap();
    SoftwareNtt.forward(&[&p], &mut b).unwrap();
    assert_eq!(a, b, "served before the stop");
    let report = sched.finish().unwrap();
    assert_eq!(report.tenants[&7].jobs, 1);
    let gone = hearth_kernels::Error::Engine {
        kind: EngineFailure::Bus,
        code: DEVICE_GONE,
    };
    assert_eq!(client.forward(&[&p], &mut a), Err(gone));
    assert_eq!(client.inverse(&[&p], &mut a), Err(gone));

    // Dropping the scheduler stops the thread too.
    let sched = DeviceScheduler::spawn(SchedulerConfig::default()).unwrap();
    let mut client = sched.client(1);
    drop(sched);
    assert_eq!(client.forward(&[&p], &mut a), Err(gone));
}

#[test]
fn a_limb_with_another_psi_is_refused_and_the_device_keeps_serving() {
    let p = plan();
    let sched = DeviceScheduler::spawn(SchedulerConfig::default()).unwrap();
    let client = sched.client(0);
    // ψ^3 is also a primitive 2N-th root, but not the smallest one.
    let psi3 = (u128::from(p.psi()).pow(3) % 12289) as u64;
    let refused = client.submit(Direction::Forward, 1024, vec![(12289, psi3)], vec![1; 1024]);
    assert_eq!(
        refused,
        Err(hearth_kernels::Error::Engine {
            kind: EngineFailure::Unsupported,
            code: PSI_MISMATCH
        })
    );
    let short = client.submit(
        Direction::Forward,
        1024,
        vec![(12289, p.psi())],
        vec![1; 1000],
    );
    assert!(matches!(
        short,
        Err(hearth_kernels::Error::LengthMismatch { .. })
    ));
    let mut want = vec![1u64; 1024];
    SoftwareNtt.forward(&[&p], &mut want).unwrap();
    let ok = client.submit(
        Direction::Forward,
        1024,
        vec![(12289, p.psi())],
        vec![1; 1024],
    );
    assert_eq!(ok, Ok(want));
    let report = sched.finish().unwrap();
    assert_eq!(report.refused, 2);
    assert_eq!(report.batches, 1);
}
