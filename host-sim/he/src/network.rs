//! Running a network of the IR (an imported ONNX model) over a data set,
//! encrypted in either packing, and comparing it row by row with a
//! plaintext reference (for ONNX models: tract running the file,
//! `hearth_nn::oracle`, its `onnx` feature) into a [`RunReport`].
//!
//! The client side is as for MLPs ([`crate::encrypted`]): parameters from the
//! [`Program`]'s depth and its calibrated ranges, keys, ciphertexts crossing
//! the PMEM region both ways. Throughput packing: one ciphertext per input
//! value holding `N/2` samples, evaluated by [`compiler::evaluate`].
//! Latency packing: one ciphertext per sample, evaluated by
//! [`compiler::latency::evaluate`] with the rotation keys its
//! [`LatencyPlan`] lists. Both over the engine the options name.
//!
//! A network compiled onto a bootstrapping preset's chain
//! ([`Compiled::bootstrapped`]) runs its bootstrap steps with
//! [`Bootstrapping`]: the client makes the bootstrapping keys from its
//! sparse secret, kept in memory or written to a PMEM object store and
//! streamed from it ([`BootKeys`]).

use crate::boot::bench::store_size;
use crate::boot::{working_set, Bootstrapping, PmemKeySource};
use crate::compiler::latency::{self, LatencyPlan, Planned, ProgramWeights};
use crate::compiler::schedule::Schedule;
use crate::compiler::streamed::{
    self, PrefetchedKeys, PrefetchedWeights, StoredRotationKeys, StoredWeights,
};
use crate::compiler::{self, Program};
use crate::compiler::{NoRefresh, Refresh};
use crate::encrypted::{steady_mean, HeOutput, Logits, Timer};
use crate::error::{Error, Result};
use crate::linear::WeightSource;
use crate::options::{Packing, RunOptions};
use crate::params::{select_for_bootstrap, select_for_depth, Selection};
use crate::report::RunReport;
use crate::rotation::RotationKeys;
use crate::session::Session;
use crate::transit::Transit;
use hearth_device::Counting;
use hearth_kernels::ckks::boot::presets::BootPreset;
use hearth_kernels::ckks::boot::{key_switch_key_bytes, BootKeySource, BootMode, Bootstrapper};
use hearth_kernels::ckks::Evaluator;
use hearth_kernels::ntt::NttEngine;
use hearth_nn::data::Dataset;
use hearth_nn::ir::Network;
use hearth_pmem::ObjectStore;
use std::time::Instant;

/// Where a bootstrapped run keeps the bootstrapping keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootKeys {
    /// All in memory.
    Memory,
    /// Generated into a PMEM object store (a temporary file, removed after
    /// the run) and streamed from it one Galois key at a time, at most
    /// `budget` bytes of key resident ([`crate::boot::PmemKeySource`]); the
    /// same keys and results as in memory.
    Streamed {
        /// Bytes of key that may be resident.
        budget: u64,
    },
}

/// Where the latency packing keeps its rotation keys and diagonals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyWeights {
    /// All in memory: the diagonals encoded during the first sample and
    /// kept.
    Memory,
    /// The rotation keys generated into one PMEM object store and the
    /// diagonals encoded into another (temporary files, removed after the
    /// run), each read as the evaluation reaches it, at most `budget`
    /// bytes of them resident ([`crate::compiler::streamed`]); the same
    /// keys, plaintexts and results as in memory.
    Streamed {
        /// Bytes of key and plaintext that may be resident.
        budget: u64,
    },
}

