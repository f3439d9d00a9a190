//! Encrypted inference of a batch of rows, the whole client–server exchange
//! on one machine: the client standardises its rows, picks parameters from
//! the network's depth and a calibration of its value ranges
//! ([`crate::params`]), generates keys ([`crate::session`]) and encrypts;
//! the ciphertexts cross the PMEM region ([`crate::transit`]); the server
//! evaluates the network with either packing ([`crate::throughput`],
//! [`crate::latency`]) over an NTT engine it does not know the nature of;
//! the results cross PMEM back and the client decrypts.

use crate::error::Result;
use crate::linear::Geometry;
use crate::options::{Packing, RunOptions};
use crate::session::Session;
use crate::transit::Transit;
use crate::{latency, params, throughput};
use hearth_device::Counting;
use hearth_kernels::ckks::Evaluator;
use hearth_kernels::ntt::NttEngine;
use hearth_nn::Mlp;
use hearth_pmem::usage::process_cpu_ns;
use hearth_pmem::PmemStats;
use std::time::Instant;

/// What the encrypted evaluation of a batch produced and measured.
#[derive(Debug, Clone)]
pub struct HeOutput {
    /// Decrypted logits per row.
    pub logits: Vec<Vec<f64>>,
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
    /// Bytes the client uploaded (its ciphertexts in the compact seeded
    /// format, [`crate::transit::Transit::upload`]).
    pub upload_bytes: u64,
    /// What the latency packing read from and wrote to its key and weight
    /// stores, when it streams them ([`crate::compiler::streamed`]).
    pub streamed: Option<crate::compiler::streamed::Traffic>,
}

/// Evaluates `mlp` on `rows` (raw features) under encryption, every NTT
/// on the engine `opts.engine` names ([`hearth_device::build`]).
/// `on_rows` is told how many rows each step finished (a progress bar's
/// feed; the library draws nothing).
pub fn run_network(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    on_rows: &mut dyn FnMut(usize),
) -> Result<HeOutput> {
    let mut engine = Counting::new(hearth_device::build_threaded(opts.engine, opts.threads)?);
    let mut out = run_with(mlp, rows, opts, &mut engine, on_rows)?;
    out.device_cycles = engine.inner.device_cycles();
    out.device_seconds = engine.inner.device_seconds();
    Ok(out)
}

fn run_with<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    engine: &mut Counting<E>,
    on_rows: &mut dyn FnMut(usize),
) -> Result<HeOutput> {
    let std_rows: Vec<Vec<f64>> = rows.iter().map(|r| mlp.standardised(r)).collect();
    let calib = opts.calibration.as_deref().unwrap_or(rows);
    let ranges = hearth_nn::calibrate::ranges(mlp, calib);
    let geo = latency::geometry(mlp);
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
    let mut io = Transit::default();
    let run = match opts.packing {
        Packing::Throughput => run_throughput(mlp, &std_rows, &mut sess, engine, &mut io, on_rows)?,
        Packing::Latency => run_latency(mlp, &std_rows, &mut sess, engine, &mut io, geo, on_rows)?,
    };
    Ok(HeOutput::of_run(
        run,
        keygen_seconds,
        engine.total(),
        &io,
        parameters,
    ))
}

impl HeOutput {
    /// The output of a run: its logits and one evaluation's (wall, CPU)
    /// seconds, the key generation's seconds, the NTTs, and the digests,
    /// uploads and PMEM traffic of its ciphertexts' transit (the device's
    /// figures are filled in by whoever owns the device; nothing was
    /// streamed).
    pub(crate) fn of_run(
        (logits, (latency_seconds, latency_cpu_seconds)): Logits,
        keygen_seconds: f64,
        ntts: u64,
        io: &Transit,
        parameters: Option<String>,
    ) -> Self {
        HeOutput {
            logits,
            keygen_seconds,
            latency_seconds,
            latency_cpu_seconds,
            ntts,
            device_cycles: 0,
            device_seconds: 0.0,
            pmem: io.pmem_stats(),
            parameters,
            ciphertext_sha256: io.digest_hex(),
            upload_bytes: io.uploaded_bytes(),
            streamed: None,
        }
    }
}

/// Logits and one evaluation's (wall, CPU) seconds.
pub(crate) type Logits = (Vec<Vec<f64>>, (f64, f64));

/// Wall-clock and the process's CPU time (every thread: the engine's pool
/// included).
pub(crate) struct Timer(Instant, Option<u64>);

impl Timer {
    pub(crate) fn start() -> Self {
        Timer(Instant::now(), process_cpu_ns())
    }

    /// `(wall, cpu)` seconds since the start (CPU 0 where unavailable).
    pub(crate) fn stop(&self) -> (f64, f64) {
        let cpu = process_cpu_ns()
            .zip(self.1)
            .map_or(0.0, |(b, a)| b.saturating_sub(a) as f64 * 1e-9);
        (self.0.elapsed().as_secs_f64(), cpu)
    }
}

fn run_throughput<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits> {
    let mut logits = Vec::with_capacity(rows.len());
    let mut first_eval = (0.0, 0.0);
    for (b, batch) in rows.chunks(sess.slots()).enumerate() {
        let cts = throughput::encrypt_batch_seeded(sess, engine, batch, mlp.inputs())?;
        let cts = io.upload(&sess.ctx, cts)?;
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, &mut *engine);
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
        on_rows(batch.len());
    }
    Ok((logits, first_eval))
}

fn run_latency<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    geo: Geometry,
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits> {
    let mut weights = latency::Resident::new(mlp, geo);
    let mut logits = Vec::with_capacity(rows.len());
    let mut times = Vec::new();
    for x in rows {
        let ct = latency::encrypt_sample_seeded(sess, engine, geo, x)?;
        let ct = io.upload(&sess.ctx, vec![ct])?.remove(0);
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, &mut *engine);
            latency::evaluate(&mut ev, sess, &mut weights, ct)?
        };
        times.push(t.stop());
        let out = io.output(&sess.ctx, vec![out])?.remove(0);
        let slots = sess.decrypt(engine, &out)?;
        logits.push(slots[..mlp.outputs()].to_vec());
        on_rows(1);
    }
    Ok((logits, steady_mean(&times)))
}

/// The mean `(wall, cpu)` seconds of the latency packing's evaluations
/// after the first (which also encodes the diagonals once); the first
/// alone when there is one.
pub(crate) fn steady_mean(times: &[(f64, f64)]) -> (f64, f64) {
    let steady = if times.len() > 1 { &times[1..] } else { times };
    let k = steady.len().max(1) as f64;
    let wall = steady.iter().map(|t| t.0).sum::<f64>() / k;
    let cpu = steady.iter().map(|t| t.1).sum::<f64>() / k;
    (wall, cpu)
}
