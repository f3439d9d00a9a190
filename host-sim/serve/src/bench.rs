//! Serving many tenants' models at once, each under its own keys, and the
//! figures of `hearth serve`.
//!
//! Concurrent run: every tenant's inference (encrypt, evaluate, decrypt)
//! is one task on a rayon pool of `threads` threads, so at most `threads`
//! tenants have ciphertexts in flight (the bound that keeps hundreds of
//! models in memory). With [`EngineKind::Device`] every NTT goes through a
//! [`DeviceClient`] to the one device thread ([`super::scheduler`]), which
//! batches the pending jobs of all tenants onto the device model while the
//! other tenants compute; with [`EngineKind::Soft`] each task runs its NTTs
//! itself with [`SoftwareNtt`].
//!
//! Keys: all tenants share one CKKS context (same parameters), and with
//! [`ServeOptions::park_keys`] (the default) each tenant's relinearization
//! key is written to a PMEM object store as soon as it is generated and read
//! back for each of its evaluations, so the resident memory per model is
//! its secret key and bookkeeping, not its evaluation key.
//!
//! Sequential baseline (the "1 model × M sequential runs"): one
//! model, tenant 0, served `M` times in a row on the calling thread with the
//! same kind of engine (for the device: the same reliable device engine,
//! called directly, no scheduler thread), its key resident.

use super::scheduler::{DeviceClient, DeviceScheduler, SchedulerConfig, SchedulerReport};
use super::tenant::{Tenant, TenantCt};
use crate::error::{Error, Result};
use hearth_device::factory::Reliability;
use hearth_device::RTL_CLOCK_HZ;
use hearth_he::params::Selection;
use hearth_kernels::ckks::CkksContext;
use hearth_kernels::ntt::{NttEngine, SoftwareNtt};
use hearth_nn::Mlp;
use hearth_pmem::store::ObjectStore;
use hearth_pmem::usage::rss_anon_kb;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod sequential;
use sequential::sequential;

/// Which engine runs the NTTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Each CPU task runs its NTTs in software.
    Soft,
    /// One device thread batches every tenant's NTTs onto the device model.
    Device,
}

/// How to serve.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// The engine.
    pub engine: EngineKind,
    /// Threads of the CPU pool (0: four per available core).
    pub threads: usize,
    /// The device thread's set-up (faults, retries, quantum); also used for
    /// the sequential device run.
    pub scheduler: SchedulerConfig,
    /// Park every tenant's relinearization key in a PMEM object store (a
    /// fresh mapped file in the temporary directory) and read it back for
    /// each evaluation, instead of keeping it in memory.
    pub park_keys: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            engine: EngineKind::Device,
            threads: 0,
            scheduler: SchedulerConfig::default(),
            park_keys: true,
        }
    }
}

/// What the device did in the concurrent run (scheduler) or the
/// sequential one (direct engine).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceFigures {
    /// Engine calls the device thread made (batches); for the sequential
    /// run, the tenant's engine calls.
    pub batches: u64,
    /// Mean limbs per batch.
    pub mean_batch_limbs: f64,
    /// Most tenants in one batch (1 for the sequential run).
    pub max_batch_tenants: u64,
    /// Jobs the device model completed (the driver splits batches).
    pub device_jobs: u64,
    /// Device cycles (cycle model of the RTL).
    pub device_cycles: u64,
    /// Modeled device seconds at the RTL clock.
    pub device_seconds: f64,
    /// Wall-clock seconds spent in NTT engine calls (for the device thread:
    /// busy time, including copies and batch formation).
    pub ntt_seconds: f64,
    /// `ntt_seconds` over the run's wall-clock seconds.
    pub ntt_share: f64,
    /// Longest wait of a job from send to reply, µs (scheduler only).
    pub worst_wait_us: u64,
    /// Most round-robin rounds a job waited (scheduler only).
    pub worst_wait_rounds: u64,
    /// Fewest and most jobs one tenant sent (scheduler only).
    pub tenant_jobs: (u64, u64),
    /// Faults, retries and fallbacks.
    pub reliability: Reliability,
}