/// A compiled network and the parameters chosen for it.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The lowered program.
    pub program: Program,
    /// The packing the parameters were chosen for.
    pub packing: Packing,
    /// The rotations and diagonals of the latency packing.
    pub plan: LatencyPlan,
    /// The CKKS parameters.
    pub selection: Selection,
    /// Bytes of the ciphertexts alive at the program's peak (per batch in
    /// the throughput packing) and of the evaluation keys, plus, in the
    /// latency packing, an upper bound on the diagonal plaintexts kept (all
    /// at the top level). A bootstrapped run adds its bootstrapping keys and
    /// DFT plaintexts, checked once the bootstrapper is built and before
    /// any of those keys is made.
    pub peak_bytes: u64,
    /// Where a bootstrapped run keeps its bootstrapping keys.
    pub boot_keys: BootKeys,
    /// The order of the throughput packing's work ([`Schedule::new`]).
    pub schedule: Schedule,
    /// Where the latency packing keeps its keys and diagonals.
    pub latency_weights: LatencyWeights,
}

impl Compiled {
    /// Lowers `net` and chooses parameters for `packing` from its depth,
    /// the ranges `calibration` reaches and, in the latency packing, the
    /// slots its widest step needs.
    pub fn new(net: &Network, calibration: &[Vec<f64>], packing: Packing) -> Result<Self> {
        let program = compiler::compile(net)?;
        let plan = LatencyPlan::new(&program);
        let (largest, logits) = program.ranges(calibration);
        let min_slots = match packing {
            Packing::Throughput => 1,
            Packing::Latency => plan.min_slots(),
        };
        let selection = select_for_depth(program.depth(), logits, largest, min_slots)?;
        // The ring chosen may have room for wider grids than the compact
        // layouts' slots.
        let plan = LatencyPlan::with_room(&program, selection.params.slots());
        Ok(Self::with(program, plan, selection, packing))
    }

    /// Lowers `net` onto the chain of bootstrapping preset `preset`,
    /// bootstraps placed by [`Program::with_bootstraps`] on its user
    /// levels with ranges from `calibration`: for networks deeper than any
    /// chain. Insecure (toy) presets only when `allow_insecure`.
    pub fn bootstrapped(
        net: &Network,
        calibration: &[Vec<f64>],
        packing: Packing,
        preset: &BootPreset,
        allow_insecure: bool,
    ) -> Result<Self> {
        let program = compiler::compile(net)?.with_bootstraps(
            preset.user_levels,
            calibration,
            crate::params::MARGIN,
        )?;
        let (_, logits) = program.ranges(calibration);
        let selection = select_for_bootstrap(preset, allow_insecure, logits)?;
        // A sparse preset bootstraps `n_s` slots repeated over all of
        // them: the throughput packing (a sample per slot) cannot use it,
        // the latency packing only with a period dividing `n_s`.
        let boot_slots = 1usize << preset.boot.log_slots;
        let plan = LatencyPlan::with_room(&program, boot_slots.min(selection.params.slots()));
        let needed = match packing {
            Packing::Throughput => 1usize << (selection.params.log_degree() - 1),
            Packing::Latency => plan.min_slots(),
        };
        if needed > boot_slots {
            return Err(Error::TooMany {
                values: needed,
                room: boot_slots,
                unit: "slots the bootstrapping preset refreshes (a sparse preset suits the latency packing of small networks only)",
            });
        }
        Ok(Self::with(program, plan, selection, packing))
    }

    /// The compiled network with its peak memory.
    fn with(program: Program, plan: LatencyPlan, selection: Selection, packing: Packing) -> Self {
        let p = &selection.params;
        let n = 1u64 << p.log_degree();
        let poly_bytes = p.chain_bits().len() as u64 * n * 8;
        // A switching key: `dnum` pairs of polynomials over the chain and
        // the special primes.
        let key_bytes = p.dnum() as u64 * 2 * (p.chain().len() + p.special().len()) as u64 * n * 8;
        let schedule = Schedule::new(&program);
        let peak_bytes = match packing {
            Packing::Throughput => schedule.peak_polys(&program) as u64 * poly_bytes + key_bytes,
            Packing::Latency => {
                (program.peak_sources() as u64 * 2 + plan.diagonals() as u64) * poly_bytes
                    + (plan.rotations().len() as u64 + 1) * key_bytes
            }
        };
        Compiled {
            program,
            packing,
            plan,
            selection,
            peak_bytes,
            boot_keys: BootKeys::Memory,
            schedule,
            latency_weights: LatencyWeights::Memory,
        }
    }

