//! One device, many tenants: a device thread owns the simulated pipeline
//! and batches every tenant's NTT jobs onto it.
//!
//! The device model ([`hearth_device::SimDevice`]) is single-threaded, so a
//! thread owns it and the reliable engine over it
//! ([`super::device::device_engine`]: checked, retried, falling back to
//! software). Tenants hold a [`DeviceClient`] (`Clone + Send`), an
//! [`NttEngine<u64>`] whose `forward`/`inverse` copy the limbs into a job
//! (tenant, direction, `N`, and per limb the prime `q` and the plan's `ψ`),
//! send it to the device thread, block for the reply and copy the result
//! back.
//!
//! The device thread keeps a cache of plans keyed by `(q, N)` and refuses a
//! job whose `ψ` differs from its plan's ([`PSI_MISMATCH`]): the device
//! would compute another transform than the one the tenant's ring expects.
//! It drains every pending job into per-tenant FIFO queues and forms device
//! batches by deficit round robin ([`fair::FairQueue`]): same direction and
//! `N`, up to the device's batch capacity in limbs, several tenants' limbs
//! in one engine call (their plans concatenated, sorted by prime so that
//! the driver's jobs need few twiddle tables).
//!
//! Failures never panic and never hang a tenant: a job the device thread
//! cannot take returns [`hearth_kernels::Error::Engine`] with kind `Bus` and
//! code [`DEVICE_GONE`] (the thread has stopped or died, which drops the
//! job's reply channel), and engine failures are passed on as they are.

pub mod fair;
mod worker;

use crate::error::{Error, Result};
use hearth_hal::pipeline::Direction;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::engine::check_batch;
use hearth_kernels::ntt::{NttEngine, NttPlan};
use std::collections::BTreeMap;
use std::sync::mpsc::{self, Sender, SyncSender};
use std::thread::JoinHandle;
use std::time::Instant;

pub use hearth_device::factory::Reliability;

/// `Error::Engine` code (kind `Bus`): the device thread is gone.
pub const DEVICE_GONE: u32 = 0xD0_0001;
/// `Error::Engine` code (kind `Unsupported`): a limb's `ψ` is not the one
/// the device's plan for `(q, N)` uses.
pub const PSI_MISMATCH: u32 = 0xD0_0002;

/// How the device thread is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Device faults injected per million jobs (0: none).
    pub faults_per_million: u64,
    /// Seed of the fault injection.
    pub seed: u64,
    /// Retries of a failed device sub-batch before software fallback.
    pub retries: u32,
    /// Limbs a tenant may send per round-robin turn.
    pub quantum: usize,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            faults_per_million: 0,
            seed: 1,
            retries: 2,
            quantum: 32,
        }
    }
}

/// What one tenant sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TenantStats {
    /// Jobs (engine calls).
    pub jobs: u64,
    /// Limbs.
    pub limbs: u64,
    /// Longest time from sending a job to its reply, µs.
    pub worst_wait_us: u64,
    /// Most round-robin rounds a job waited in its queue.
    pub worst_wait_rounds: u64,
}

/// What the device thread did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SchedulerReport {
    /// Per tenant.
    pub tenants: BTreeMap<u32, TenantStats>,
    /// Jobs refused before reaching the device (bad lengths, `ψ`, primes).
    pub refused: u64,
    /// Engine calls (batches).
    pub batches: u64,
    /// Limbs in all batches.
    pub limbs: u64,
    /// Most limbs in one batch.
    pub max_batch_limbs: u64,
    /// Most tenants in one batch.
    pub max_batch_tenants: u64,
    /// Device cycles, by the device model's cycle model.
    pub device_cycles: u64,
    /// Jobs the device model completed (the driver splits batches).
    pub device_jobs: u64,
    /// Wall-clock seconds the device thread spent inside the engine.
    pub engine_seconds: f64,
    /// Wall-clock seconds the device thread was busy (engine, copies,
    /// batch formation, plans).
    pub busy_seconds: f64,
    /// Retries and fallbacks of the reliable engine.
    pub reliability: Reliability,
}

impl SchedulerReport {
    /// Mean limbs per batch.
    pub fn mean_batch_limbs(&self) -> f64 {
        self.limbs as f64 / self.batches.max(1) as f64
    }
}

