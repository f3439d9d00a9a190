//! Tenants: one tenant's keys cannot decrypt or operate on another tenant's
//! ciphertexts; mixing is refused with a typed error, including after the
//! ciphertexts went through the PMEM store.

use crate::prod_common;

use hearth_kernels::ntt::SoftwareNtt;
use hearth_pmem::store::{ObjectStore, RecordKind};
use hearth_serve::tenant::{Tenant, TenantError};

#[test]
fn tenants_cannot_mix_ciphertexts() {
    let (mlp, rows) = prod_common::breast_cancer(4);
    let mut e = SoftwareNtt;
    let mut a = Tenant::new("alice", &mlp, &rows, Some(1), &mut e).unwrap();
    let b = Tenant::new("bob", &mlp, &rows, Some(2), &mut e).unwrap();
    assert_ne!(a.key, b.key);
    let cts = a.encrypt(&mut e, &mlp, &rows).unwrap();

    // Typed refusal.
    match b.check(&cts[0]) {
        Err(TenantError::KeyMismatch {
            tenant,
            expected,
            found,
        }) => {
            assert_eq!(tenant, "bob");
            assert_eq!((expected, found), (b.key.0, a.key.0));
        }
        other => panic!("expected a key mismatch, got {other:?}"),
    }
    let err = b.decrypt(&mut e, &cts[0]).unwrap_err().to_string();
    assert!(err.contains("refusing to mix tenants"), "{err}");
    let err = b
        .evaluate(&mut e, &mlp, cts.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains("refusing to mix tenants"), "{err}");

    // Why the refusal matters: decrypting with bob's secret key does not fail
    // by itself, it returns noise far from alice's values (so large that
    // decoding may overflow).
    let own = a.decrypt(&mut e, &cts[0]).unwrap();
    let x0 = mlp.standardised(&rows[0])[0];
    assert!((own[0] - x0).abs() < 1e-3, "alice decrypts her own value");
    if let Ok(raw) = b.session.decrypt(&mut e, &cts[0].ct) {
        assert!((raw[0] - x0).abs() > 1.0, "bob's key yields noise");
    }

    // Through the store: the key identifier travels with the ciphertext.
    let dir = std::env::temp_dir().join(format!("hearth-tenants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = ObjectStore::create(dir.join("s.pmem"), 8 << 20).unwrap();
    store
        .put("alice/ct/0", RecordKind::Ciphertext, &a.to_bytes(&cts[0]))
        .unwrap();
    let back = b.from_bytes(&store.get("alice/ct/0").unwrap()).unwrap();
    assert!(matches!(
        b.check(&back),
        Err(TenantError::KeyMismatch { .. })
    ));
    assert!(a.check(&back).is_ok());
    let out = a.evaluate(&mut e, &mlp, cts).unwrap();
    let logits = a.decrypt_logits(&mut e, &out, rows.len()).unwrap();
    for (row, l) in rows.iter().zip(&logits) {
        let want = mlp.forward(row);
        for (x, y) in l.iter().zip(&want) {
            assert!((x - y).abs() < 0.05 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parked_keys_evaluate_identically_and_foreign_or_corrupt_keys_are_refused() {
    use std::sync::{Arc, Mutex};
    let (mlp, rows) = prod_common::breast_cancer(4);
    let mut e = SoftwareNtt;
    let selection = Tenant::selection(&mlp, &rows).unwrap();
    let ctx = Arc::new(hearth_kernels::ckks::CkksContext::new(selection.params.clone()).unwrap());
    let new = |name: &str, seed| {
        Tenant::new_in(
            name,
            ctx.clone(),
            selection.clone(),
            Some(seed),
            &mut SoftwareNtt,
        )
        .unwrap()
    };
    // The same keys as a tenant with its own context.
    let mut resident = Tenant::new("carol", &mlp, &rows, Some(3), &mut e).unwrap();
    let mut carol = new("carol", 3);
    let mut dave = new("dave", 4);
    assert_eq!(carol.key, resident.key);

    let dir = std::env::temp_dir().join(format!("hearth-park-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(Mutex::new(
        ObjectStore::create(dir.join("keys.pmem"), 32 << 20).unwrap(),
    ));
    let bytes = carol.park(&store).unwrap();
    assert!(
        bytes > 1 << 20,
        "a relinearization key is megabytes: {bytes}"
    );
    assert!(carol.session.rk.is_none());
    dave.park(&store).unwrap();

    // Parked and resident keys give the same output ciphertexts.
    let cts = resident.encrypt(&mut e, &mlp, &rows).unwrap();
    let want: Vec<Vec<u8>> = resident
        .evaluate(&mut e, &mlp, cts.clone())
        .unwrap()
        .iter()
        .map(|c| resident.to_bytes(c))
        .collect();
    let got: Vec<Vec<u8>> = carol
        .evaluate(&mut e, &mlp, cts.clone())
        .unwrap()
        .iter()
        .map(|c| carol.to_bytes(c))
        .collect();
    assert_eq!(got, want);

    // Dave's key under carol's record: refused, not used.
    {
        let mut s = store.lock().unwrap();
        let foreign = s.get(&dave.relin_record()).unwrap();
        s.put(&carol.relin_record(), RecordKind::PublicKey, &foreign)
            .unwrap();
    }
    let err = carol
        .evaluate(&mut e, &mlp, cts.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains("refusing to mix tenants"), "{err}");

    // A truncated key record: a typed error naming the record.
    {
        let mut s = store.lock().unwrap();
        s.put(
            &carol.relin_record(),
            RecordKind::PublicKey,
            &carol.key.0.to_le_bytes()[..4],
        )
        .unwrap();
    }
    let err = carol
        .evaluate(&mut e, &mlp, cts.clone())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&carol.relin_record()), "{err}");
    assert!(carol.unpark_resident().is_err());

    // Missing: the store says so.
    store.lock().unwrap().remove(&carol.relin_record()).unwrap();
    assert!(carol.evaluate(&mut e, &mlp, cts).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
