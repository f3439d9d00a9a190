//! Replays every committed known-answer vector (`tests/kat/*.json`) on the
//! RTL, through the register-level test bench, for LANES 1, 4 and 8: the
//! forward transform of `input` must be `forward` and the inverse transform
//! of `forward` must be `input`, word for word.
#![cfg(feature = "rtl")]

use hearth_kernels::arith::Word;
use hearth_kernels::ntt::OwnedNttPlan;
use hearth_rtl::job::{run_batch, LimbParams};
use hearth_rtl::Rtl;
use std::path::PathBuf;

struct Kat {
    name: String,
    word: u32,
    n: usize,
    q: u64,
    psi: u64,
    input: Vec<u64>,
    forward: Vec<u64>,
}

fn kats() -> Vec<Kat> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/kat");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no KAT folder {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let nums = |k: &str| -> Vec<u64> {
                v[k].as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap())
                    .collect()
            };
            let word = if name.starts_with("ntt_w32") { 32 } else { 64 };
            Kat {
                word,
                n: v["n"].as_u64().unwrap() as usize,
                q: v["q"].as_u64().unwrap(),
                psi: v["psi"].as_u64().unwrap(),
                input: nums("input"),
                forward: nums("forward"),
                name,
            }
        })
        .collect()
}

fn replay<W: Word>(k: &Kat, lanes: u32) {
    let plan = OwnedNttPlan::<W>::new(W::from_u64_truncating(k.q), k.n).unwrap();
    assert_eq!(plan.psi().to_u64(), k.psi, "{}: psi", k.name);
    let limb = [LimbParams::from_plan(&plan)];
    let mut rtl = Rtl::new(k.word, lanes).unwrap();
    let (fwd, o) = run_batch(&mut rtl, &limb, &k.input, false, false).unwrap();
    assert!(o.done(), "{}: status {:#x}", k.name, o.status);
    assert!(fwd == k.forward, "{} L={lanes}: forward differs", k.name);
    let (inv, o) = run_batch(&mut rtl, &limb, &k.forward, true, false).unwrap();
    assert!(o.done(), "{}: status {:#x}", k.name, o.status);
    assert!(inv == k.input, "{} L={lanes}: inverse differs", k.name);
}

#[test]
fn every_committed_kat() {
    let all = kats();
    assert!(
        all.len() >= 10,
        "expected the committed KAT set, found {}",
        all.len()
    );
    for k in &all {
        for lanes in [1, 4, 8] {
            if k.word == 32 {
                replay::<u32>(k, lanes);
            } else {
                replay::<u64>(k, lanes);
            }
        }
    }
    eprintln!("replayed {} KAT files on LANES 1, 4, 8", all.len());
}
