//! Serving several tenants at once: every tenant's encrypted predictions
//! equal the plaintext model's, through the device scheduler (the default)
//! and in software, concurrently and in the sequential baseline.

use crate::prod_common;

use hearth_serve::bench::{serve, EngineKind, ServeOptions};

#[test]
fn three_tenants_served_through_the_device_scheduler_agree_with_plaintext() {
    let (mlp, rows) = prod_common::breast_cancer(3);
    let opts = ServeOptions {
        threads: 4,
        ..ServeOptions::default()
    };
    assert_eq!(opts.engine, EngineKind::Device, "the device is the default");
    let f = serve(&mlp, &rows, 3, &opts).unwrap();
    assert_eq!((f.models, f.rows_per_model, f.threads), (3, 3, 4));
    // By default the tenants' relinearization keys live in the PMEM store.
    assert!(
        f.keys_in_pmem && f.parked_key_bytes > 3 << 20,
        "{}",
        f.parked_key_bytes
    );
    assert_eq!(f.disagreements, 0);
    assert!(f.concurrent_throughput > 0.0 && f.sequential_seconds > 0.0);
    let d = f.device.expect("the scheduler's figures");
    let s = f
        .sequential_device
        .expect("the sequential device run's figures");
    // Every tenant ran the same network on as many rows: the same jobs.
    assert_eq!(d.tenant_jobs.0, d.tenant_jobs.1, "{d:?}");
    // One model served 3 times sends the jobs of 3 tenants.
    assert_eq!(s.batches, 3 * d.tenant_jobs.0, "{s:?} vs {d:?}");
    assert!(d.device_cycles > 0 && d.device_jobs >= d.batches);
    assert_eq!(d.reliability.fallbacks, 0);
    assert_eq!(
        d.reliability.device_ok, d.batches,
        "one sub-batch per batch"
    );
}

#[test]
fn three_tenants_served_in_software_agree_with_plaintext() {
    let (mlp, rows) = prod_common::breast_cancer(3);
    let opts = ServeOptions {
        engine: EngineKind::Soft,
        threads: 2,
        ..ServeOptions::default()
    };
    let f = serve(&mlp, &rows, 3, &opts).unwrap();
    assert_eq!(f.disagreements, 0);
    assert!(f.device.is_none() && f.sequential_device.is_none());
    assert!(f.sequential_ntt_share > 0.0 && f.sequential_ntt_share < 1.0);
}
