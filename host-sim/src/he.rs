//! Homomorphic evaluation of `hearth-mlp-v1` networks over the kernels'
//! RNS-CKKS (`hearth_kernels::ckks`).
//!
//! A run is the whole client–server exchange on one machine: the client
//! standardises its rows, picks parameters from the network's depth and a
//! calibration of its value ranges ([`params`]), generates keys
//! ([`session`]), encrypts; the ciphertexts go through the PMEM region (as
//! they would land in the server's persistent memory); the server evaluates
//! the network with either packing ([`throughput`], [`latency`]) over an
//! NTT engine it does not know the nature of ([`engine`]); the results go
//! back through PMEM and the client decrypts.

pub mod container;
pub mod engine;
pub mod files;
pub mod latency;
pub mod layers;
pub mod params;
#[cfg(test)]
mod rescale_ref;
#[cfg(feature = "rtl")]
pub mod rtl;
pub mod server;
pub mod session;
#[cfg(test)]
mod tests;
pub mod throughput;

use crate::error::{Error, Result};
use crate::infer::{Engine, Packing, RunOptions};
use crate::nn::Mlp;
use crate::pmem::{PmemFile, PmemStats};
use hearth_kernels::ckks::{Ciphertext, CkksContext, Evaluator};
use hearth_kernels::ntt::{NttEngine, SoftwareNtt};
use session::{ckks, Session};
use sha2::{Digest, Sha256};
use std::time::Instant;

/// What the encrypted evaluation of a batch produced and measured.
#[derive(Debug, Clone, Default)]
pub struct HeOutput {
    /// Decrypted logits per row.
    pub logits: Option<Vec<Vec<f64>>>,
    /// Seconds spent in key generation.
    pub keygen_seconds: f64,
    /// Seconds of one ciphertext's evaluation.
    pub latency_seconds: f64,
    /// CPU seconds of one ciphertext's evaluation.
    pub latency_cpu_seconds: f64,
    /// NTTs executed.
    pub ntts: u64,
    /// Simulated device cycles.
    pub device_cycles: u64,
    /// Simulated device seconds at the RTL clock.
    pub device_seconds: f64,
    /// PMEM traffic.
    pub pmem: PmemStats,
    /// Parameter summary.
    pub parameters: Option<String>,
    /// SHA-256 over the digests of every output ciphertext, in order (equal
    /// for equal seeds whatever the engine).
    pub ciphertext_sha256: Option<String>,
}

/// Clock of the modelled pipeline: the RTL harness's simulated 4 ns period
/// (`fpga/tb`, 250 MHz).
pub const RTL_CLOCK_HZ: f64 = 250e6;

/// Butterfly lanes of the modelled pipeline (the RTL's default `LANES`).
pub const SIM_LANES: u32 = 4;

/// Why `--engine rtl` fails in a build without the `rtl` feature, and the fix.
#[cfg(not(feature = "rtl"))]
pub const RTL_NOT_BUILT: &str = "--engine rtl: this `hearth` was built without the Verilated RTL; \
     rebuild with the `rtl` feature (needs verilator: apt-get install verilator): \
     cargo run --release -p hearth-sim --features rtl -- <command> ... --engine rtl";

/// Evaluates `mlp` on `rows` (raw features) under encryption.
pub fn run_network(mlp: &Mlp, rows: &[Vec<f64>], opts: &RunOptions) -> Result<HeOutput> {
    match opts.engine {
        Engine::Soft => run_with(mlp, rows, opts, &mut engine::Counting::new(SoftwareNtt)),
        Engine::Sim => {
            use crate::device::{Params, SimDelay, SimDevice};
            let dev = SimDevice::new(Params::new(64, SIM_LANES));
            let driver = hearth_hal::Pipeline::probe(
                dev.clone(),
                dev.clone(),
                SimDelay::default(),
                hearth_hal::Config::default(),
            )
            .map_err(|e| Error::Invalid(format!("the simulated device did not probe: {e:?}")))?;
            let mut eng = engine::Counting::new(hearth_hal::PipelineEngine::new(driver));
            let mut out = run_with(mlp, rows, opts, &mut eng)?;
            out.device_cycles = dev.activity().cycles;
            out.device_seconds = out.device_cycles as f64 / RTL_CLOCK_HZ;
            Ok(out)
        }
        #[cfg(feature = "rtl")]
        Engine::Rtl => {
            let (driver, mut bus) = rtl::probe()?;
            let mut eng = engine::Counting::new(hearth_hal::PipelineEngine::new(driver));
            let mut out = run_with(mlp, rows, opts, &mut eng)?;
            out.device_cycles = bus.tally().cycles;
            out.device_seconds = out.device_cycles as f64 / RTL_CLOCK_HZ;
            Ok(out)
        }
        #[cfg(not(feature = "rtl"))]
        Engine::Rtl => Err(Error::Invalid(RTL_NOT_BUILT.into())),
    }
}

