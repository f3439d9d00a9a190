//! The streamed encrypted run: a prefetch thread reads the compiled model's
//! records from the store in the order the evaluation consumes them
//! ([`super::eval::schedule`]) and hands each over, decoded, on a channel of
//! one slot, so PMEM reads of the next plaintext overlap the arithmetic on
//! the current one. The two evaluation keys are read first and kept for the
//! whole run; every plaintext is dropped as soon as it has been multiplied
//! in. Each record is read exactly once per inference.

use super::eval::{evaluate, schedule};
use super::records::{
    check_plaintext, galois_from_bytes, meta_from_bytes, name, plaintext_from_bytes,
    relin_from_bytes, Meta,
};
use crate::error::{Error, Result};
use crate::linear::{Diagonal, WeightSource};
use hearth_kernels::ckks::{Ciphertext, CkksContext, Evaluator, Plaintext};
use hearth_kernels::ntt::NttEngine;
use hearth_pmem::store::ObjectStore;
use hearth_pmem::usage::{rss_anon_kb, PeakSampler};
use std::borrow::Cow;
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::Instant;

/// What a streamed encrypted inference measured.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HeStreamReport {
    /// Layers.
    pub layers: usize,
    /// Layer width.
    pub width: usize,
    /// The CKKS parameters, summarised.
    pub params: String,
    /// Baby and giant steps per layer.
    pub baby_giant: (usize, usize),
    /// Records read (keys, diagonals, biases).
    pub records: usize,
    /// Bytes of the plaintext records (diagonals and biases).
    pub weight_bytes: u64,
    /// Bytes of the evaluation-key records.
    pub key_bytes: u64,
    /// Weights and keys: the minimum an inference must read.
    pub model_bytes: u64,
    /// The memory budget.
    pub budget_bytes: u64,
    /// The working set the run was admitted with (its estimate).
    pub working_set_bytes: u64,
    /// Bytes read from PMEM during the inference.
    pub pmem_bytes_read: u64,
    /// `pmem_bytes_read / model_bytes`.
    pub traffic_ratio: f64,
    /// Anonymous resident memory before the run, KiB.
    pub rss_anon_start_kb: u64,
    /// Peak anonymous resident memory during the run (sampled every
    /// millisecond by a separate thread), KiB.
    pub rss_anon_peak_kb: u64,
    /// Wall-clock seconds of the inference.
    pub seconds: f64,
}

/// One record's name and its decoded plaintext, or why it could not be read.
type Item = (String, Result<Plaintext<u64>>);

/// Plaintexts from the prefetch thread, checked against what the
/// evaluation asks for.
struct Streamed<'c> {
    rx: Receiver<Item>,
    model: String,
    ctx: &'c CkksContext<u64>,
}

impl Streamed<'_> {
    fn next(&mut self, want: &str, level: usize, scale: f64) -> Result<Plaintext<u64>> {
        let Ok((got, pt)) = self.rx.recv() else {
            return Err(Error::record(want, "the prefetch thread stopped before it"));
        };
        if got != want {
            return Err(Error::record(
                want,
                format!("the prefetch thread streamed `{got}` in its place"),
            ));
        }
        let pt = pt?;
        check_plaintext(self.ctx, want, &pt, level, scale)?;
        Ok(pt)
    }
}

impl WeightSource for Streamed<'_> {
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        _ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<Cow<'_, Plaintext<u64>>>> {
        let want = super::records::diagonal_name(&self.model, at.layer, at.g, at.b);
        Ok(Some(Cow::Owned(self.next(&want, level, scale)?)))
    }

    fn bias<E: NttEngine<u64>>(
        &mut self,
        _ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        _constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>> {
        let want = super::records::bias_name(&self.model, layer);
        Ok(Cow::Owned(self.next(&want, level, scale)?))
    }
}

/// Reads the description of compiled model `model`.
pub fn read_meta(store: &mut ObjectStore, model: &str) -> Result<Meta> {
    let record = name(model, "meta");
    if !store.contains(&record) {
        return Err(Error::NotCompiled {
            model: model.to_string(),
            record,
            store: store.path().to_path_buf(),
        });
    }
    meta_from_bytes(&store.get(&record)?)
}

