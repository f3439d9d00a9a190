//! NTT jobs on the device model, made reliable.
//!
//! [`DeviceEngine`] stacks, from the device outwards:
//! 1. hal's `PipelineEngine` driving the register-level [`SimDevice`];
//! 2. [`Faulty`]: injects device faults (hang → time-out, error status,
//!    flipped output bit) into a seeded random fraction of jobs;
//! 3. [`Checked`]: verifies every limb the device returns, turning silent
//!    corruption into an error: forward results in `O(N)` by the sum
//!    identity below, inverse results by transforming them forward again in
//!    software (`O(N log N)`: this check costs as much as the job itself);
//! 4. hal's `FallbackEngine`: retries a failed sub-batch, then runs it in
//!    software, and counts both.
//!
//! ## The check
//! With the forward transform of `docs/architecture.md` `out[i] = a(ψ^(2·brv(i)+1))`,
//! `Σ_i out[i] = Σ_j a_j ψ^j Σ_k ω^(jk)` with `ω = ψ²` a primitive `N`-th
//! root, and `Σ_k ω^(jk)` is `N` for `j = 0` and `0` otherwise (geometric
//! series), so `Σ_i out[i] ≡ N·a_0 (mod q)`. The inverse transform obeys the
//! same identity with input and output exchanged. A single wrong word changes
//! the sum by a non-zero amount mod `q` (the error is below `q`), so every
//! single-word corruption — a flipped bit in particular — is detected, at
//! `O(N)` cost per limb.

use crate::engine::{sim_driver, SimPipeline};
use crate::{Fault, SimDevice};
use hearth_hal::engine::{FallbackEngine, FallbackStats, PipelineEngine};
use hearth_hal::pipeline::Config;
use hearth_hal::regmap::ErrorCode;
use hearth_kernels::arith::Word;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};
use hearth_kernels::splitmix::splitmix64 as splitmix;

/// Injects faults into a random fraction of the device's jobs.
#[derive(Debug)]
pub struct Faulty<E> {
    inner: E,
    device: SimDevice,
    per_million: u64,
    state: u64,
    /// Faults injected so far.
    pub injected: u64,
}

impl<E> Faulty<E> {
    /// Faults in `per_million` of the jobs on `device`, chosen by `seed`.
    pub fn new(inner: E, device: SimDevice, per_million: u64, seed: u64) -> Self {
        Self {
            inner,
            device,
            per_million,
            state: seed,
            injected: 0,
        }
    }

    fn maybe_inject(&mut self, limbs: usize, n: usize) {
        if splitmix(&mut self.state) % 1_000_000 >= self.per_million {
            return;
        }
        let r = splitmix(&mut self.state);
        let fault = match r % 3 {
            0 => Fault::Hang,
            1 => Fault::Error(ErrorCode::Internal),
            _ => Fault::FlipBit {
                limb: ((r >> 8) % limbs.max(1) as u64) as u32,
                index: ((r >> 24) % n.max(1) as u64) as u32,
                bit: ((r >> 48) % 40) as u32,
            },
        };
        self.device.inject(fault, 1);
        self.injected += 1;
    }
}

// Jobs run where the wrapped engine runs them.
hearth_kernels::forward_jobs!(Faulty, inner);

impl<W: Word, E: NttEngine<W>> NttEngine<W> for Faulty<E> {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        let n = limbs.len() / plans.len().max(1);
        self.maybe_inject(plans.len(), n);
        let r = self.inner.forward(plans, limbs);
        self.device.clear_faults();
        r
    }
    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        let n = limbs.len() / plans.len().max(1);
        self.maybe_inject(plans.len(), n);
        let r = self.inner.inverse(plans, limbs);
        self.device.clear_faults();
        r
    }
}

/// Verifies every limb an engine returns with the NTT's sum identity.
#[derive(Debug, Default)]
pub struct Checked<E> {
    inner: E,
    /// Limbs found corrupt so far.
    pub corrupt: u64,
}

impl<E> Checked<E> {
    /// Wraps `inner`.
    pub fn new(inner: E) -> Self {
        Self { inner, corrupt: 0 }
    }
}