fn run_with<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    engine: &mut engine::Counting<E>,
) -> Result<HeOutput> {
    let std_rows: Vec<Vec<f64>> = rows.iter().map(|r| mlp.standardised(r)).collect();
    let calib = opts.calibration.as_deref().unwrap_or(rows);
    let ranges = crate::nn::calibrate::ranges(mlp, calib);
    let geo = latency::Geometry::of(mlp);
    let min_slots = if opts.packing == Packing::Latency {
        geo.n
    } else {
        1
    };
    let selection = params::select(mlp, &ranges, min_slots)?;
    let parameters = Some(selection.summary());
    let t0 = Instant::now();
    let rotations = if opts.packing == Packing::Latency {
        geo.rotations()
    } else {
        vec![]
    };
    let mut sess = Session::new(selection, opts.seed, &rotations, engine)?;
    let keygen_seconds = t0.elapsed().as_secs_f64();
    let bar = progress(opts.progress, rows.len());
    let mut pmem = None;
    let mut digest = Sha256::new();
    let mut io = Io {
        pmem: &mut pmem,
        digest: &mut digest,
        bar: &bar,
    };
    let (logits, (latency_seconds, latency_cpu_seconds)) = match opts.packing {
        Packing::Throughput => run_throughput(mlp, &std_rows, &mut sess, engine, &mut io)?,
        Packing::Latency => run_latency(mlp, &std_rows, &mut sess, engine, &mut io, geo)?,
    };
    bar.finish_and_clear();
    Ok(HeOutput {
        logits: Some(logits),
        keygen_seconds,
        latency_seconds,
        latency_cpu_seconds,
        ntts: engine.total(),
        device_cycles: 0,
        device_seconds: 0.0,
        pmem: pmem.map(|p: PmemFile| p.stats()).unwrap_or_default(),
        parameters,
        ciphertext_sha256: Some(hex(&digest.finalize())),
    })
}

/// Logits and one evaluation's (wall, CPU) seconds.
type Logits = (Vec<Vec<f64>>, (f64, f64));

/// Wall-clock and this thread's CPU time.
struct Timer(Instant, Option<u64>);

impl Timer {
    fn start() -> Self {
        Timer(Instant::now(), crate::report::thread_cpu_ns())
    }

    /// `(wall, cpu)` seconds since the start (CPU 0 where unavailable).
    fn stop(&self) -> (f64, f64) {
        let cpu = crate::report::thread_cpu_ns()
            .zip(self.1)
            .map_or(0.0, |(b, a)| b.saturating_sub(a) as f64 * 1e-9);
        (self.0.elapsed().as_secs_f64(), cpu)
    }
}

fn run_throughput<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut engine::Counting<E>,
    io: &mut Io<'_>,
) -> Result<Logits> {
    let mut logits = Vec::with_capacity(rows.len());
    let mut first_eval = (0.0, 0.0);
    for (b, batch) in rows.chunks(sess.slots()).enumerate() {
        let cts = throughput::encrypt_batch(sess, engine, batch, mlp.inputs())?;
        let cts = io.through_pmem(&sess.ctx, cts)?;
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, engine::Lend(&mut *engine));
            throughput::evaluate(&mut ev, sess, mlp, cts)?
        };
        if b == 0 {
            first_eval = t.stop();
        }
        let out = io.output(&sess.ctx, out)?;
        let slots: Vec<Vec<f64>> = out
            .iter()
            .map(|c| sess.decrypt(engine, c))
            .collect::<Result<_>>()?;
        logits.extend((0..batch.len()).map(|j| slots.iter().map(|s| s[j]).collect::<Vec<f64>>()));
        io.bar.inc(batch.len() as u64);
    }
    Ok((logits, first_eval))
}