/// The anonymous memory a run needs besides the binary: the two keys, the
/// live ciphertexts (`G` giant accumulators, the baby rotation, a product, a
/// rotation and the Horner sum, at the top level), key-switching scratch
/// (the decomposed digits raised to the extended basis), three plaintexts in
/// flight (computing, in the channel, being decoded, plus its bytes), the
/// context's NTT tables, and 8 MiB for the program itself (its thread
/// stacks, the allocator's slack).
#[must_use]
pub fn working_set(meta: &Meta, largest_record: u64) -> u64 {
    let p = &meta.params;
    let n = 1u64 << p.log_n.min(63);
    let limbs = p.chain_bits.len() as u64;
    let ext = limbs + p.special_bits.len() as u64;
    let digits = crate::params::hybrid_dnum(p.chain_bits.len(), p.special_bits.len()) as u64;
    let key = digits * 2 * ext * n * 8;
    let ct = 2 * limbs * n * 8;
    let scratch = (digits + 2) * ext * n * 8;
    let plain = limbs * n * 8;
    let tables = ext * 4 * n * 8 + 32 * n;
    3 * key
        + (meta.giant as u64 + 5) * ct
        + scratch
        + 3 * plain
        + largest_record
        + tables
        + (8 << 20)
}

/// Runs compiled model `model` from `store` on the serialized ciphertext
/// `input` within `budget_bytes` of anonymous memory; returns the
/// serialized output ciphertext, the report and the store.
pub fn run<E: NttEngine<u64>>(
    store: ObjectStore,
    model: &str,
    input: &[u8],
    budget_bytes: u64,
    engine: &mut E,
) -> Result<(Vec<u8>, HeStreamReport, ObjectStore)> {
    let mut store = store;
    let meta = read_meta(&mut store, model)?;
    let (params, geo) = meta.check(model)?;
    let summary = format!(
        "N=2^{}, {} chain primes + {} special, Δ=2^{}",
        meta.params.log_n,
        meta.params.chain_bits.len(),
        meta.params.special_bits.len(),
        meta.params.scale_bits
    );
    let keys = [name(model, "key/relin"), name(model, "key/galois")];
    let plan = schedule(model, meta.layers, geo);
    let (mut key_bytes, mut weight_bytes, mut largest) = (0u64, 0u64, 0u64);
    for (i, r) in keys.iter().chain(&plan).enumerate() {
        if !store.contains(r) {
            return Err(Error::MissingRecord {
                name: r.clone(),
                model: model.to_string(),
                store: store.path().to_path_buf(),
            });
        }
        let len = store.get_len(r)?;
        if i < keys.len() {
            key_bytes += len;
        } else {
            weight_bytes += len;
            largest = largest.max(len);
        }
    }
    let need = working_set(&meta, largest);
    if need > budget_bytes {
        return Err(Error::Budget {
            budget: budget_bytes,
            need,
            live: meta.giant + 5,
        });
    }
    let ctx = CkksContext::<u64>::new(params)?;
    let input = Ciphertext::from_le_bytes(&ctx, input)?;

    let start = store.pmem_stats();
    let rss0 = rss_anon_kb().unwrap_or(0);
    let sampler = PeakSampler::start();
    let t = Instant::now();
    let rk = relin_from_bytes(&ctx, &store.get(&keys[0])?)?;
    let gk = galois_from_bytes(&ctx, &store.get(&keys[1])?)?;

    let (tx, rx) = sync_channel::<Item>(1);
    let reader = std::thread::Builder::new()
        .name("prefetch".into())
        .spawn(move || {
            for r in plan {
                let pt = store
                    .get(&r)
                    .map_err(Error::from)
                    .and_then(|b| plaintext_from_bytes(&r, &b));
                if tx.send((r, pt)).is_err() {
                    break;
                }
            }
            store
        })
        .map_err(|e| Error::Worker {
            what: "cannot start the prefetch thread",
            detail: e.to_string(),
        })?;
    let mut source = Streamed {
        rx,
        model: model.to_string(),
        ctx: &ctx,
    };
    let mut ev = Evaluator::new(&ctx, engine);
    let out = evaluate(&mut ev, &rk, &gk, geo, meta.layers, &mut source, input);
    drop(source);
    let store = reader.join().map_err(|_| Error::Worker {
        what: "the prefetch thread",
        detail: "panicked".into(),
    })?;
    let out = out?;
    let seconds = t.elapsed().as_secs_f64();
    let peak = sampler.stop().max(rss0);
    let read = store.pmem_stats().bytes_read - start.bytes_read;
    let model_bytes = key_bytes + weight_bytes;
    Ok((
        out.to_le_bytes(&ctx),
        HeStreamReport {
            layers: meta.layers,
            width: meta.width,
            params: summary,
            baby_giant: (geo.baby, geo.giant),
            records: keys.len() + meta.layers * (geo.n + 1),
            weight_bytes,
            key_bytes,
            model_bytes,
            budget_bytes,
            working_set_bytes: need,
            pmem_bytes_read: read,
            traffic_ratio: read as f64 / model_bytes.max(1) as f64,
            rss_anon_start_kb: rss0,
            rss_anon_peak_kb: peak,
            seconds,
        },
        store,
    ))
}
