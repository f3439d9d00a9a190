//! `hearth infer` of an ONNX model, as a user runs it: the bundled
//! `mnist_a` on MNIST test images, encrypted in both packings, compared
//! with tract.

use std::path::Path;
use std::process::Command;

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(p)
        .display()
        .to_string()
}

/// `hearth infer --json` of `mnist_a` on the first `limit` test images
/// in `packing` (software engine, seeded) with `extra` flags: the
/// process's output and, when it succeeded, its report.
fn infer_mnist_a(
    packing: &str,
    limit: usize,
    seed: u64,
    extra: &[&str],
) -> (std::process::Output, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "infer",
            "--model",
            &repo("host-sim/models/mnist_a.onnx"),
            "--data",
            &repo("host-sim/data/mnist_test.csv.gz"),
            "--limit",
            &limit.to_string(),
            "--engine",
            "soft",
            "--packing",
            packing,
            "--seed",
            &seed.to_string(),
            "--json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let r = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out, r)
}

/// Both packings: 24 images in one throughput batch, 6 images one
/// ciphertext each (hybrid diagonals, rotation keys).
#[test]
fn onnx_model_runs_encrypted_and_agrees_with_tract() {
    for (packing, limit) in [("throughput", 24), ("latency", 6)] {
        let (out, r) = infer_mnist_a(packing, limit, 7, &[]);
        assert!(
            out.status.success(),
            "{packing}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(r["samples"], limit);
        assert_eq!(r["packing"], packing);
        assert_eq!(r["encrypted"], true);
        assert_eq!(r["agreeing"], limit, "{r}");
        let preds = r["predictions"].as_array().unwrap();
        let plain = r["plain_predictions"].as_array().unwrap();
        assert_eq!(preds, plain);
        assert!(r["max_logit_diff"].as_f64().unwrap() < 1e-2, "{r}");
        assert!(r["parameters"].as_str().unwrap().starts_with("N=2^"));
        // The client's uploads, in the compact seeded format.
        let up = r["upload_bytes"].as_u64().unwrap();
        let per = r["upload_bytes_per_sample"].as_f64().unwrap();
        assert!(up > 0, "{r}");
        assert_eq!(per * limit as f64, up as f64, "{r}");
        if packing == "latency" {
            // One ciphertext per image, below TenSEAL's 477 KB.
            assert!(per < 477e3, "{per} bytes uploaded per image");
        }
    }
}

#[test]
fn relu_option_is_refused_for_safetensors_models() {
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "infer",
            "--model",
            &repo("host-sim/models/digits.safetensors"),
            "--data",
            &repo("host-sim/data/digits.csv"),
            "--relu",
            "poly:4",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("apply to ONNX models"), "{err}");
}

/// The deep network (13 levels) in the latency packing on the insecure
/// `toy-n12-deep` chain of six user levels, its bootstrapping keys streamed
/// from a PMEM store under 64 MiB: refreshed by the bootstraps the compiler
/// places, its predictions are tract's. Without the explicit opt-in the
/// insecure preset is refused.
#[test]
fn deep_onnx_model_runs_refreshed_by_bootstrapping() {
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args([
                "infer",
                "--model",
                &repo("host-sim/models/mnist_d.onnx"),
                "--data",
                &repo("host-sim/data/mnist_test.csv.gz"),
                "--limit",
                "4",
                "--engine",
                "soft",
                "--packing",
                "latency",
                "--seed",
                "9",
                "--json",
                "--bootstrap",
                "toy-n12-deep",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = run(&[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("toy-n12-deep") && err.contains("nsecure"),
        "{err}"
    );
    let out = run(&["--insecure-preset", "--boot-key-budget", "64"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["samples"], 4);
    assert_eq!(r["agreeing"], 4, "{r}");
    assert_eq!(r["predictions"], r["plain_predictions"]);
    assert!(r["max_logit_diff"].as_f64().unwrap() < 1e-2, "{r}");
    assert!(
        r["parameters"].as_str().unwrap().contains("toy-n12-deep"),
        "{r}"
    );
}

/// `--stream-budget`: the rotation keys and diagonals streamed from PMEM
/// give the run with them in memory, ciphertext for ciphertext, and the
/// report counts what was streamed; the throughput packing, a budget below
/// the working set and an MLP model are refused with what to do.
#[test]
fn streamed_latency_run_equals_the_in_memory_run() {
    let (out, memory) = infer_mnist_a("latency", 3, 11, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(memory["streamed"].is_null(), "{memory}");
    let (out, streamed) = infer_mnist_a("latency", 3, 11, &["--stream-budget", "256"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(memory["ciphertext_sha256"], streamed["ciphertext_sha256"]);
    assert!(memory["ciphertext_sha256"].is_string());
    assert_eq!(memory["predictions"], streamed["predictions"]);
    assert_eq!(streamed["agreeing"], 3, "{streamed}");
    let t = &streamed["streamed"];
    assert!(t["bytes_read"].as_u64().unwrap() > 0, "{t}");
    assert!(t["peak_resident"].as_u64().unwrap() <= 256 << 20, "{t}");
    assert!(t["read_ahead"].as_u64().unwrap() > 0, "{t}");

    let (out, _) = infer_mnist_a("throughput", 3, 11, &["--stream-budget", "256"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--packing latency"),
        "{err}"
    );
    let (out, _) = infer_mnist_a("latency", 3, 11, &["--stream-budget", "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("budget") && err.contains("needs"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "infer",
            "--model",
            &repo("host-sim/models/digits.safetensors"),
            "--data",
            &repo("host-sim/data/digits.csv"),
            "--packing",
            "latency",
            "--stream-budget",
            "64",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("hearth stream"),
        "{err}"
    );
}
