//! The streaming run: a prefetch thread reads layers from the store and
//! hands them over a rendezvous channel; the caller's thread computes.

use super::gen::{decode, layer_name, Layer};
use crate::error::{Error, Result};
use hearth_pmem::store::ObjectStore;
use hearth_pmem::usage::rss_anon_kb;
use std::sync::mpsc::sync_channel;

/// What a streaming run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StreamReport {
    /// Layers run.
    pub layers: usize,
    /// Bytes of all layer tensors (the minimum an inference must read).
    pub model_bytes: u64,
    /// The memory budget in bytes.
    pub budget_bytes: u64,
    /// Bytes read from PMEM during the inference.
    pub pmem_bytes_read: u64,
    /// Media bytes read (whole 256-byte XPLines).
    pub pmem_media_bytes_read: u64,
    /// `pmem_bytes_read / model_bytes`.
    pub traffic_ratio: f64,
    /// Anonymous resident memory before the run, KiB.
    pub rss_anon_start_kb: u64,
    /// Peak anonymous resident memory sampled during the run, KiB.
    pub rss_anon_peak_kb: u64,
    /// Outputs of the last layer, per row.
    pub outputs: Vec<Vec<f32>>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Runs `layers` layers of `model` from `store` on `rows`, within
/// `budget_bytes` of weights in memory (three layers: the one computing, the
/// one prefetched as bytes and as it is decoded).
pub fn run(
    store: ObjectStore,
    model: &str,
    layers: usize,
    rows: Vec<Vec<f32>>,
    budget_bytes: u64,
) -> Result<(StreamReport, ObjectStore)> {
    let mut store = store;
    let mut model_bytes = 0u64;
    let mut largest = 0u64;
    for i in 0..layers {
        let n = layer_name(model, i);
        if !store.contains(&n) {
            return Err(Error::StreamLayer {
                name: n,
                what: "not in the store".into(),
            });
        }
        let len = store.get_len(&n)?;
        model_bytes += len;
        largest = largest.max(len);
    }
    let act = rows.iter().map(|r| 8 * r.len() as u64).sum::<u64>();
    if 3 * largest + act > budget_bytes {
        return Err(Error::Budget {
            budget: budget_bytes,
            need: 3 * largest + act,
            needs: "two layers, the one being decoded, and the activations",
        });
    }
    let start_stats = store.pmem_stats();
    let rss0 = rss_anon_kb().unwrap_or(0);
    let mut peak = rss0;
    let t = std::time::Instant::now();
    let (tx, rx) = sync_channel::<Result<Layer>>(0);
    let name = model.to_string();
    let reader = std::thread::Builder::new()
        .name("prefetch".into())
        .stack_size(4 << 20)
        .spawn(move || {
            for i in 0..layers {
                let l = store
                    .get(&layer_name(&name, i))
                    .map_err(Error::from)
                    .and_then(|b| decode(&layer_name(&name, i), &b));
                if tx.send(l).is_err() {
                    break;
                }
            }
            store
        })
        .map_err(|_| Error::Thread("cannot start the prefetch thread"))?;
    let mut x = rows;
    for i in 0..layers {
        let layer = rx
            .recv()
            .map_err(|_| Error::Thread("the prefetch thread stopped"))??;
        peak = peak.max(rss_anon_kb().unwrap_or(0));
        if let Some(r) = x.iter().find(|r| r.len() != layer.inp) {
            return Err(Error::StreamLayer {
                name: layer_name(model, i),
                what: format!(
                    "it takes {} inputs but receives {} (a stale or foreign layer)",
                    layer.inp,
                    r.len()
                ),
            });
        }
        let last = i + 1 == layers;
        x = x.iter().map(|r| layer.apply(r, !last)).collect();
        peak = peak.max(rss_anon_kb().unwrap_or(0));
    }
    let store = reader
        .join()
        .map_err(|_| Error::Thread("the prefetch thread panicked"))?;
    let end = store.pmem_stats();
    let read = end.bytes_read - start_stats.bytes_read;
    Ok((
        StreamReport {
            layers,
            model_bytes,
            budget_bytes,
            pmem_bytes_read: read,
            pmem_media_bytes_read: end.media_bytes_read - start_stats.media_bytes_read,
            traffic_ratio: read as f64 / model_bytes.max(1) as f64,
            rss_anon_start_kb: rss0,
            rss_anon_peak_kb: peak,
            outputs: x,
            seconds: t.elapsed().as_secs_f64(),
        },
        store,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::gen::generate;
    use hearth_pmem::store::RecordKind;

    #[test]
    fn a_layer_whose_inputs_do_not_match_is_refused_not_truncated() {
        let path = std::env::temp_dir().join(format!("hearth-run-{}.pmem", std::process::id()));
        let mut store = ObjectStore::create(&path, 1 << 16).unwrap();
        generate(&mut store, "m", 2, 8, 1).unwrap();
        // Layer 1 replaced by a 8×4 one: it would read only half of the
        // 8 activations if applied.
        let mut b = Vec::new();
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&4u32.to_le_bytes());
        b.resize(8 + 4 * 8 * 5, 0);
        store
            .put(&layer_name("m", 1), RecordKind::Tensor, &b)
            .unwrap();
        let e = run(store, "m", 2, vec![vec![0.5; 8]], 1 << 20).unwrap_err();
        assert!(
            matches!(&e, Error::StreamLayer { name, .. } if name == &layer_name("m", 1)),
            "{e}"
        );
        assert!(
            e.to_string().contains("takes 4 inputs but receives 8"),
            "{e}"
        );
        std::fs::remove_file(&path).unwrap();
    }
}