fn run_latency<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut engine::Counting<E>,
    io: &mut Io<'_>,
    geo: latency::Geometry,
) -> Result<Logits> {
    let mut cache = latency::Cache::default();
    let mut logits = Vec::with_capacity(rows.len());
    let mut times = Vec::new();
    for x in rows {
        let ct = latency::encrypt_sample(sess, engine, geo, x)?;
        let ct = io.through_pmem(&sess.ctx, vec![ct])?.remove(0);
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, engine::Lend(&mut *engine));
            latency::evaluate(&mut ev, sess, mlp, geo, &mut cache, ct)?
        };
        times.push(t.stop());
        let out = io.output(&sess.ctx, vec![out])?.remove(0);
        let slots = sess.decrypt(engine, &out)?;
        logits.push(slots[..mlp.outputs()].to_vec());
        io.bar.inc(1);
    }
    // The first sample also encodes the diagonals once; report the steady state.
    let steady = if times.len() > 1 {
        &times[1..]
    } else {
        &times[..]
    };
    let k = steady.len().max(1) as f64;
    let wall = steady.iter().map(|t| t.0).sum::<f64>() / k;
    let cpu = steady.iter().map(|t| t.1).sum::<f64>() / k;
    Ok((logits, (wall, cpu)))
}

/// Where a run's ciphertexts go between client and server.
struct Io<'a> {
    pmem: &'a mut Option<PmemFile>,
    digest: &'a mut Sha256,
    bar: &'a indicatif::ProgressBar,
}

impl Io<'_> {
    /// Hashes the server's output ciphertexts, then moves them through PMEM.
    fn output(
        &mut self,
        ctx: &CkksContext<u64>,
        cts: Vec<Ciphertext<u64>>,
    ) -> Result<Vec<Ciphertext<u64>>> {
        for c in &cts {
            self.digest.update(c.digest(ctx));
        }
        self.through_pmem(ctx, cts)
    }

    fn through_pmem(
        &mut self,
        ctx: &CkksContext<u64>,
        cts: Vec<Ciphertext<u64>>,
    ) -> Result<Vec<Ciphertext<u64>>> {
        through_pmem(self.pmem, ctx, cts)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Moves ciphertexts through the PMEM region one at a time (as the server
/// receives or emits them): each is written, made durable (flush + fence)
/// and read back from the mapped file, and the copy read back is what the
/// run continues with. One ciphertext's worth of region is mapped, so the
/// file's page cache does not inflate the resident set.
fn through_pmem(
    pmem: &mut Option<PmemFile>,
    ctx: &CkksContext<u64>,
    cts: Vec<Ciphertext<u64>>,
) -> Result<Vec<Ciphertext<u64>>> {
    let mut out = Vec::with_capacity(cts.len());
    for c in cts {
        let bytes = c.to_le_bytes(ctx);
        drop(c);
        let need = bytes.len() as u64;
        if pmem.as_ref().is_none_or(|p| p.len() < need) {
            let old = pmem.take().map(|p| p.stats()).unwrap_or_default();
            let mut p = PmemFile::temporary(need)?;
            p.carry_stats(old);
            *pmem = Some(p);
        }
        let p = pmem
            .as_mut()
            .ok_or_else(|| Error::Invalid("PMEM region unavailable".into()))?;
        p.write(0, &bytes)?;
        p.flush(0, need)?;
        p.fence();
        let mut buf = bytes;
        buf.iter_mut().for_each(|b| *b = 0);
        p.read(0, &mut buf)?;
        out.push(Ciphertext::from_le_bytes(ctx, &buf).map_err(ckks)?);
    }
    Ok(out)
}

fn progress(show: bool, len: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "  {spinner} encrypted inference {bar:30} {pos}/{len} samples, {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
