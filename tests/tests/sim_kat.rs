//! `hearth kat`: the committed NTT known-answer vectors replay on the
//! software engine and the simulated device; a tampered vector is refused.

use hearth_device::kat::replay;
use hearth_device::Engine;
use std::path::PathBuf;

fn kats() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kat");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn committed_vectors_replay_on_soft_and_sim() {
    let files = kats();
    assert!(!files.is_empty());
    for f in &files {
        replay(f, Engine::Soft).unwrap();
        replay(f, Engine::Sim).unwrap();
    }
}

#[test]
fn a_tampered_vector_is_refused() {
    let f = &kats()[0];
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
    let w = v["forward"][3].as_u64().unwrap();
    v["forward"][3] = serde_json::json!(w ^ 1);
    let p = std::env::temp_dir().join(format!("hearth-kat-{}.json", std::process::id()));
    std::fs::write(&p, v.to_string()).unwrap();
    let e = replay(&p, Engine::Sim).unwrap_err().to_string();
    assert!(e.contains("word 3"), "{e}");
    std::fs::write(&p, "{").unwrap();
    assert!(replay(&p, Engine::Soft).is_err());
    std::fs::remove_file(&p).unwrap();
}