    /// Refuses, before any key is made, a run whose peak memory
    /// ([`Compiled::peak_bytes`]) exceeds `available` bytes (`None`: not
    /// known, no check).
    pub fn check_memory(&self, available: Option<u64>) -> Result<()> {
        match available {
            Some(available) if self.peak_bytes > available => Err(Error::OutOfMemory {
                packing: self.packing.name(),
                needed: self.peak_bytes,
                available,
            }),
            _ => Ok(()),
        }
    }

    /// A one-line summary: depth, products or rotations, bootstraps, peak
    /// memory.
    pub fn summary(&self) -> String {
        let (steps, ciphertexts) = self.program.bootstraps();
        let refresh = if steps == 0 {
            String::new()
        } else {
            let per = match self.packing {
                Packing::Throughput => format!("{ciphertexts} ciphertexts per batch"),
                Packing::Latency => format!("{steps} per sample"),
            };
            format!(
                "; refreshed by {steps} bootstrap steps ({per}), {} levels between refreshes",
                self.program.chain_depth()
            )
        };
        let packing = match self.packing {
            Packing::Throughput => {
                let (plain, cipher) = self.program.counts();
                format!(
                    "throughput packing: depth {}, {} plaintext and {} ciphertext products per batch, {} ciphertexts live at most ({} MiB with the keys)",
                    self.program.depth(),
                    plain,
                    cipher,
                    self.schedule.peak_live(&self.program),
                    self.peak_bytes >> 20
                )
            }
            Packing::Latency => format!(
                "latency packing: depth {}, {} slots, {} diagonals, {} key switches per sample ({} rotation keys), at most {} MiB of ciphertexts, plaintexts and keys",
                self.program.depth(),
                self.plan.min_slots(),
                self.plan.diagonals(),
                self.plan.key_switches(&self.program),
                self.plan.rotations().len(),
                self.peak_bytes >> 20
            ),
        };
        packing + &refresh
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
    if opts.packing != compiled.packing {
        return Err(Error::Session(
            "the network was compiled for a packing other than the one the run asks for",
        ));
    }
    data.check_shape(net.input_shape())?;
    compiled.check_memory(hearth_pmem::usage::available_kb().map(|kb| kb << 10))?;
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
    let mut engine = Counting::new(hearth_device::build_threaded(opts.engine, opts.threads)?);
    let mut out = run_with(compiled, rows, opts, &mut engine, on_rows)?;
    out.device_cycles = engine.inner.device_cycles();
    out.device_seconds = engine.inner.device_seconds();
    Ok(out)
}

pub(crate) fn run_with<E: NttEngine<u64>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    engine: &mut Counting<E>,
    on_rows: &mut dyn FnMut(usize),
) -> Result<HeOutput> {
    if let (Packing::Latency, LatencyWeights::Streamed { budget }) =
        (compiled.packing, compiled.latency_weights)
    {
        return run_streamed(compiled, rows, opts, engine, on_rows, budget);
    }
    let rotations = match compiled.packing {
        Packing::Throughput => vec![],
        Packing::Latency => compiled.plan.rotations(),
    };
    let t0 = Instant::now();
    let mut sess = Session::new(compiled.selection.clone(), opts.seed, &rotations, engine)?;
    let mut io = Transit::default();
    let (logits, (latency_seconds, latency_cpu_seconds), keygen_seconds) =
        match compiled.selection.bootstrap {
            Some(preset) => {
                let boot = Bootstrapper::new(&sess.ctx, &mut *engine, preset.boot)?;
                // Its keys (resident ones, when streamed) and DFT
                // plaintexts beside the network's, checked before the keys
                // are made.
                let keys_bytes = match compiled.boot_keys {
                    BootKeys::Memory => {
                        (boot.galois_elements().len() as u64 + 1)
                            * key_switch_key_bytes(&sess.ctx) as u64
                    }
                    BootKeys::Streamed { budget } => {
                        let needed = working_set(&sess.ctx, &boot);
                        if needed > budget {
                            return Err(Error::MemBudget { needed, budget });
                        }
                        needed
                    }
                };
                let with_boot = Compiled {
                    peak_bytes: compiled.peak_bytes + keys_bytes + boot.plaintext_bytes() as u64,
                    ..compiled.clone()
                };
                with_boot.check_memory(hearth_pmem::usage::available_kb().map(|kb| kb << 10))?;
                let run = match compiled.boot_keys {
                    BootKeys::Memory => {
                        let mut keys = sess.bootstrap_keys(&mut *engine, &boot)?;
                        let keygen_seconds = t0.elapsed().as_secs_f64();
                        let run = run_refreshed(
                            compiled, rows, &mut sess, engine, &mut io, &boot, &mut keys, on_rows,
                        )?;
                        (run, keygen_seconds)
                    }
                    BootKeys::Streamed { budget } => {
                        let mut store = ObjectStore::temporary(store_size(&sess.ctx, &boot))?;
                        sess.bootstrap_keys_into(&mut store, BOOT_KEY_SET, &mut *engine, &boot)?;
                        let keygen_seconds = t0.elapsed().as_secs_f64();
                        let ctx = std::sync::Arc::clone(&sess.ctx);
                        let mut keys =
                            PmemKeySource::open(&mut store, &ctx, &boot, BOOT_KEY_SET, budget)?;
                        keys.set_mode(&boot, boot_mode(compiled.packing));
                        let run = run_refreshed(
                            compiled, rows, &mut sess, engine, &mut io, &boot, &mut keys, on_rows,
                        );
                        // A store error behind a failed key request names
                        // its record.
                        let run = run.map_err(|e| keys.take_failure().unwrap_or(e))?;
                        (run, keygen_seconds)
                    }
                };
                (run.0 .0, run.0 .1, run.1)
            }
            None => {
                let keygen_seconds = t0.elapsed().as_secs_f64();
                let run = run_packed(
                    compiled,
                    rows,
                    &mut sess,
                    engine,
                    &mut io,
                    &mut NoRefresh,
                    on_rows,
                )?;
                (run.0, run.1, keygen_seconds)
            }
        };
    let run = (logits, (latency_seconds, latency_cpu_seconds));
    let parameters = Some(compiled.selection.summary());
    Ok(HeOutput::of_run(
        run,
        keygen_seconds,
        engine.total(),
        &io,
        parameters,
    ))
}

