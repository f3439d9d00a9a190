//! Running a network of the IR (an imported ONNX model) over a data set,
//! encrypted in the throughput packing, and comparing it row by row with a
//! plaintext reference (for ONNX models: tract running the file,
//! `hearth_nn::oracle`, its `onnx` feature) into a [`RunReport`].
//!
//! The client side is as for MLPs ([`crate::encrypted`]): parameters from the
//! [`Program`]'s depth and its calibrated ranges, keys, one ciphertext per
//! input value holding `N/2` samples, ciphertexts crossing the PMEM region
//! both ways; the server side is [`compiler::evaluate`] over the engine the
//! options name.

use crate::compiler::{self, Program};
use crate::encrypted::{HeOutput, Timer};
use crate::error::{Error, Result};
use crate::options::{Packing, RunOptions};
use crate::params::{select_for_depth, Selection};
use crate::report::RunReport;
use crate::session::Session;
use crate::transit::Transit;
use hearth_device::Counting;
use hearth_kernels::ckks::Evaluator;
use hearth_kernels::ntt::NttEngine;
use hearth_nn::data::Dataset;
use hearth_nn::ir::Network;
use std::time::Instant;

/// A compiled network and the parameters chosen for it.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The lowered program.
    pub program: Program,
    /// The CKKS parameters.
    pub selection: Selection,
    /// Bytes of the ciphertexts alive at the program's peak, per batch.
    pub peak_bytes: u64,
}

impl Compiled {
    /// Lowers `net` and chooses parameters from its depth and the ranges
    /// `calibration` reaches.
    pub fn new(net: &Network, calibration: &[Vec<f64>]) -> Result<Self> {
        let program = compiler::compile(net)?;
        let (largest, logits) = program.ranges(calibration);
        let selection = select_for_depth(program.depth(), logits, largest, 1)?;
        let p = &selection.params;
        let limbs = p.chain_bits().len() as u64;
        let ct_bytes = 2 * limbs * (1u64 << p.log_degree()) * 8;
        let peak_bytes = program.peak_live() as u64 * ct_bytes;
        Ok(Compiled {
            program,
            selection,
            peak_bytes,
        })
    }

    /// A one-line summary: depth, products, peak memory.
    pub fn summary(&self) -> String {
        let (plain, cipher) = self.program.counts();
        format!(
            "depth {}, {} plaintext and {} ciphertext products per batch, {} ciphertexts ({} MiB) live at most",
            self.program.depth(),
            plain,
            cipher,
            self.program.peak_live(),
            self.peak_bytes >> 20
        )
    }
}

/// Runs `net`, compiled as `compiled`, over every row of `data`,
/// encrypted; `reference` gives the plaintext logits each row is compared
/// with; `on_rows` is told how many rows each batch finished.
pub fn run(
    net: &Network,
    compiled: &Compiled,
    model_name: &str,
    data: &Dataset,
    reference: &dyn Fn(&[f64]) -> hearth_nn::Result<Vec<f64>>,
    opts: &RunOptions,
    on_rows: &mut dyn FnMut(usize),
) -> Result<RunReport> {
    if opts.packing != Packing::Throughput {
        return Err(Error::Session(
            "networks imported from ONNX run in the throughput packing (--packing throughput)",
        ));
    }
    data.check_shape(net.input_shape())?;
    let plain: Vec<Vec<f64>> = data
        .rows
        .iter()
        .map(|r| reference(r))
        .collect::<hearth_nn::Result<_>>()?;
    crate::infer::measure(model_name, data, &plain, opts, || {
        run_encrypted(compiled, &data.rows, opts, on_rows)
    })
}

/// Evaluates a compiled network on `rows` under encryption, every NTT on
/// the engine `opts.engine` names.
pub fn run_encrypted(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    on_rows: &mut dyn FnMut(usize),
) -> Result<HeOutput> {
    let mut engine = Counting::new(hearth_device::build(opts.engine)?);
    let mut out = run_with(compiled, rows, opts, &mut engine, on_rows)?;
    out.device_cycles = engine.inner.device_cycles();
    out.device_seconds = engine.inner.device_seconds();
    Ok(out)
}

fn run_with<E: NttEngine<u64>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    engine: &mut Counting<E>,
    on_rows: &mut dyn FnMut(usize),
) -> Result<HeOutput> {
    let program = &compiled.program;
    let t0 = Instant::now();
    let mut sess = Session::new(compiled.selection.clone(), opts.seed, &[], engine)?;
    let keygen_seconds = t0.elapsed().as_secs_f64();
    let mut io = Transit::default();
    let mut logits = Vec::with_capacity(rows.len());
    let mut first_eval = (0.0, 0.0);
    for (b, batch) in rows.chunks(sess.slots()).enumerate() {
        let cts = (0..program.inputs())
            .map(|k| {
                let col: Vec<f64> = batch.iter().map(|r| r[k]).collect();
                sess.encrypt(engine, &col)
            })
            .collect::<Result<Vec<_>>>()?;
        let cts = io.through_pmem(&sess.ctx, cts)?;
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, &mut *engine);
            compiler::evaluate(&mut ev, sess.relin()?, program, cts)?
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
    Ok(HeOutput {
        logits,
        keygen_seconds,
        latency_seconds: first_eval.0,
        latency_cpu_seconds: first_eval.1,
        ntts: engine.total(),
        device_cycles: 0,
        device_seconds: 0.0,
        pmem: io.pmem_stats(),
        parameters: Some(compiled.selection.summary()),
        ciphertext_sha256: io.digest_hex(),
    })
}
