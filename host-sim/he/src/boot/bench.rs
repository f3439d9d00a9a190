//! The bootstrap benchmark behind `hearth bench --bootstrap`: generates a
//! preset's key set into a PMEM object store, streams it through one
//! bootstrap under a memory budget on the chosen NTT engine, and reports
//! time, precision, key sizes, PMEM traffic and memory.
//!
//! Precision is `−log2 |error|` per slot against the message (uniform in
//! `[−1, 1]`), mean and worst over the slots. On more than one thread the
//! software engine runs the NTTs and the kernels' limb-wise jobs on a pool
//! ([`hearth_device::ThreadedNtt`]); the bootstrapped ciphertext is the same.

use hearth_kernels::ckks::boot::uniform_message;
use std::path::PathBuf;
use std::time::Instant;

use hearth_device::{build_threaded, Counting, Engine};
use hearth_kernels::ckks::boot::presets::{self, BootPreset};
use hearth_kernels::ckks::boot::{key_switch_key_bytes, Bootstrapper};
use hearth_kernels::ckks::{CkksContext, Encryptor, Evaluator, PublicKey, SecretKey};
use hearth_kernels::ntt::SoftwareNtt;
use hearth_pmem::{usage, ObjectStore, PmemStats};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::keys::{self, galois_record, relin_record, RecordHeader};
use super::source::{bootstrap_streamed, working_set, PmemKeySource, StreamStats};
use crate::error::{Error, Result};

/// A bootstrapping preset by its command-line name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// `N = 2^10`, full slots (insecure).
    ToyN10,
    /// `N = 2^11`, 64 slots (insecure).
    ToyN11Sparse,
    /// `N = 2^12`, full slots (insecure).
    ToyN12,
    /// `N = 2^12`, full slots, six user levels (insecure).
    ToyN12Deep,
    /// `N = 2^16`, 2^15 slots, 128-bit.
    N16Full,
    /// `N = 2^16`, 2^12 slots, 128-bit.
    N16Sparse,
}