/// A job on its way to the device thread.
#[derive(Debug)]
struct Job {
    tenant: u32,
    dir: Direction,
    n: usize,
    /// `(q, ψ)` per limb.
    primes: Vec<(u64, u64)>,
    data: Vec<u64>,
    sent: Instant,
    reply: SyncSender<core::result::Result<Vec<u64>, hearth_kernels::Error>>,
}

#[derive(Debug)]
enum Msg {
    Job(Job),
    Stop,
}

fn gone() -> hearth_kernels::Error {
    hearth_kernels::Error::Engine {
        kind: EngineFailure::Bus,
        code: DEVICE_GONE,
    }
}

/// A tenant's handle on the device thread: an [`NttEngine<u64>`].
#[derive(Debug, Clone)]
pub struct DeviceClient {
    tenant: u32,
    tx: Sender<Msg>,
}

impl DeviceClient {
    /// The tenant this client sends for.
    pub fn tenant(&self) -> u32 {
        self.tenant
    }

    /// Sends a job of `primes.len()` limbs of degree `n` (`(q, ψ)` per limb)
    /// in `data` and waits for the transformed limbs.
    pub fn submit(
        &self,
        dir: Direction,
        n: usize,
        primes: Vec<(u64, u64)>,
        data: Vec<u64>,
    ) -> core::result::Result<Vec<u64>, hearth_kernels::Error> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job = Job {
            tenant: self.tenant,
            dir,
            n,
            primes,
            data,
            sent: Instant::now(),
            reply,
        };
        self.tx.send(Msg::Job(job)).map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }

    fn run<S: AsRef<[u64]>>(
        &self,
        dir: Direction,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        let n = check_batch(plans, limbs.len())?;
        if plans.is_empty() {
            return Ok(());
        }
        let primes = plans
            .iter()
            .map(|p| (p.modulus().value(), p.psi()))
            .collect();
        let out = self.submit(dir, n, primes, limbs.to_vec())?;
        if out.len() != limbs.len() {
            return Err(hearth_kernels::Error::LengthMismatch {
                expected: limbs.len(),
                actual: out.len(),
            });
        }
        limbs.copy_from_slice(&out);
        Ok(())
    }
}

/// The limb-wise work between transforms runs on the calling thread.
impl hearth_kernels::jobs::Jobs for DeviceClient {}

impl NttEngine<u64> for DeviceClient {
    fn forward<S: AsRef<[u64]> + Sync>(
        &mut self,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        self.run(Direction::Forward, plans, limbs)
    }

    fn inverse<S: AsRef<[u64]> + Sync>(
        &mut self,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        self.run(Direction::Inverse, plans, limbs)
    }
}

/// The device thread and the way to reach it.
#[derive(Debug)]
pub struct DeviceScheduler {
    tx: Sender<Msg>,
    handle: Option<JoinHandle<Result<SchedulerReport>>>,
}

impl DeviceScheduler {
    /// Starts the device thread: builds the device model and the reliable
    /// engine in it, and returns once the device has been probed (or with
    /// the probe's error).
    pub fn spawn(config: SchedulerConfig) -> Result<Self> {
        let (tx, rx) = mpsc::channel();
        let (ready_tx, ready) = mpsc::sync_channel(1);
        let handle = std::thread::Builder::new()
            .name("hearth-device".into())
            .spawn(move || worker::run(config, rx, ready_tx))
            .map_err(|e| Error::Thread(format!("cannot start the device thread: {e}")))?;
        match ready.recv() {
            Ok(Ok(())) => Ok(Self {
                tx,
                handle: Some(handle),
            }),
            Ok(Err(message)) => {
                let _ = handle.join();
                Err(Error::Device(message))
            }
            Err(_) => Err(join_error(handle)),
        }
    }

    /// A client for `tenant`.
    pub fn client(&self, tenant: u32) -> DeviceClient {
        DeviceClient {
            tenant,
            tx: self.tx.clone(),
        }
    }

    /// Stops the device thread once the jobs it has received are answered,
    /// and returns what it did. Clients sending afterwards get
    /// [`DEVICE_GONE`].
    pub fn finish(mut self) -> Result<SchedulerReport> {
        let _ = self.tx.send(Msg::Stop);
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| Err(panicked())),
            None => Err(panicked()),
        }
    }
}

impl Drop for DeviceScheduler {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn panicked() -> Error {
    Error::Thread("the device thread panicked".into())
}

fn join_error(handle: JoinHandle<Result<SchedulerReport>>) -> Error {
    match handle.join() {
        Ok(Err(e)) => e,
        _ => panicked(),
    }
}