/// The key set's name in a streamed latency run's rotation-key store.
const ROTATION_KEY_SET: &str = "rotations";
/// The prefix of a streamed latency run's diagonal records.
const WEIGHT_SET: &str = "weights";

/// The latency packing with the rotation keys and diagonals streamed from
/// PMEM object stores ([`LatencyWeights::Streamed`]): the stores are sized
/// and the working set checked against `budget` and the memory before any
/// key is made.
fn run_streamed<E: NttEngine<u64>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    opts: &RunOptions,
    engine: &mut Counting<E>,
    on_rows: &mut dyn FnMut(usize),
    budget: u64,
) -> Result<HeOutput> {
    let t0 = Instant::now();
    let (program, plan) = (&compiled.program, &compiled.plan);
    let top = compiled.selection.encrypt_level();
    let uses = plan.key_uses(program, top)?;
    let ctx = std::sync::Arc::new(hearth_kernels::ckks::CkksContext::<u64>::new(
        compiled.selection.params.clone(),
    )?);
    let n = ctx.degree() as u64;
    // A diagonal record: postcard's varints take at most ten bytes a word.
    let diagonal_record = |level: usize| (level as u64 + 1) * n * 10 + 4096;
    // The record being read, the plaintexts waiting and the one in use.
    let diagonal_set = |level: usize| {
        diagonal_record(level) + (streamed::AHEAD as u64 + 2) * (level as u64 + 1) * n * 8
    };
    let needed = streamed::key_working_set(&ctx, &uses) + diagonal_set(top);
    if needed > budget {
        return Err(Error::MemBudget { needed, budget });
    }
    let poly_bytes = (top as u64 + 1) * n * 8;
    let relin_bytes = key_switch_key_bytes(&ctx) as u64;
    let with_stream = Compiled {
        peak_bytes: program.peak_sources() as u64 * 2 * poly_bytes + relin_bytes + needed,
        ..compiled.clone()
    };
    with_stream.check_memory(hearth_pmem::usage::available_kb().map(|kb| kb << 10))?;
    let key_records = uses.values().map(|l| l.len() as u64).sum::<u64>();
    let key_size = streamed::key_set_bytes(&ctx, &uses) + key_records * 4096;
    let levels = plan.step_levels(program, top)?;
    let weight_size: u64 = plan
        .step_diagonals()
        .iter()
        .zip(&levels)
        .filter_map(|(d, &l)| d.map(|d| d as u64 * diagonal_record(l)))
        .sum();
    let mut key_store = ObjectStore::temporary(key_size + key_size / 16 + (8 << 20))?;
    let (mut sess, key_set) = Session::with_stored_rotations(
        std::sync::Arc::clone(&ctx),
        compiled.selection.clone(),
        opts.seed,
        &uses,
        &mut key_store,
        ROTATION_KEY_SET,
        engine,
    )?;
    let keygen_seconds = t0.elapsed().as_secs_f64();
    let mut weight_store = ObjectStore::temporary(weight_size + weight_size / 16 + (8 << 20))?;
    let keys = StoredRotationKeys::open(&mut key_store, &ctx, ROTATION_KEY_SET, &uses)?;
    let weights = StoredWeights::new(program, plan, &mut weight_store, WEIGHT_SET);
    let mut io = Transit::default();
    // From the second sample on, the keys and the diagonals are read ahead
    // on two more threads.
    let (run, key_traffic, weight_traffic) = std::thread::scope(|scope| {
        let mut keys = PrefetchedKeys::spawn(scope, keys);
        let mut weights = PrefetchedWeights::new(scope, weights, &ctx);
        let run = sample_loop(
            compiled,
            rows,
            &mut sess,
            engine,
            &mut io,
            &mut NoRefresh,
            (&mut keys, &mut weights),
            on_rows,
        );
        (run, keys.finish(), weights.finish())
    });
    let written = streamed::Traffic {
        records_written: key_set.records as u64,
        bytes_written: key_set.bytes,
        ..streamed::Traffic::default()
    };
    let traffic = key_traffic?.plus(weight_traffic?).plus(written);
    let parameters = Some(compiled.selection.summary());
    Ok(HeOutput {
        streamed: Some(traffic),
        ..HeOutput::of_run(run?, keygen_seconds, engine.total(), &io, parameters)
    })
}

