//! Streaming a generated network from the PMEM store: the outputs equal an
//! in-memory forward pass computed here independently, every weight is read
//! once (traffic within 1.2x of the minimum), and a budget too small for the
//! prefetch is refused.

use hearth_nn::stream::gen::{generate, layer_name};
use hearth_nn::stream::run;
use hearth_pmem::store::ObjectStore;

fn reference(store: &mut ObjectStore, model: &str, layers: usize, x: &[f64]) -> Vec<f64> {
    let mut x = x.to_vec();
    for i in 0..layers {
        let b = store.get(&layer_name(model, i)).unwrap();
        let f: Vec<f64> = b[8..]
            .chunks(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
            .collect();
        let (out, inp) = (x.len(), x.len());
        x = (0..out)
            .map(|o| {
                let z = (0..inp).map(|k| f[o * inp + k] * x[k]).sum::<f64>() + f[out * inp + o];
                if i + 1 < layers {
                    z * z
                } else {
                    z
                }
            })
            .collect();
    }
    x
}

#[test]
fn streamed_run_matches_reference_and_reads_each_weight_once() {
    let dir = std::env::temp_dir().join(format!("hearth-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = ObjectStore::create(dir.join("s.pmem"), 8 << 20).unwrap();
    let (layers, width) = (8, 128);
    let bytes = generate(&mut store, "m", layers, width, 3).unwrap();
    let row: Vec<f32> = (0..width).map(|j| (j % 5) as f32 / 5.0).collect();
    let want = reference(
        &mut store,
        "m",
        layers,
        &row.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
    );

    let layer = bytes / layers as u64;
    let err = run(store, "m", layers, vec![row.clone()], 2 * layer).unwrap_err();
    assert!(err.to_string().contains("--mem-budget"), "{err}");

    let store = ObjectStore::open(dir.join("s.pmem")).unwrap();
    let budget = bytes / 2;
    let (rep, _) = run(store, "m", layers, vec![row], budget).unwrap();
    assert_eq!(rep.model_bytes, bytes);
    assert!(rep.pmem_bytes_read >= bytes);
    assert!(rep.traffic_ratio <= 1.2, "{}", rep.traffic_ratio);
    for (g, w) in rep.outputs[0].iter().zip(&want) {
        assert!(
            (f64::from(*g) - w).abs() <= 1e-3 * (1.0 + w.abs()),
            "{g} vs {w}"
        );
    }
    eprintln!(
        "prod_stream: {} bytes read for {} ({:.4}x); RssAnon {} -> {} KiB",
        rep.pmem_bytes_read, bytes, rep.traffic_ratio, rep.rss_anon_start_kb, rep.rss_anon_peak_kb
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
