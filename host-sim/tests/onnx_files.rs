//! The client/server file workflow with an ONNX model, as a user runs it:
//! `hearth keygen --model tiny.onnx`, `encrypt --model`, `evalkeys`,
//! `evaluate --model tiny.onnx` (the server, with public keys only),
//! `decrypt`; the decrypted logits against tract running the file.
//! `tiny.onnx` (dense 8→4, x², dense 4→3) is made by
//! `host-sim/tests/data/make_tiny_onnx.py`.

use hearth_nn::oracle::Oracle;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

/// Runs `hearth args…`; the output, or a panic with its standard error.
fn hearth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) {
    let out = hearth(args);
    assert!(
        out.status.success(),
        "hearth {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Six rows of eight values in [0, 1] with a label.
fn rows() -> Vec<Vec<f64>> {
    let mut s = 0x5eedu64;
    (0..6)
        .map(|_| {
            (0..8)
                .map(|_| {
                    s = s
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((s >> 40) as f64) / (1u64 << 24) as f64
                })
                .collect()
        })
        .collect()
}

fn csv(rows: &[Vec<f64>], columns: usize) -> String {
    let mut text: Vec<String> = (0..columns).map(|i| format!("f{i}")).collect();
    text.push("label".into());
    let mut out = text.join(",") + "\n";
    for r in rows {
        let mut cells: Vec<String> = r.iter().take(columns).map(|v| v.to_string()).collect();
        cells.push("0".into());
        out += &(cells.join(",") + "\n");
    }
    out
}

#[test]
fn onnx_model_through_keygen_encrypt_evaluate_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let model = fixture("tiny.onnx").display().to_string();
    let rows = rows();
    std::fs::write(p("data.csv"), csv(&rows, 8)).unwrap();
    ok(&[
        "keygen",
        "--out",
        &p("k.hsk"),
        "--seed",
        "1",
        "--model",
        &model,
        "--data",
        &p("data.csv"),
    ]);
    ok(&[
        "encrypt",
        "--key",
        &p("k.hsk"),
        "--data",
        &p("data.csv"),
        "--out",
        &p("in.hct"),
        "--seed",
        "2",
        "--model",
        &model,
    ]);
    ok(&["evalkeys", "--key", &p("k.hsk"), "--out", &p("ev.key")]);
    ok(&[
        "evaluate",
        "--model",
        &model,
        "--eval-keys",
        &p("ev.key"),
        "--in",
        &p("in.hct"),
        "--out",
        &p("out.hct"),
        "--allow-insecure-seeded",
    ]);
    ok(&[
        "decrypt",
        "--key",
        &p("k.hsk"),
        "--in",
        &p("out.hct"),
        "--out",
        &p("out.csv"),
    ]);
    let text = std::fs::read_to_string(p("out.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("logit0,logit1,logit2"));
    let oracle = Oracle::load(fixture("tiny.onnx"), &[8]).unwrap();
    let mut n = 0;
    for (line, x) in lines.zip(&rows) {
        let got: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        let want = oracle.run(x).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() < 1e-4 * w.abs().max(1.0),
                "{got:?} vs tract {want:?}"
            );
        }
        n += 1;
    }
    assert_eq!(n, rows.len());

    // Rows of the wrong width are refused before anything is encrypted,
    // naming the file and line; so is a server asked to run the model on
    // ciphertexts of another width.
    std::fs::write(p("narrow.csv"), csv(&rows, 7)).unwrap();
    let out = hearth(&[
        "encrypt",
        "--key",
        &p("k.hsk"),
        "--data",
        &p("narrow.csv"),
        "--out",
        &p("bad.hct"),
        "--seed",
        "3",
        "--model",
        &model,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("narrow.csv") && err.contains('7') && err.contains('8'),
        "{err}"
    );
    assert!(!dir.path().join("bad.hct").exists());
    ok(&[
        "encrypt",
        "--key",
        &p("k.hsk"),
        "--data",
        &p("narrow.csv"),
        "--out",
        &p("seven.hct"),
        "--seed",
        "3",
    ]);
    let out = hearth(&[
        "evaluate",
        "--model",
        &model,
        "--eval-keys",
        &p("ev.key"),
        "--in",
        &p("seven.hct"),
        "--out",
        &p("bad.hct"),
        "--allow-insecure-seeded",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("7 encrypted columns") && err.contains("8 features"),
        "{err}"
    );
}