/// The key set's name in a run's temporary bootstrapping-key store.
const BOOT_KEY_SET: &str = "boot";

/// [`run_packed`] with the bootstrap steps refreshed by `boot` and the
/// keys of `keys` (in memory or streamed).
#[allow(clippy::too_many_arguments)]
fn run_refreshed<E: NttEngine<u64>, K: BootKeySource<u64>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    boot: &Bootstrapper<u64>,
    keys: &mut K,
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits> {
    let mut refresh = Bootstrapping::in_mode(boot, keys, boot_mode(compiled.packing));
    run_packed(compiled, rows, sess, engine, io, &mut refresh, on_rows)
}

/// How a packing's bootstrap steps run: the throughput packing refreshes a
/// source's ciphertexts two by one bootstrap, the latency packing's source
/// is one ciphertext.
fn boot_mode(packing: Packing) -> BootMode {
    match packing {
        Packing::Throughput => BootMode::Pair,
        Packing::Latency => BootMode::Single,
    }
}

/// Runs the rows in the compiled packing, bootstrap steps refreshed by
/// `refresh`.
fn run_packed<E: NttEngine<u64>, R: for<'a> Refresh<&'a mut Counting<E>>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    refresh: &mut R,
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits> {
    match compiled.packing {
        Packing::Throughput => run_batches(compiled, rows, sess, engine, io, refresh, on_rows),
        Packing::Latency => run_samples(compiled, rows, sess, engine, io, refresh, on_rows),
    }
}

