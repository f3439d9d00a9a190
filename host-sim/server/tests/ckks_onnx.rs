//! The server's CKKS evaluator with an ONNX model: a tenant's real keys
//! and ciphertexts (`hearth_he::files`), the model read from its bytes as a
//! server stores it, the decrypted logits against tract running the file.

use hearth_he::container;
use hearth_he::files;
use hearth_he::server::{evaluation_keys, params_for_network};
use hearth_nn::data::Dataset;
use hearth_nn::onnx::{import_bytes, ImportOptions};
use hearth_nn::oracle::Oracle;
use hearth_server::ckks::{CkksEvaluator, Engine};
use hearth_server::Evaluator as _;
use std::path::Path;

const TINY: &[u8] = include_bytes!("../../tests/data/tiny.onnx");

#[test]
fn an_onnx_model_is_evaluated_on_a_tenant_s_ciphertexts() {
    let net = import_bytes("tiny", TINY, ImportOptions::default())
        .unwrap()
        .network;
    let mut csv = "f0,f1,f2,f3,f4,f5,f6,f7\n".to_string();
    for r in 0..5 {
        let row: Vec<String> = (0..8)
            .map(|c| format!("{}", ((r * 8 + c) % 7) as f64 / 7.0))
            .collect();
        csv += &(row.join(",") + "\n");
    }
    let data = Dataset::parse(Path::new("rows.csv"), csv.as_bytes()).unwrap();
    let key = files::keygen(params_for_network(&net, &data).unwrap(), None).unwrap();
    let kp = Path::new("k.hsk");
    let evk = container::seal(&evaluation_keys(&key, kp).unwrap())
        .unwrap()
        .to_vec();
    let ct = container::seal(&files::encrypt(&key, kp, &data, None).unwrap())
        .unwrap()
        .to_vec();
    let ev = CkksEvaluator::new(Engine::Soft);
    ev.check_keys(&evk).unwrap();
    ev.check_model(TINY).unwrap();
    assert!(ev.check_model(&TINY[..TINY.len() / 2]).is_err());
    let out = ev.evaluate(0, &evk, TINY, &ct).unwrap();
    let out = container::open(Path::new("out"), &out).unwrap();
    let (names, logits) = files::decrypt(&key, kp, &out, Path::new("out")).unwrap();
    assert_eq!(names, ["logit0", "logit1", "logit2"]);
    let oracle = Oracle::from_bytes("tiny", TINY, &[8]).unwrap();
    for (x, got) in data.rows.iter().zip(&logits) {
        let want = oracle.run(x).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() < 1e-4 * w.abs().max(1.0),
                "{got:?} vs tract {want:?}"
            );
        }
    }
    assert_eq!(logits.len(), data.len());
}