impl Preset {
    /// The kernels' preset.
    pub fn preset(self) -> BootPreset {
        match self {
            Preset::ToyN10 => presets::TOY_N10_FULL,
            Preset::ToyN11Sparse => presets::TOY_N11_SPARSE,
            Preset::ToyN12 => presets::TOY_N12_FULL,
            Preset::ToyN12Deep => presets::TOY_N12_DEEP,
            Preset::N16Full => presets::N16_FULL,
            Preset::N16Sparse => presets::N16_SPARSE,
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The preset.
    pub preset: Preset,
    /// Bytes the streamed keys may occupy (`None`: no limit).
    pub mem_budget: Option<u64>,
    /// The NTT engine of the bootstrap.
    pub engine: Engine,
    /// Threads of the bootstrap (more than one: software engine only).
    pub threads: usize,
    /// The PMEM store file to create (replaced).
    pub store: PathBuf,
    /// Seed of the keys and the message.
    pub seed: u64,
}

/// What one bootstrap cost.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Preset name.
    pub preset: &'static str,
    /// `log2 N`, `log2` slots, `log2 QP`.
    pub log_n: u32,
    /// `log2` of the slot count.
    pub log_slots: u32,
    /// `log2(Q·P)`.
    pub log_qp: u32,
    /// Engine name.
    pub engine: &'static str,
    /// Threads the bootstrap ran on.
    pub threads: usize,
    /// Wall seconds of the bootstrap.
    pub seconds: f64,
    /// CPU seconds of the process during the bootstrap (all threads).
    pub cpu_seconds: f64,
    /// Seconds to generate the key set into the store.
    pub keygen_seconds: f64,
    /// Precision, mean bits over the slots.
    pub bits_mean: f64,
    /// Precision, worst slot.
    pub bits_worst: f64,
    /// Galois keys (distinct elements).
    pub galois_keys: usize,
    /// Bytes of the key set as whole keys (Galois + relinearization).
    pub key_set_bytes: u64,
    /// Bytes of the records in the store (whole and truncated copies).
    pub store_bytes: u64,
    /// What the key source moved during the bootstrap.
    pub stream: StreamStats,
    /// PMEM traffic of the bootstrap (Optane model).
    pub pmem: PmemStats,
    /// The memory budget given.
    pub mem_budget: Option<u64>,
    /// Peak anonymous RSS during the bootstrap, bytes.
    pub peak_rss_anon: u64,
    /// Peak RSS of the process (key generation included), bytes.
    pub peak_rss: u64,
    /// Device cycles of the bootstrap's NTTs (0 on the software engine).
    pub device_cycles: u64,
    /// NTTs (one per limb) of the bootstrap.
    pub ntts: u64,
}

impl BenchReport {
    /// Bytes read from PMEM over key bytes the switches used.
    pub fn read_ratio(&self) -> f64 {
        self.stream.bytes_read as f64 / self.stream.key_bytes_used.max(1) as f64
    }
    /// Most key bytes resident at once over the key set.
    pub fn resident_fraction(&self) -> f64 {
        self.stream.peak_resident as f64 / self.key_set_bytes.max(1) as f64
    }
}

/// Precision in bits of `got` against `want`: `(mean, worst)`.
pub fn precision(got: &[(f64, f64)], want: &[f64]) -> (f64, f64) {
    let bits: Vec<f64> = got
        .iter()
        .zip(want)
        .map(|(&(re, im), &w)| -(re - w).hypot(im).max(1e-300).log2())
        .collect();
    let mean = bits.iter().sum::<f64>() / bits.len().max(1) as f64;
    (mean, bits.iter().copied().fold(f64::INFINITY, f64::min))
}

/// The parameters of `preset` (the insecure ones through the kernels'
/// explicit opt-in).
pub fn preset_context(preset: &BootPreset) -> Result<CkksContext<u64>> {
    let params = if preset.secure {
        preset.params()?
    } else {
        preset.insecure_for_tests()?
    };
    Ok(CkksContext::new(params)?)
}

/// Bytes of the store file for the key set of `boot` (records, envelopes
/// and the index, with room to spare).
pub fn store_size(ctx: &CkksContext<u64>, boot: &Bootstrapper<u64>) -> u64 {
    let rl = keys::relin_level(boot);
    let mut total = RecordHeader::expected(ctx, 0, rl).record_bytes() + 4096;
    for (e, l) in keys::galois_uses(boot) {
        total += RecordHeader::expected(ctx, e, l).record_bytes() + 4096;
    }
    total + total / 16 + (8 << 20)
}

/// Runs the benchmark: key generation into a fresh store at
/// `opts.store`, then one streamed bootstrap.
pub fn run_bench(opts: &BenchOptions) -> Result<BenchReport> {
    let preset = opts.preset.preset();
    let ctx = preset_context(&preset)?;
    let soft = &mut SoftwareNtt;
    let boot = Bootstrapper::new(&ctx, soft, preset.boot)?;
    let mut rng = ChaCha20Rng::seed_from_u64(opts.seed);
    let sk = SecretKey::generate_sparse(&ctx, soft, preset.hamming_weight, &mut rng)?;
    let pk = PublicKey::generate(&ctx, soft, &sk, &mut rng)?;
    // Refuse a budget too small before the (long) key generation.
    let budget = opts.mem_budget.unwrap_or(u64::MAX);
    let needed = working_set(&ctx, &boot);
    if needed > budget {
        return Err(Error::MemBudget { needed, budget });
    }
    let mut store = ObjectStore::create(&opts.store, store_size(&ctx, &boot))?;
    let set = "boot";
    let t = Instant::now();
    let info = keys::generate_into_store(&mut store, set, &ctx, soft, &sk, &boot, &mut rng)?;
    let keygen_seconds = t.elapsed().as_secs_f64();
    // glibc keeps freed buffers for reuse, as it does for OpenFHE's run
    // (`usage::return_freed_buffers` would fault in fresh pages for every
    // buffer: 20 % slower at N = 2^16 for an anonymous peak within 2 %).
    // Sanity: the records the source will read are the ones written.
    debug_assert!(store.contains(&relin_record(set, keys::relin_level(&boot))));
    debug_assert!(keys::galois_uses(&boot)
        .iter()
        .all(|&(e, l)| store.contains(&galois_record(set, e, l))));

    let msg = uniform_message(boot.slots(), opts.seed ^ 0x5eed);
    let slots = ctx.params().slots();
    let full: Vec<f64> = (0..slots).map(|i| msg[i % msg.len()]).collect();
    let enc = Encryptor::new(&ctx);
    let pt = enc.encode_real(soft, &full, preset.boot.input_scale, 0)?;
    let ct = enc.encrypt_pk(soft, &pk, &pt, &mut rng)?;

    let before = store.pmem_stats();
    let mut source = PmemKeySource::open(&mut store, &ctx, &boot, set, budget)?;
    let engine = build_threaded(opts.engine, opts.threads)?;
    let mut ev = Evaluator::new(&ctx, Counting::new(engine));
    let sampler = usage::PeakSampler::start();
    let (t, cpu) = (Instant::now(), usage::process_cpu_ns().unwrap_or(0));
    let out = bootstrap_streamed(&boot, &mut ev, &mut source, &ct)?;
    let seconds = t.elapsed().as_secs_f64();
    let cpu_seconds = usage::process_cpu_ns().unwrap_or(0).saturating_sub(cpu) as f64 * 1e-9;
    let peak_rss_anon = sampler.stop() * 1024;
    let stream = source.stats();
    let after = source.pmem_stats();
    let device_cycles = ev.engine().inner.device_cycles();
    let ntts = ev.engine().total();
    let dec = enc.decode_complex(soft, &enc.decrypt(&sk, &out)?)?;
    let (bits_mean, bits_worst) = precision(&dec, &full);
    let key_set_bytes = (info.galois_keys as u64 + 1) * key_switch_key_bytes(&ctx) as u64;
    Ok(BenchReport {
        preset: preset.name,
        log_n: preset.log_n,
        log_slots: preset.boot.log_slots,
        log_qp: preset.log_qp(),
        engine: opts.engine.name(),
        threads: opts.threads.max(1),
        seconds,
        cpu_seconds,
        keygen_seconds,
        bits_mean,
        bits_worst,
        galois_keys: info.galois_keys,
        key_set_bytes,
        store_bytes: info.bytes,
        stream,
        pmem: stats_delta(before, after),
        mem_budget: opts.mem_budget,
        peak_rss_anon,
        peak_rss: usage::peak_rss_kb().unwrap_or(0) * 1024,
        device_cycles,
        ntts,
    })
}

fn stats_delta(a: PmemStats, b: PmemStats) -> PmemStats {
    PmemStats {
        bytes_read: b.bytes_read - a.bytes_read,
        bytes_written: b.bytes_written - a.bytes_written,
        media_bytes_read: b.media_bytes_read - a.media_bytes_read,
        media_bytes_written: b.media_bytes_written - a.media_bytes_written,
        reads: b.reads - a.reads,
        writes: b.writes - a.writes,
        flushes: b.flushes - a.flushes,
        modelled_ns: b.modelled_ns - a.modelled_ns,
    }
}
