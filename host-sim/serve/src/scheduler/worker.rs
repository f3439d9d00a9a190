//! The device thread: owns the device model and the reliable engine,
//! validates jobs against its plan cache, queues them fairly and runs them
//! in batches.

use super::fair::{Batch, FairQueue};
use super::{Job, Msg, SchedulerConfig, SchedulerReport, PSI_MISMATCH};
use crate::error::Result;
use hearth_device::factory::{batch_capacity, device_engine, reliability, DeviceEngine};
use hearth_device::SimDevice;
use hearth_hal::pipeline::Direction;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::{NttEngine, OwnedNttPlan};
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Instant;

/// Words of saved input the fallback engine keeps: a whole device batch, so
/// that a batch is retried as one sub-batch.
const SCRATCH_WORDS: usize = 1 << 20;

type Class = (Direction, usize);
type KernelResult<T> = core::result::Result<T, hearth_kernels::Error>;

struct Worker {
    engine: DeviceEngine,
    dev: SimDevice,
    plans: HashMap<(u64, usize), OwnedNttPlan<u64>>,
    capacity: HashMap<usize, usize>,
    queue: FairQueue<Class, Job>,
    report: SchedulerReport,
    buf: Vec<u64>,
}

/// The thread's body: signals `ready` once the device is probed, then serves
/// until [`Msg::Stop`] (after answering every job received before it) or
/// until every sender is gone.
pub(super) fn run(
    config: SchedulerConfig,
    rx: Receiver<Msg>,
    ready: SyncSender<core::result::Result<(), String>>,
) -> Result<SchedulerReport> {
    let (engine, dev) = match device_engine(
        config.faults_per_million,
        config.seed,
        config.retries,
        SCRATCH_WORDS,
    ) {
        Ok(e) => e,
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            return Err(e.into());
        }
    };
    let _ = ready.send(Ok(()));
    let mut w = Worker {
        engine,
        dev,
        plans: HashMap::new(),
        capacity: HashMap::new(),
        queue: FairQueue::new(config.quantum),
        report: SchedulerReport::default(),
        buf: Vec::new(),
    };
    let mut stopping = false;
    loop {
        if w.queue.is_empty() {
            if stopping {
                break;
            }
            match rx.recv() {
                Ok(m) => stopping |= w.take(m),
                Err(_) => break,
            }
        }
        while let Ok(m) = rx.try_recv() {
            stopping |= w.take(m);
        }
        let t = Instant::now();
        let caps = &w.capacity;
        if let Some(batch) = w
            .queue
            .next_batch(|(_, n)| caps.get(&n).copied().unwrap_or(1))
        {
            w.run_batch(batch);
        }
        w.report.busy_seconds += t.elapsed().as_secs_f64();
    }
    let activity = w.dev.activity();
    w.report.device_cycles = activity.cycles;
    w.report.device_jobs = activity.completed;
    w.report.reliability = reliability(&mut w.engine);
    Ok(w.report)
}

impl Worker {
    /// Takes one message; `true` for [`Msg::Stop`].
    fn take(&mut self, m: Msg) -> bool {
        match m {
            Msg::Stop => true,
            Msg::Job(job) => {
                let t = Instant::now();
                match self.admit(&job) {
                    Ok(limbs) => self.queue.push(job.tenant, (job.dir, job.n), limbs, job),
                    Err(e) => {
                        self.report.refused += 1;
                        let _ = job.reply.send(Err(e));
                    }
                }
                self.report.busy_seconds += t.elapsed().as_secs_f64();
                false
            }
        }
    }

    /// Checks a job's shape and every limb's `(q, ψ)` against the plan
    /// cache (building missing plans); returns its limbs.
    fn admit(&mut self, job: &Job) -> KernelResult<usize> {
        let limbs = job.primes.len();
        let words = limbs.saturating_mul(job.n);
        if job.data.len() != words {
            return Err(hearth_kernels::Error::LengthMismatch {
                expected: words,
                actual: job.data.len(),
            });
        }
        for &(q, psi) in &job.primes {
            let plan = match self.plans.entry((q, job.n)) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(OwnedNttPlan::<u64>::new(q, job.n)?)
                }
            };
            if plan.psi() != psi {
                return Err(hearth_kernels::Error::Engine {
                    kind: EngineFailure::Unsupported,
                    code: PSI_MISMATCH,
                });
            }
        }
        if !self.capacity.contains_key(&job.n) {
            let c = batch_capacity(&mut self.engine, job.n);
            self.capacity.insert(job.n, c);
        }
        Ok(limbs)
    }

    /// Runs one batch as one engine call, limbs sorted by prime, and answers
    /// every job in it.
    fn run_batch(&mut self, batch: Batch<Class, Job>) {
        let (dir, n) = batch.class;
        // (q, job, limb) in prime order; stable, so each job's limbs of one
        // prime stay in order.
        let mut order: Vec<(u64, usize, usize)> = Vec::with_capacity(batch.limbs());
        for (j, d) in batch.jobs.iter().enumerate() {
            for (l, &(q, _)) in d.item.primes.iter().enumerate() {
                order.push((q, j, l));
            }
        }
        order.sort_by_key(|&(q, _, _)| q);
        let plans: Option<Vec<&OwnedNttPlan<u64>>> = order
            .iter()
            .map(|(q, _, _)| self.plans.get(&(*q, n)))
            .collect();
        self.buf.clear();
        for &(_, j, l) in &order {
            if let Some(limb) = batch
                .jobs
                .get(j)
                .and_then(|d| d.item.data.get(l * n..(l + 1) * n))
            {
                self.buf.extend_from_slice(limb);
            }
        }
        let t = Instant::now();
        let result = match plans {
            Some(plans) => match dir {
                Direction::Forward => self.engine.forward(&plans, &mut self.buf),
                Direction::Inverse => self.engine.inverse(&plans, &mut self.buf),
            },
            None => Err(hearth_kernels::Error::Engine {
                kind: EngineFailure::Unsupported,
                code: PSI_MISMATCH,
            }),
        };
        self.report.engine_seconds += t.elapsed().as_secs_f64();
        self.report.batches += 1;
        self.report.limbs += order.len() as u64;
        self.report.max_batch_limbs = self.report.max_batch_limbs.max(order.len() as u64);
        let mut tenants: Vec<u32> = batch.jobs.iter().map(|d| d.tenant).collect();
        tenants.sort_unstable();
        tenants.dedup();
        self.report.max_batch_tenants = self.report.max_batch_tenants.max(tenants.len() as u64);

        let mut jobs: Vec<_> = batch.jobs.into_iter().collect();
        if result.is_ok() {
            for (k, &(_, j, l)) in order.iter().enumerate() {
                let src = self.buf.get(k * n..(k + 1) * n);
                let dst = jobs
                    .get_mut(j)
                    .and_then(|d| d.item.data.get_mut(l * n..(l + 1) * n));
                if let (Some(src), Some(dst)) = (src, dst) {
                    dst.copy_from_slice(src);
                }
            }
        }
        for d in jobs {
            let s = self.report.tenants.entry(d.tenant).or_default();
            s.jobs += 1;
            s.limbs += d.limbs as u64;
            s.worst_wait_rounds = s.worst_wait_rounds.max(d.rounds_waited);
            let waited = u64::try_from(d.item.sent.elapsed().as_micros()).unwrap_or(u64::MAX);
            s.worst_wait_us = s.worst_wait_us.max(waited);
            let answer = match result {
                Ok(()) => Ok(d.item.data),
                Err(e) => Err(e),
            };
            let _ = d.item.reply.send(answer);
        }
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
