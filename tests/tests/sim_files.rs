//! Truncated, corrupted and mismatched model, data, key and ciphertext files
//! each give a clear error naming the file, never a panic.

use hearth_device::Engine;
use hearth_he::files;
use hearth_he::infer::run;
use hearth_he::{Packing, RunOptions};
use hearth_kernels::ckks::{Ciphertext, SeededCiphertext};
use hearth_nn::data::Dataset;
use hearth_nn::Error;
use hearth_nn::Mlp;
use std::path::{Path, PathBuf};

/// `name` in the test's temporary directory (removed when `dir` drops).
fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn bundled_model() -> Vec<u8> {
    hearth_nn::bundled::CASES[0].model.to_vec()
}

#[test]
fn model_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = bundled_model();
    let p = tmp(&dir, "m.safetensors");
    for cut in [0, 7, 8, 100, good.len() / 2, good.len() - 1] {
        std::fs::write(&p, &good[..cut]).unwrap();
        let e = Mlp::load(&p).unwrap_err();
        assert!(matches!(e, Error::Model { .. }), "{cut}: {e}");
        assert!(e.to_string().contains("m.safetensors"), "{e}");
    }
    // Corrupt the JSON header (a shape): a clear error, not a panic.
    let at = good.windows(7).position(|w| w == b"[16,30]").unwrap();
    let mut bad = good.clone();
    bad[at..at + 7].copy_from_slice(b"[16,31]");
    std::fs::write(&p, &bad).unwrap();
    assert!(Mlp::load(&p).is_err());
    let e = Mlp::load(tmp(&dir, "missing.safetensors")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
}

#[test]
fn data_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = tmp(&dir, "d.csv");
    std::fs::write(&p, "a,b,label\n1,2,0\n3,oops,1\n").unwrap();
    let e = Dataset::load(&p).unwrap_err().to_string();
    assert!(e.contains("d.csv:3") && e.contains("`b`"), "{e}");
    std::fs::write(&p, "a,b,label\n1,2,0\n3,4\n").unwrap();
    let e = Dataset::load(&p).unwrap_err().to_string();
    assert!(e.contains("d.csv:3"), "{e}");
    // Mismatch: the bundled breast-cancer model takes 30 features.
    std::fs::write(&p, "a,b,label\n1,2,0\n").unwrap();
    let data = Dataset::load(&p).unwrap();
    let mlp = Mlp::from_bytes("bc", &bundled_model()).unwrap();
    let o = RunOptions {
        engine: Engine::Soft,
        threads: 1,
        packing: Packing::Throughput,
        seed: Some(1),
        calibration: None,
    };
    let e = run(&mlp, "bc", &data, &o, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2 feature columns but the model takes 30"),
        "{e}"
    );
}

#[test]
fn key_and_ciphertext_files() {
    let dir = tempfile::tempdir().unwrap();
    let (kp, k2p, cp) = (tmp(&dir, "k.hsk"), tmp(&dir, "k2.hsk"), tmp(&dir, "c.hct"));
    let key = files::keygen(files::default_params(), Some(1)).unwrap();
    files::save_key(&key, &kp).unwrap();
    files::save_key(
        &files::keygen(files::default_params(), Some(2)).unwrap(),
        &k2p,
    )
    .unwrap();
    let data = Dataset::parse(Path::new("x.csv"), b"a,b\n1.5,-2\n3,4.25\n").unwrap();
    let ct = files::encrypt(&key, &kp, &data, Some(3)).unwrap();
    files::save_ciphertexts(&ct, &cp).unwrap();
    // Round trip.
    let f = files::load_ciphertexts(&cp).unwrap();
    let (names, rows) = files::decrypt(&files::load_key(&kp).unwrap(), &kp, &f, &cp).unwrap();
    assert_eq!(names, ["a", "b"]);
    for (r, e) in rows.iter().zip(&data.rows) {
        for (x, y) in r.iter().zip(e) {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
    }
    // Written compact (seeded: `c_1` as its seed), read in either format:
    // the same file with full ciphertexts decrypts to the same rows.
    let ctx = hearth_kernels::ckks::CkksContext::<u64>::new(
        files::selection(&key.params, &kp).unwrap().params,
    )
    .unwrap();
    let top = ctx.max_level();
    for b in &f.ciphertexts {
        assert_eq!(&b[..4], b"HCKS");
        assert_eq!(b.len(), SeededCiphertext::byte_len(&ctx, top));
    }
    let mut full = f.clone();
    for b in &mut full.ciphertexts {
        *b = Ciphertext::from_any_le_bytes(&ctx, b)
            .unwrap()
            .to_le_bytes(&ctx);
        assert_eq!(&b[..4], b"HCKT");
    }
    assert!(full.ciphertexts[0].len() > f.ciphertexts[0].len() * 17 / 10);
    let (_, again) = files::decrypt(&key, &kp, &full, &cp).unwrap();
    assert_eq!(again, rows);
    // Another key: refused by its id.
    let k2 = files::load_key(&k2p).unwrap();
    let e = files::decrypt(&k2, &k2p, &f, &cp).unwrap_err().to_string();
    assert!(e.contains("another key"), "{e}");
    // Truncated and corrupted files.
    let bytes = std::fs::read(&cp).unwrap();
    for cut in [0, 5, 19, 20, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&cp, &bytes[..cut]).unwrap();
        let e = files::load_ciphertexts(&cp).unwrap_err();
        assert!(
            matches!(e, hearth_he::Error::Container { .. }),
            "{cut}: {e}"
        );
    }
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n / 2] ^= 0x10;
    std::fs::write(&cp, &bad).unwrap();
    assert!(files::load_ciphertexts(&cp)
        .unwrap_err()
        .to_string()
        .contains("corrupted"));
    let kb = std::fs::read(&kp).unwrap();
    std::fs::write(&kp, &kb[..kb.len() - 3]).unwrap();
    assert!(files::load_key(&kp).is_err());
    // Seeded keys and ciphertexts are marked insecure in the file.
    assert!(files::load_key(&k2p).unwrap().insecure);
    // The wrong kind of file (private, so the kind is what is refused).
    std::fs::write(&cp, &bytes).unwrap();
    assert!(files::load_ciphertexts(&cp).unwrap().insecure);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cp, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let e = files::load_key(&cp).unwrap_err().to_string();
    assert!(e.contains("ciphertext file") && e.contains("c.hct"), "{e}");
    // A ciphertext whose inner bytes do not fit the parameters.
    let mut f2 = files::load_ciphertexts(&cp).unwrap();
    f2.ciphertexts[0].truncate(100);
    let e = files::decrypt(&key, &kp, &f2, &cp).unwrap_err().to_string();
    assert!(e.contains("ciphertext 0"), "{e}");
}
