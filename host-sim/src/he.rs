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
pub mod latency;
pub mod layers;
pub mod params;
pub mod rescale;
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
}

/// Evaluates `mlp` on `rows` (raw features) under encryption.
pub fn run_network(mlp: &Mlp, rows: &[Vec<f64>], opts: &RunOptions) -> Result<HeOutput> {
    match opts.engine {
        Engine::Soft => run_with(mlp, rows, opts, engine::Counting::new(SoftwareNtt)),
        Engine::Sim => Err(Error::Invalid(
            "--engine sim: the simulated device (hal PipelineEngine over host-sim's device \
             model) is not part of this build yet; use --engine soft"
                .into(),
        )),
        Engine::Rtl => Err(Error::Invalid(
            "--engine rtl: the Verilated RTL is not built; build it with `cargo xtask rtl` \
             (needs verilator: apt-get install verilator), or use --engine soft"
                .into(),
        )),
    }
}

fn run_with<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    mut engine: engine::Counting<E>,
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
    let mut sess = Session::new(selection, opts.seed, &rotations, &mut engine)?;
    let keygen_seconds = t0.elapsed().as_secs_f64();
    let bar = progress(opts.progress, rows.len());
    let mut pmem = None;
    let (logits, latency_seconds) = match opts.packing {
        Packing::Throughput => {
            run_throughput(mlp, &std_rows, &mut sess, &mut engine, &mut pmem, &bar)?
        }
        Packing::Latency => {
            run_latency(mlp, &std_rows, &mut sess, &mut engine, &mut pmem, geo, &bar)?
        }
    };
    bar.finish_and_clear();
    Ok(HeOutput {
        logits: Some(logits),
        keygen_seconds,
        latency_seconds,
        ntts: engine.total(),
        device_cycles: 0,
        device_seconds: 0.0,
        pmem: pmem.map(|p: PmemFile| p.stats()).unwrap_or_default(),
        parameters,
    })
}

type Logits = (Vec<Vec<f64>>, f64);

fn run_throughput<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut engine::Counting<E>,
    pmem: &mut Option<PmemFile>,
    bar: &indicatif::ProgressBar,
) -> Result<Logits> {
    let mut logits = Vec::with_capacity(rows.len());
    let mut first_eval = 0.0;
    for (b, batch) in rows.chunks(sess.slots()).enumerate() {
        let cts = throughput::encrypt_batch(sess, engine, batch, mlp.inputs())?;
        let cts = through_pmem(pmem, &sess.ctx, cts)?;
        let t = Instant::now();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, engine::Lend(&mut *engine));
            throughput::evaluate(&mut ev, sess, mlp, cts)?
        };
        if b == 0 {
            first_eval = t.elapsed().as_secs_f64();
        }
        let out = through_pmem(pmem, &sess.ctx, out)?;
        let slots: Vec<Vec<f64>> = out
            .iter()
            .map(|c| sess.decrypt(engine, c))
            .collect::<Result<_>>()?;
        logits.extend((0..batch.len()).map(|j| slots.iter().map(|s| s[j]).collect::<Vec<f64>>()));
        bar.inc(batch.len() as u64);
    }
    Ok((logits, first_eval))
}

fn run_latency<E: NttEngine<u64>>(
    mlp: &Mlp,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut engine::Counting<E>,
    pmem: &mut Option<PmemFile>,
    geo: latency::Geometry,
    bar: &indicatif::ProgressBar,
) -> Result<Logits> {
    let mut cache = latency::Cache::default();
    let mut logits = Vec::with_capacity(rows.len());
    let mut times = Vec::new();
    for x in rows {
        let ct = latency::encrypt_sample(sess, engine, geo, x)?;
        let ct = through_pmem(pmem, &sess.ctx, vec![ct])?.remove(0);
        let t = Instant::now();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, engine::Lend(&mut *engine));
            latency::evaluate(&mut ev, sess, mlp, geo, &mut cache, ct)?
        };
        times.push(t.elapsed().as_secs_f64());
        let out = through_pmem(pmem, &sess.ctx, vec![out])?.remove(0);
        let slots = sess.decrypt(engine, &out)?;
        logits.push(slots[..mlp.outputs()].to_vec());
        bar.inc(1);
    }
    // The first sample also encodes the diagonals once; report the steady state.
    let steady = if times.len() > 1 {
        &times[1..]
    } else {
        &times[..]
    };
    Ok((
        logits,
        steady.iter().sum::<f64>() / steady.len().max(1) as f64,
    ))
}

/// Writes ciphertexts to the PMEM region (as the server receives or emits
/// them), makes them durable, and reads them back from it.
fn through_pmem(
    pmem: &mut Option<PmemFile>,
    ctx: &CkksContext<u64>,
    cts: Vec<Ciphertext<u64>>,
) -> Result<Vec<Ciphertext<u64>>> {
    let bytes: Vec<Vec<u8>> = cts.iter().map(|c| c.to_le_bytes(ctx)).collect();
    let need: u64 = bytes.iter().map(|b| b.len() as u64).sum();
    if pmem.as_ref().is_none_or(|p| p.len() < need) {
        let old = pmem.take().map(|p| p.stats()).unwrap_or_default();
        let mut p = PmemFile::temporary(need.max(1 << 20))?;
        p.carry_stats(old);
        *pmem = Some(p);
    }
    let p = pmem
        .as_mut()
        .ok_or_else(|| Error::Invalid("PMEM region unavailable".into()))?;
    let mut off = 0u64;
    for b in &bytes {
        p.write(off, b)?;
        off += b.len() as u64;
    }
    p.flush(0, off)?;
    p.fence();
    let mut out = Vec::with_capacity(bytes.len());
    let mut off = 0u64;
    for b in &bytes {
        let mut buf = vec![0u8; b.len()];
        p.read(off, &mut buf)?;
        off += b.len() as u64;
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