/// Figures for one number of models.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServeFigures {
    /// Models (tenants) served.
    pub models: usize,
    /// Samples per model.
    pub rows_per_model: usize,
    /// The engine kind of both runs.
    pub engine: EngineKind,
    /// CPU pool threads.
    pub threads: usize,
    /// Key generation seconds (all tenants, on the pool, in software).
    pub keygen_seconds: f64,
    /// Anonymous memory per model after key generation (the tenants'
    /// sessions over one shared context, plus their relinearization keys
    /// unless parked), KiB.
    pub per_model_kb: f64,
    /// Relinearization keys parked in the PMEM store.
    pub keys_in_pmem: bool,
    /// Bytes of the parked keys in the store.
    pub parked_key_bytes: u64,
    /// Seconds to serve every model concurrently.
    pub concurrent_seconds: f64,
    /// Samples per second, concurrent.
    pub concurrent_throughput: f64,
    /// Seconds to serve one model `models` times in a row on one thread.
    pub sequential_seconds: f64,
    /// Samples per second, sequential.
    pub sequential_throughput: f64,
    /// Share of the sequential run's wall-clock time spent in NTT engine
    /// calls (the rest is the CPU's CKKS work).
    pub sequential_ntt_share: f64,
    /// `sequential_seconds / concurrent_seconds`.
    pub speedup: f64,
    /// Predictions (both runs) that differ from the plaintext model's.
    pub disagreements: usize,
    /// The device in the concurrent run.
    pub device: Option<DeviceFigures>,
    /// The device in the sequential run.
    pub sequential_device: Option<DeviceFigures>,
}

/// Runs every tenant's inference on `pool`, one task per tenant, with the
/// engine `engine_for(i)` for tenant `i`; `finish` turns the output
/// ciphertexts into the task's result.
pub fn run_all<E, R, F, G>(
    pool: &rayon::ThreadPool,
    tenants: &mut [Tenant],
    mlp: &Mlp,
    rows: &[Vec<f64>],
    engine_for: F,
    finish: G,
) -> Result<Vec<R>>
where
    E: NttEngine<u64>,
    R: Send,
    F: Fn(usize) -> E + Sync,
    G: Fn(&Tenant, &mut E, Vec<TenantCt>) -> Result<R> + Sync,
{
    pool.install(|| {
        tenants
            .par_iter_mut()
            .enumerate()
            .map(|(i, t)| {
                let mut e = engine_for(i);
                let cts = t.encrypt(&mut e, mlp, rows)?;
                let out = t.evaluate(&mut e, mlp, cts)?;
                finish(t, &mut e, out)
            })
            .collect()
    })
}

/// A pool of `threads` threads (0: four per available core).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if threads == 0 { 4 * cores } else { threads };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Thread(format!("cannot build a pool of {threads} threads: {e}")))
}

fn logits<E: NttEngine<u64>>(
    t: &Tenant,
    e: &mut E,
    out: Vec<TenantCt>,
    rows: usize,
) -> Result<Vec<Vec<f64>>> {
    t.decrypt_logits(e, &out, rows)
}

fn wrong(mlp: &Mlp, rows: &[Vec<f64>], logits: &[Vec<f64>]) -> usize {
    logits
        .iter()
        .zip(rows)
        .filter(|(l, r)| hearth_nn::model::argmax(l) != mlp.predict(r))
        .count()
}

