//! Device faults (time-outs, error status, flipped output bits) injected into
//! the device model during an encrypted inference: the checked, retrying,
//! falling-back engine keeps the result bit-identical to the software
//! engine's, and reports every fallback.

use crate::prod_common;

use hearth_device::factory::{device_engine, reliability};
use hearth_kernels::ntt::SoftwareNtt;
use hearth_nn::model::argmax;
use hearth_serve::tenant::Tenant;

const SEED: u64 = 7;

fn run<E: hearth_kernels::ntt::NttEngine<u64>>(engine: &mut E, rows: &[Vec<f64>]) -> Vec<Vec<u8>> {
    let (mlp, _) = prod_common::breast_cancer(1);
    let mut t = Tenant::new("hospital", &mlp, rows, Some(SEED), engine).unwrap();
    let cts = t.encrypt(engine, &mlp, rows).unwrap();
    let out = t.evaluate(engine, &mlp, cts).unwrap();
    out.iter().map(|c| t.to_bytes(c)).collect()
}

#[test]
fn faulty_device_gives_the_software_result_and_counts_fallbacks() {
    let (mlp, rows) = prod_common::breast_cancer(24);
    let want = run(&mut SoftwareNtt, &rows);
    // 8 % of device jobs fault; no retries, so every fault must fall back.
    let (mut engine, dev) = device_engine(80_000, 11, 0, 1 << 18).unwrap();
    let got = run(&mut engine, &rows);
    let r = reliability(&mut engine);
    eprintln!(
        "prod_faults: {r:?}, device jobs completed {}",
        dev.activity().completed
    );
    assert!(r.faults_injected >= 3, "the run must see faults: {r:?}");
    // Every fault fails its job (flips caught by the check); with no
    // retries allowed, each one falls back.
    assert_eq!(r.fallbacks, r.faults_injected, "{r:?}");
    assert!(
        r.corrupt_detected >= 1,
        "flipped bits are caught by the sum check"
    );
    assert!(
        r.device_ok > r.fallbacks,
        "most jobs still run on the device"
    );
    assert_eq!(
        got, want,
        "ciphertexts bit-identical to the software engine's"
    );

    // And the decrypted predictions match the plaintext model.
    let mut soft = SoftwareNtt;
    let mut t = Tenant::new("hospital", &mlp, &rows, Some(SEED), &mut soft).unwrap();
    let outs: Vec<_> = got.iter().map(|b| t.from_bytes(b).unwrap()).collect();
    let logits = t.decrypt_logits(&mut soft, &outs, rows.len()).unwrap();
    for (row, l) in rows.iter().zip(&logits) {
        assert_eq!(argmax(l), mlp.predict(row));
    }
    let _ = t.encrypt(&mut soft, &mlp, &rows[..1]).unwrap();
}

#[test]
fn retries_absorb_transient_faults() {
    let (_, rows) = prod_common::breast_cancer(8);
    let want = run(&mut SoftwareNtt, &rows);
    let (mut engine, _) = device_engine(80_000, 5, 3, 1 << 18).unwrap();
    let got = run(&mut engine, &rows);
    let r = reliability(&mut engine);
    eprintln!("prod_faults (3 retries): {r:?}");
    // Each fault fails one attempt: retried, or fallen back after 3 retries.
    assert!(r.retries >= 1, "{r:?}");
    assert_eq!(r.retries + r.fallbacks, r.faults_injected, "{r:?}");
    assert!(
        got == want,
        "ciphertexts bit-identical to the software engine's"
    );
}

#[test]
fn fault_free_device_matches_software() {
    let (_, rows) = prod_common::breast_cancer(4);
    let want = run(&mut SoftwareNtt, &rows);
    let (mut engine, _) = device_engine(0, 5, 0, 1 << 18).unwrap();
    let got = run(&mut engine, &rows);
    let r = reliability(&mut engine);
    assert_eq!((r.fallbacks, r.faults_injected), (0, 0), "{r:?}");
    assert!(got == want, "device ciphertexts bit-identical to software");
}
