//! Encrypted streaming from the PMEM store (128-bit secure parameters): the
//! streamed output ciphertext equals the in-memory evaluation's byte for
//! byte and decrypts to an independent `f64` forward pass of the stored
//! weights; every record is read once; a model over four times the budget runs
//! within it with its NTTs on the device model, measured in a process of its
//! own; a budget too small, a
//! truncated input and missing or stale records are refused with errors
//! that name them.

use hearth_he::layers::Ct;
use hearth_he::session::Session;
use hearth_he::stream::compile::{compile, CompileReport};
use hearth_he::stream::model::{generate, rows};
use hearth_he::stream::process::{serve_compiled, ServerReport, StreamEngine};
use hearth_he::stream::records::{bias_name, diagonal_name, name};
use hearth_he::stream::run::run;
use hearth_he::stream::{client, decrypt_output, encrypt_input, selection};
use hearth_kernels::ckks::Ciphertext;
use hearth_kernels::ntt::SoftwareNtt;
use hearth_nn::stream::gen::layer_name;
use hearth_pmem::store::{ObjectStore, RecordKind};
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: u64 = 11;

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hearth-he-stream-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The stored network's outputs on `x`, from the raw `f32` tensor bytes.
fn reference(store: &mut ObjectStore, model: &str, layers: usize, x: &[f32]) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().map(|&a| f64::from(a)).collect();
    for i in 0..layers {
        let b = store.get(&layer_name(model, i)).unwrap();
        let out = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
        let inp = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        let f: Vec<f64> = b[8..]
            .chunks(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
            .collect();
        assert_eq!((inp, f.len()), (v.len(), out * (inp + 1)));
        v = (0..out)
            .map(|o| {
                let z = (0..inp).map(|k| f[o * inp + k] * v[k]).sum::<f64>() + f[out * inp + o];
                if i + 1 < layers {
                    z * z
                } else {
                    z
                }
            })
            .collect();
    }
    v
}

struct Compiled {
    store: ObjectStore,
    session: Session,
    input: Ct,
    in_memory: Ct,
    report: CompileReport,
    row: Vec<f32>,
}

fn build(path: &Path, model: &str, layers: usize, width: usize, size: u64) -> Compiled {
    let mut sw = SoftwareNtt;
    let mut store = ObjectStore::create(path, size).unwrap();
    let row = rows(1, width).remove(0);
    let ranges = generate(
        &mut store,
        model,
        layers,
        width,
        SEED,
        std::slice::from_ref(&row),
    )
    .unwrap();
    let sel = selection(layers, width, ranges).unwrap();
    assert!(sel.params.is_secure());
    let mut session = client(sel, width, Some(SEED), &mut sw).unwrap();
    let input = encrypt_input(&mut session, &mut sw, width, &row).unwrap();
    let (in_memory, report) =
        compile(&mut store, model, layers, width, &session, &input, &mut sw).unwrap();
    Compiled {
        store,
        session,
        input,
        in_memory,
        report,
        row,
    }
}