/// `(Σ words mod q, N·first mod q)` of one limb.
fn sums<W: Word>(q: u64, first: u64, words: &[W]) -> (u64, u64) {
    let q128 = u128::from(q);
    let sum = words.iter().fold(0u128, |s, w| s + u128::from(w.to_u64())) % q128;
    let n = words.len() as u128 % q128;
    (sum as u64, ((n * u128::from(first)) % q128) as u64)
}

impl<E> Checked<E> {
    fn corrupt(&mut self) -> hearth_kernels::Error {
        self.corrupt += 1;
        hearth_kernels::Error::Engine {
            kind: EngineFailure::Corrupt,
            code: 0,
        }
    }

    fn forward_checked<W: Word, S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error>
    where
        E: NttEngine<W>,
    {
        let n = (limbs.len() / plans.len().max(1)).max(1);
        let firsts: Vec<u64> = limbs.chunks(n).map(|l| l[0].to_u64()).collect();
        self.inner.forward(plans, limbs)?;
        for ((p, l), a0) in plans.iter().zip(limbs.chunks(n)).zip(firsts) {
            let q = p.modulus().value().to_u64();
            let (s, want) = sums(q, a0, l);
            if s != want || l.iter().any(|w| w.to_u64() >= q) {
                return Err(self.corrupt());
            }
        }
        Ok(())
    }

    fn inverse_checked<W: Word, S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error>
    where
        E: NttEngine<W>,
    {
        let input = limbs.to_vec();
        self.inner.inverse(plans, limbs)?;
        let mut again = limbs.to_vec();
        SoftwareNtt.forward(plans, &mut again)?;
        if again != input {
            return Err(self.corrupt());
        }
        Ok(())
    }
}

// Jobs run where the wrapped engine runs them.
hearth_kernels::forward_jobs!(Checked, inner);

impl<W: Word, E: NttEngine<W>> NttEngine<W> for Checked<E> {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.forward_checked(plans, limbs)
    }
    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.inverse_checked(plans, limbs)
    }
}

/// The reliable device engine: checked, retried, falling back to software.
pub type DeviceEngine = FallbackEngine<Checked<Faulty<SimPipeline>>, Vec<u64>>;

/// A device model of the modelled machine ([`crate::engine::sim_driver`]) and
/// the reliable engine over it, with
/// faults in `faults_per_million` of the jobs (0: none), `retries` retries,
/// and room for `scratch_words` words of saved input per sub-batch.
pub fn device_engine(
    faults_per_million: u64,
    seed: u64,
    retries: u32,
    scratch_words: usize,
) -> crate::error::Result<(DeviceEngine, SimDevice)> {
    let (driver, dev) = sim_driver(Config {
        timeout_us: 200,
        ..Config::default()
    })?;
    let faulty = Faulty::new(
        PipelineEngine::new(driver),
        dev.clone(),
        faults_per_million,
        seed,
    );
    let engine = FallbackEngine::new(Checked::new(faulty), vec![0u64; scratch_words], retries);
    Ok((engine, dev))
}

/// What the reliable engine did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reliability {
    /// Faults injected into device jobs.
    pub faults_injected: u64,
    /// Limbs the sum check found corrupt.
    pub corrupt_detected: u64,
    /// Sub-batches completed by the device.
    pub device_ok: u64,
    /// Retries on the device.
    pub retries: u64,
    /// Sub-batches that fell back to software.
    pub fallbacks: u64,
}

/// Reads the counters of `engine`.
pub fn reliability(engine: &mut DeviceEngine) -> Reliability {
    let FallbackStats {
        primary_ok,
        retries,
        fallbacks,
    } = engine.stats();
    let checked = engine.primary();
    Reliability {
        faults_injected: checked.inner.injected,
        corrupt_detected: checked.corrupt,
        device_ok: primary_ok,
        retries,
        fallbacks,
    }
}

/// Limbs of degree `n` the device takes in one job: its batch limit, or as
/// many as its data region holds if that is fewer (at least 1).
pub fn batch_capacity(engine: &mut DeviceEngine, n: usize) -> usize {
    let driver = engine.primary().inner.inner.driver();
    let max_batch = driver.capabilities().max_batch as usize;
    let data = driver.layout().data_words as usize;
    (data / n.max(1)).min(max_batch).max(1)
}