/// Throughput packing: batches of `N/2` rows, one ciphertext per input.
fn run_batches<E: NttEngine<u64>, R: for<'a> Refresh<&'a mut Counting<E>>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    refresh: &mut R,
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits> {
    let program = &compiled.program;
    let mut logits = Vec::with_capacity(rows.len());
    let mut first_eval = (0.0, 0.0);
    for (b, batch) in rows.chunks(sess.slots()).enumerate() {
        let cts = (0..program.inputs())
            .map(|k| {
                let col: Vec<f64> = batch.iter().map(|r| r[k]).collect();
                sess.encrypt_seeded(engine, &col)
            })
            .collect::<Result<Vec<_>>>()?;
        let cts = io.upload(&sess.ctx, cts)?;
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, &mut *engine);
            let schedule = &compiled.schedule;
            compiler::evaluate_scheduled(&mut ev, sess.relin()?, refresh, program, schedule, cts)?
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

/// Latency packing: one ciphertext per row, the rotation keys and
/// diagonals in memory; the diagonals are encoded during the first row and
/// kept, so the latency reported is the mean over the later rows (the
/// first alone when there is one).
fn run_samples<E: NttEngine<u64>, R: for<'a> Refresh<&'a mut Counting<E>>>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    refresh: &mut R,
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits> {
    let mut weights = ProgramWeights::new(&compiled.program, &compiled.plan);
    // Lent out of the session for the run (encryption needs the session).
    let gk = std::mem::take(&mut sess.gk);
    let run = sample_loop(
        compiled,
        rows,
        sess,
        engine,
        io,
        refresh,
        (&mut &gk, &mut weights),
        on_rows,
    );
    sess.gk = gk;
    run
}

/// Encrypts, evaluates and decrypts each row in the latency packing with
/// the rotation keys and diagonals of `sources`; the latency reported is
/// the mean over the rows after the first (which encodes the diagonals),
/// the first alone when there is one.
#[allow(clippy::too_many_arguments)]
fn sample_loop<E, R, K, W>(
    compiled: &Compiled,
    rows: &[Vec<f64>],
    sess: &mut Session,
    engine: &mut Counting<E>,
    io: &mut Transit,
    refresh: &mut R,
    (keys, weights): (&mut K, &mut W),
    on_rows: &mut dyn FnMut(usize),
) -> Result<Logits>
where
    E: NttEngine<u64>,
    R: for<'a> Refresh<&'a mut Counting<E>>,
    K: RotationKeys,
    W: WeightSource,
{
    let program = &compiled.program;
    let planned = Planned {
        program,
        plan: &compiled.plan,
    };
    let mut logits = Vec::with_capacity(rows.len());
    let mut times = Vec::with_capacity(rows.len());
    for x in rows {
        let slots = compiled.plan.layout(x, sess.slots())?;
        let ct = sess.encrypt_seeded(engine, &slots)?;
        let ct = io.upload(&sess.ctx, vec![ct])?.remove(0);
        let t = Timer::start();
        let out = {
            let mut ev = Evaluator::new(&sess.ctx, &mut *engine);
            let rk = sess.relin()?;
            latency::evaluate(&mut ev, keys, rk, refresh, planned, weights, ct)?
        };
        keys.end_sample();
        weights.end_sample();
        times.push(t.stop());
        let out = io.output(&sess.ctx, vec![out])?.remove(0);
        let slots = sess.decrypt(engine, &out)?;
        logits.push(compiled.plan.logits(&slots, program.outputs())?);
        on_rows(1);
    }
    Ok((logits, steady_mean(&times)))
}