#[test]
fn streamed_encrypted_inference_equals_in_memory_and_plaintext() {
    let d = dir("eq");
    let (layers, width) = (2, 32);
    let mut c = build(&d.join("s.pmem"), "m", layers, width, 64 << 20);
    let want = reference(&mut c.store, "m", layers, &c.row);
    let input = c.input.to_le_bytes(&c.session.ctx);
    let (out, rep, _store) = run(c.store, "m", &input, 256 << 20, &mut SoftwareNtt).unwrap();

    assert_eq!(out, c.in_memory.to_le_bytes(&c.session.ctx));
    let ct = Ciphertext::from_le_bytes(&c.session.ctx, &out).unwrap();
    let got = decrypt_output(&c.session, &mut SoftwareNtt, &ct, width).unwrap();
    assert_eq!(got.len(), width);
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-5 * (1.0 + w.abs()), "{g} vs {w}");
    }
    assert!(
        want.iter().any(|w| w.abs() > 0.1),
        "outputs are not trivially small"
    );

    // Every record (2 keys, 32 diagonals and a bias per layer) read once.
    assert_eq!(rep.records, 2 + layers * (32 + 1));
    assert_eq!(c.report.plaintexts, layers * (32 + 1));
    assert_eq!(rep.weight_bytes, c.report.weight_bytes);
    assert_eq!(rep.key_bytes, c.report.key_bytes);
    assert!(rep.pmem_bytes_read >= rep.model_bytes);
    assert!(rep.traffic_ratio <= 1.2, "{}", rep.traffic_ratio);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_budget_bad_input_and_missing_or_stale_records_are_refused() {
    let d = dir("bad");
    let path = d.join("s.pmem");
    let c = build(&path, "m", 2, 32, 64 << 20);
    let input = c.input.to_le_bytes(&c.session.ctx);
    let err = |store: ObjectStore, input: &[u8], budget: u64| {
        run(store, "m", input, budget, &mut SoftwareNtt)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };

    let e = err(c.store, &input, 1 << 20);
    assert!(e.contains("--mem-budget") && e.contains("at least"), "{e}");

    let mut truncated = input.clone();
    truncated.truncate(input.len() / 2);
    let e = err(ObjectStore::open(&path).unwrap(), &truncated, 256 << 20);
    assert!(e.contains("CKKS"), "{e}");

    // A record of another level and scale under a diagonal's name.
    let mut store = ObjectStore::open(&path).unwrap();
    let target = diagonal_name("m", 0, 1, 2);
    let stale = store.get(&bias_name("m", 1)).unwrap();
    store.put(&target, RecordKind::Tensor, &stale).unwrap();
    let e = err(store, &input, 256 << 20);
    assert!(e.contains(&target) && e.contains("level"), "{e}");

    let mut store = ObjectStore::open(&path).unwrap();
    store.remove(&target).unwrap();
    let e = err(store, &input, 256 << 20);
    assert!(e.contains(&target) && e.contains("missing"), "{e}");

    let mut store = ObjectStore::open(&path).unwrap();
    store.remove(&name("m", "meta")).unwrap();
    let e = err(store, &input, 256 << 20);
    assert!(e.contains("not compiled"), "{e}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
#[ignore = "run as a child process by `a_model_over_four_times_the_budget_streams_within_it`"]
fn he_stream_server_child() {
    let path = PathBuf::from(std::env::var("HEARTH_HE_STORE").expect("HEARTH_HE_STORE"));
    let budget: u64 = std::env::var("HEARTH_HE_BUDGET").unwrap().parse().unwrap();
    // As the `hearth stream` program does: freed buffers leave RssAnon.
    hearth_pmem::usage::return_freed_buffers();
    let rep = serve_compiled(&path, "big", budget, StreamEngine::Sim).unwrap();
    println!("REPORT {}", serde_json::to_string(&rep).unwrap());
}

#[test]
fn a_model_over_four_times_the_budget_streams_within_it() {
    let d = dir("big");
    let path = d.join("s.pmem");
    let (layers, width, budget) = (2, 512, 32u64 << 20);
    let mut c = build(&path, "big", layers, width, 320 << 20);
    c.store
        .put(
            &name("big", "input"),
            RecordKind::Ciphertext,
            &c.input.to_le_bytes(&c.session.ctx),
        )
        .unwrap();
    drop(c.store);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "prod_stream_he::he_stream_server_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads=1", "-q"])
        .env("HEARTH_HE_STORE", &path)
        .env("HEARTH_HE_BUDGET", budget.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = text
        .lines()
        .find_map(|l| l.strip_prefix("REPORT "))
        .expect("the child's report");
    let server: ServerReport = serde_json::from_str(json).unwrap();
    let rep = &server.run;
    assert!(server.device_jobs > 0 && server.device_cycles > 0);
    assert_eq!(server.fallbacks, 0);
    eprintln!(
        "prod_stream_he: {:.1} MiB model, budget {} MiB, peak RssAnon {:.1} MiB, traffic {:.4}x, {} device jobs",
        rep.model_bytes as f64 / 1048576.0,
        budget >> 20,
        rep.rss_anon_peak_kb as f64 / 1024.0,
        rep.traffic_ratio,
        server.device_jobs
    );
    assert!(rep.model_bytes >= 4 * budget, "{} bytes", rep.model_bytes);
    assert!(rep.rss_anon_peak_kb > 0);
    assert!(
        rep.rss_anon_peak_kb * 1024 <= budget,
        "{} KiB",
        rep.rss_anon_peak_kb
    );
    assert!(rep.traffic_ratio <= 1.2, "{}", rep.traffic_ratio);

    let mut store = ObjectStore::open(&path).unwrap();
    let streamed = store.get(&name("big", "output")).unwrap();
    assert_eq!(streamed, c.in_memory.to_le_bytes(&c.session.ctx));
    std::fs::remove_dir_all(&d).unwrap();
}
