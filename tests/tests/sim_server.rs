//! The client/server file workflow: the client generates keys for a model,
//! encrypts its standardised rows and exports evaluation keys; the server
//! evaluates with those alone; the client decrypts logits equal to the
//! plaintext model's. Keys of another key set, a model of another shape, a
//! chain too short for the model and a corrupted key file are refused.

use hearth_he::container::{EvalKeyFile, ParamsDesc};
use hearth_he::files::{decrypt, encrypt, keygen};
use hearth_he::server::{
    evaluate, evaluation_keys, load_eval_keys, params_for_model, save_eval_keys, standardised,
};
use hearth_kernels::ntt::SoftwareNtt;
use hearth_nn::bundled::{CASES, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use hearth_nn::model::argmax;
use hearth_nn::Mlp;
use std::path::Path;

fn case(i: usize, rows: usize) -> (Mlp, Dataset) {
    let c = &CASES[i];
    let mlp = Mlp::from_bytes(Path::new(c.name), c.model).unwrap();
    let data = Dataset::parse(Path::new(c.name), c.csv).unwrap();
    let (_, test) = data.split(TEST_FRACTION, SPLIT_SEED).unwrap();
    let test = test.subset(&(0..rows.min(test.len())).collect::<Vec<_>>());
    (mlp, test)
}

fn round_trip(i: usize, rows: usize) {
    let (mlp, data) = case(i, rows);
    let params = params_for_model(&mlp, &data).unwrap();
    let key = keygen(params, Some(5)).unwrap();
    let kp = Path::new("client.key");
    let input = encrypt(&key, kp, &standardised(&mlp, &data).unwrap(), Some(6)).unwrap();
    let evk = evaluation_keys(&key, kp).unwrap();
    let out = evaluate(
        &evk,
        Path::new("ev.key"),
        &input,
        Path::new("in.ct"),
        &mlp,
        &mut SoftwareNtt,
    )
    .unwrap();
    assert_eq!((out.rows, out.columns.len()), (data.len(), mlp.outputs()));
    let (names, logits) = decrypt(&key, kp, &out, Path::new("out.ct")).unwrap();
    assert_eq!(names[0], "logit0");
    for (row, got) in data.rows.iter().zip(&logits) {
        let want = mlp.forward(row);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-3 * (1.0 + w.abs()), "{g} vs {w}");
        }
        assert_eq!(argmax(got), mlp.predict(row));
    }
}

#[test]
fn breast_cancer_evaluated_by_a_server_without_the_secret_key() {
    round_trip(0, 40);
}

#[test]
fn digits_evaluated_by_a_server_without_the_secret_key() {
    round_trip(1, 40);
}

#[test]
fn foreign_keys_wrong_model_short_chain_and_corrupt_files_are_refused() {
    let (mlp, data) = case(0, 8);
    let (digits, _) = case(1, 1);
    let kp = Path::new("client.key");
    let params = params_for_model(&mlp, &data).unwrap();
    let key = keygen(params.clone(), Some(1)).unwrap();
    let other = keygen(params, Some(2)).unwrap();
    let input = encrypt(&key, kp, &standardised(&mlp, &data).unwrap(), Some(3)).unwrap();
    let run = |evk: &EvalKeyFile, m: &Mlp| {
        evaluate(
            evk,
            Path::new("ev.key"),
            &input,
            Path::new("in.ct"),
            m,
            &mut SoftwareNtt,
        )
        .unwrap_err()
        .to_string()
    };

    let (foreign, own) = (
        evaluation_keys(&other, kp).unwrap(),
        evaluation_keys(&key, kp).unwrap(),
    );
    let e = run(&foreign, &mlp);
    assert!(e.contains("another key set"), "{e}");
    let e = run(&own, &digits);
    assert!(e.contains("model takes"), "{e}");

    let short = ParamsDesc {
        log_n: 13,
        chain_bits: vec![50, 39],
        special_bits: vec![50],
        scale_bits: 39,
    };
    let short_key = keygen(short, Some(1)).unwrap();
    let short_input = encrypt(&short_key, kp, &standardised(&mlp, &data).unwrap(), None).unwrap();
    let e = evaluate(
        &evaluation_keys(&short_key, kp).unwrap(),
        Path::new("ev.key"),
        &short_input,
        Path::new("in.ct"),
        &mlp,
        &mut SoftwareNtt,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("allow 1 rescales"), "{e}");

    let e = standardised(&digits, &data).unwrap_err().to_string();
    assert!(e.contains("model takes 64"), "{e}");

    let dir = std::env::temp_dir().join(format!("hearth-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ev.key");
    save_eval_keys(&evaluation_keys(&key, kp).unwrap(), &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    let e = load_eval_keys(&path).unwrap_err().to_string();
    assert!(e.contains("ev.key"), "{e}");
    bytes.truncate(mid);
    std::fs::write(&path, &bytes).unwrap();
    let e = load_eval_keys(&path).unwrap_err().to_string();
    assert!(e.contains("ev.key"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
