//! The sequential baseline: one tenant served `M` times in a row on the
//! calling thread, with the NTT engine's time measured. Its relinearization
//! key stays in memory (read back once if it was parked): the best one
//! model alone can do.

use super::{wrong, DeviceFigures, EngineKind, ServeOptions};
use crate::error::Result;
use crate::tenant::Tenant;
use hearth_device::factory::{device_engine, reliability};
use hearth_device::RTL_CLOCK_HZ;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};
use hearth_nn::Mlp;
use std::time::Instant;

/// Serves `t` `times` times on this thread; returns seconds, wrong
/// predictions, seconds in NTT calls and, for the device, its figures.
pub(super) fn sequential(
    t: &mut Tenant,
    mlp: &Mlp,
    rows: &[Vec<f64>],
    times: usize,
    opts: &ServeOptions,
) -> Result<(f64, usize, f64, Option<DeviceFigures>)> {
    t.unpark_resident()?;
    match opts.engine {
        EngineKind::Soft => {
            let mut e = Timed::new(SoftwareNtt);
            let start = Instant::now();
            let mut bad = 0;
            for _ in 0..times {
                bad += serve_once(t, &mut e, mlp, rows)?;
            }
            Ok((start.elapsed().as_secs_f64(), bad, e.seconds, None))
        }
        EngineKind::Device => {
            let c = opts.scheduler;
            let (engine, dev) = device_engine(c.faults_per_million, c.seed, c.retries, 1 << 20)?;
            let mut e = Timed::new(engine);
            let start = Instant::now();
            let mut bad = 0;
            for _ in 0..times {
                bad += serve_once(t, &mut e, mlp, rows)?;
            }
            let wall = start.elapsed().as_secs_f64();
            let a = dev.activity();
            let f = DeviceFigures {
                batches: e.calls,
                mean_batch_limbs: e.limbs as f64 / e.calls.max(1) as f64,
                max_batch_tenants: 1,
                device_jobs: a.completed,
                device_cycles: a.cycles,
                device_seconds: a.cycles as f64 / RTL_CLOCK_HZ,
                ntt_seconds: e.seconds,
                ntt_share: e.seconds / wall.max(1e-12),
                worst_wait_us: 0,
                worst_wait_rounds: 0,
                tenant_jobs: (e.calls, e.calls),
                reliability: reliability(&mut e.inner),
            };
            Ok((wall, bad, e.seconds, Some(f)))
        }
    }
}

/// Serves `t` once with `e`; returns the wrong predictions.
fn serve_once<E: NttEngine<u64>>(
    t: &mut Tenant,
    e: &mut E,
    mlp: &Mlp,
    rows: &[Vec<f64>],
) -> Result<usize> {
    let cts = t.encrypt(e, mlp, rows)?;
    let out = t.evaluate(e, mlp, cts)?;
    Ok(wrong(mlp, rows, &t.decrypt_logits(e, &out, rows.len())?))
}

/// Wraps an engine and measures the wall-clock time of its calls.
#[derive(Debug)]
struct Timed<E> {
    inner: E,
    calls: u64,
    limbs: u64,
    seconds: f64,
}

impl<E> Timed<E> {
    fn new(inner: E) -> Self {
        Self {
            inner,
            calls: 0,
            limbs: 0,
            seconds: 0.0,
        }
    }
}

// Jobs run where the wrapped engine runs them (untimed: not NTTs).
hearth_kernels::forward_jobs!(Timed, inner);

impl<E: NttEngine<u64>> NttEngine<u64> for Timed<E> {
    fn forward<S: AsRef<[u64]> + Sync>(
        &mut self,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        let t = Instant::now();
        let r = self.inner.forward(plans, limbs);
        self.calls += 1;
        self.limbs += plans.len() as u64;
        self.seconds += t.elapsed().as_secs_f64();
        r
    }

    fn inverse<S: AsRef<[u64]> + Sync>(
        &mut self,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        let t = Instant::now();
        let r = self.inner.inverse(plans, limbs);
        self.calls += 1;
        self.limbs += plans.len() as u64;
        self.seconds += t.elapsed().as_secs_f64();
        r
    }
}