/// Serves `models` tenants (each its own keys, the same network `mlp` and
/// `rows`) concurrently, then one of them `models` times sequentially, and
/// measures both.
pub fn serve(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    models: usize,
    opts: &ServeOptions,
) -> Result<ServeFigures> {
    let pool = pool(opts.threads)?;
    let rss0 = rss_anon_kb().unwrap_or(0);
    let t = Instant::now();
    let selection = Tenant::selection(mlp, rows)?;
    let ctx = Arc::new(CkksContext::<u64>::new(selection.params.clone()).map_err(Error::Ckks)?);
    let store = if opts.park_keys {
        Some(key_store(&selection, models)?)
    } else {
        None
    };
    let parked = AtomicU64::new(0);
    let mut tenants: Vec<Tenant> = pool.install(|| {
        (0..models)
            .into_par_iter()
            .map(|i| {
                let seed = Some(i as u64);
                let name = format!("tenant{i}");
                let mut t = Tenant::new_in(
                    &name,
                    ctx.clone(),
                    selection.clone(),
                    seed,
                    &mut SoftwareNtt,
                )?;
                if let Some((s, _)) = &store {
                    parked.fetch_add(t.park(s)?, Ordering::Relaxed);
                }
                Ok(t)
            })
            .collect::<Result<_>>()
    })?;
    let keygen_seconds = t.elapsed().as_secs_f64();
    let per_model_kb =
        rss_anon_kb().unwrap_or(0).saturating_sub(rss0) as f64 / models.max(1) as f64;

    let n = rows.len();
    let finish = |t: &Tenant, e: &mut _, out| logits(t, e, out, n);
    let t = Instant::now();
    let (all, report) = match opts.engine {
        EngineKind::Soft => {
            let all = run_all(&pool, &mut tenants, mlp, rows, |_| SoftwareNtt, finish)?;
            (all, None)
        }
        EngineKind::Device => {
            let sched = DeviceScheduler::spawn(opts.scheduler)?;
            let client = |i: usize| sched.client(i as u32);
            let finish = |t: &Tenant, e: &mut DeviceClient, out| logits(t, e, out, n);
            let all = run_all(&pool, &mut tenants, mlp, rows, client, finish)?;
            (all, Some(sched.finish()?))
        }
    };
    let concurrent_seconds = t.elapsed().as_secs_f64();
    let mut disagreements: usize = all.iter().map(|l| wrong(mlp, rows, l)).sum();
    let device = report.map(|r| scheduler_figures(&r, concurrent_seconds));

    let (sequential_seconds, seq_wrong, seq_ntt, sequential_device) = match tenants.first_mut() {
        Some(first) => sequential(first, mlp, rows, models, opts)?,
        None => (0.0, 0, 0.0, None),
    };
    disagreements += seq_wrong;
    drop(tenants);
    if let Some((_, path)) = store {
        let _ = std::fs::remove_file(path);
    }
    let samples = (models * rows.len()) as f64;
    Ok(ServeFigures {
        models,
        rows_per_model: rows.len(),
        engine: opts.engine,
        threads: pool.current_num_threads(),
        keygen_seconds,
        per_model_kb,
        keys_in_pmem: opts.park_keys,
        parked_key_bytes: parked.into_inner(),
        concurrent_seconds,
        concurrent_throughput: samples / concurrent_seconds.max(1e-12),
        sequential_seconds,
        sequential_throughput: samples / sequential_seconds.max(1e-12),
        sequential_ntt_share: seq_ntt / sequential_seconds.max(1e-12),
        speedup: sequential_seconds / concurrent_seconds.max(1e-12),
        disagreements,
        device,
        sequential_device,
    })
}

/// A fresh PMEM object store in the temporary directory, large enough for
/// `models` relinearization keys of `selection`'s parameters (postcard
/// writes at most 9 bytes per word).
fn key_store(selection: &Selection, models: usize) -> Result<(Arc<Mutex<ObjectStore>>, PathBuf)> {
    let p = &selection.params;
    let ext = (p.chain().len() + p.special().len()) as u64;
    let key = p.dnum() as u64 * 2 * ext * p.degree() as u64 * 9 + 4096;
    static RUN: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "hearth-serve-keys-{}-{}.pmem",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let store = ObjectStore::create(&path, models as u64 * key + (4 << 20))?;
    Ok((Arc::new(Mutex::new(store)), path))
}

fn scheduler_figures(r: &SchedulerReport, wall: f64) -> DeviceFigures {
    let jobs = r.tenants.values().map(|s| s.jobs);
    DeviceFigures {
        batches: r.batches,
        mean_batch_limbs: r.mean_batch_limbs(),
        max_batch_tenants: r.max_batch_tenants,
        device_jobs: r.device_jobs,
        device_cycles: r.device_cycles,
        device_seconds: r.device_cycles as f64 / RTL_CLOCK_HZ,
        ntt_seconds: r.busy_seconds,
        ntt_share: r.busy_seconds / wall.max(1e-12),
        worst_wait_us: r
            .tenants
            .values()
            .map(|s| s.worst_wait_us)
            .max()
            .unwrap_or(0),
        worst_wait_rounds: r
            .tenants
            .values()
            .map(|s| s.worst_wait_rounds)
            .max()
            .unwrap_or(0),
        tenant_jobs: (jobs.clone().min().unwrap_or(0), jobs.max().unwrap_or(0)),
        reliability: r.reliability,
    }
}
