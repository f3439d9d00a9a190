//! The one place that builds NTT engines.
//!
//! Every run chooses an [`Engine`] kind; [`build`] turns it into an
//! [`AnyEngine`]: the kernels' software NTT, hal's `PipelineEngine` over the
//! register-level device model ([`crate::SimDevice`]), or over the
//! Verilated RTL (feature `rtl`). The reliable, fault-injecting stack used
//! for serving and streaming is built by [`crate::factory::device_engine`]
//! from the same [`sim_driver`]. Both device engines model the same
//! machine: `WORD_BITS = 64`, [`SIM_LANES`] butterfly lanes, clocked at
//! [`RTL_CLOCK_HZ`].

use crate::error::Result;
use crate::{Params, SimDelay, SimDevice};
use hearth_hal::engine::PipelineEngine;
use hearth_hal::pipeline::{Config, Pipeline};
use hearth_kernels::jobs::{Jobs, Sequential};
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};

/// Clock of the modelled pipeline: the RTL harness's simulated 4 ns period
/// (`fpga/tb`, 250 MHz).
pub const RTL_CLOCK_HZ: f64 = 250e6;

/// Butterfly lanes of the modelled pipeline (the RTL's default `LANES`).
pub const SIM_LANES: u32 = 4;

/// Device word size of the modelled pipeline (the host's `u64` words).
pub const SIM_WORD_BITS: u32 = 64;

/// Which engine runs the NTTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The kernels' software NTT on this CPU.
    Soft,
    /// The simulated FPGA pipeline (device model), counting cycles.
    Sim,
    /// The Verilated RTL of the pipeline.
    Rtl,
}

impl Engine {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Soft => "soft",
            Engine::Sim => "sim",
            Engine::Rtl => "rtl",
        }
    }
}

/// The hal driver over the device model.
pub type SimDriver = Pipeline<SimDevice, SimDevice, SimDelay>;

/// hal's pipeline engine over the device model.
pub type SimPipeline = PipelineEngine<SimDevice, SimDevice, SimDelay>;

/// A new device model of the modelled machine ([`SIM_WORD_BITS`],
/// [`SIM_LANES`]) and the hal driver probed over it with `config`.
pub fn sim_driver(config: Config) -> Result<(SimDriver, SimDevice)> {
    let dev = SimDevice::new(Params::new(SIM_WORD_BITS, SIM_LANES));
    let driver = Pipeline::probe(dev.clone(), dev.clone(), SimDelay::default(), config)?;
    Ok((driver, dev))
}

/// An engine of any kind, and what it needs to report device cycles.
#[derive(Debug)]
pub enum AnyEngine {
    /// The kernels' software NTT.
    Soft(SoftwareNtt),
    /// The kernels' software NTT and the limb-wise jobs on a thread pool.
    Threaded(crate::ThreadedNtt),
    /// The device model through the hal driver.
    Sim {
        /// The engine (boxed: it holds the driver's twiddle cache).
        engine: Box<SimPipeline>,
        /// A handle on the device model (its activity counters).
        device: SimDevice,
    },
    /// The Verilated RTL through the hal driver.
    #[cfg(feature = "rtl")]
    Rtl {
        /// The engine.
        engine: Box<crate::rtl::RtlEngine>,
        /// The RTL's bus, summing its cycle counters.
        bus: crate::rtl::TallyBus,
    },
}

/// Builds the engine of `kind` with the driver's default configuration, on
/// one thread.
pub fn build(kind: Engine) -> Result<AnyEngine> {
    build_threaded(kind, 1)
}

/// Builds the engine of `kind` on `threads` threads: more than one runs the
/// software engine's transforms and the kernels' limb-wise jobs on a pool
/// ([`crate::ThreadedNtt`]), bit-identical with one thread. The device
/// engines model the one-hart soft-core and take one thread only.
pub fn build_threaded(kind: Engine, threads: usize) -> Result<AnyEngine> {
    if threads > 1 && kind != Engine::Soft {
        return Err(crate::Error::ThreadsOnDevice {
            engine: kind.name(),
            threads,
        });
    }
    match kind {
        Engine::Soft if threads > 1 => Ok(AnyEngine::Threaded(crate::ThreadedNtt::new(threads)?)),
        Engine::Soft => Ok(AnyEngine::Soft(SoftwareNtt)),
        Engine::Sim => {
            let (driver, device) = sim_driver(Config::default())?;
            Ok(AnyEngine::Sim {
                engine: Box::new(PipelineEngine::new(driver)),
                device,
            })
        }
        #[cfg(feature = "rtl")]
        Engine::Rtl => {
            let (driver, bus) = crate::rtl::probe(SIM_WORD_BITS, SIM_LANES)?;
            Ok(AnyEngine::Rtl {
                engine: Box::new(PipelineEngine::new(driver)),
                bus,
            })
        }
        #[cfg(not(feature = "rtl"))]
        Engine::Rtl => Err(crate::Error::RtlNotBuilt),
    }
}

impl AnyEngine {
    /// Device cycles of every job so far (0 for software).
    pub fn device_cycles(&mut self) -> u64 {
        match self {
            AnyEngine::Soft(_) | AnyEngine::Threaded(_) => 0,
            AnyEngine::Sim { device, .. } => device.activity().cycles,
            #[cfg(feature = "rtl")]
            AnyEngine::Rtl { bus, .. } => bus.tally().cycles,
        }
    }

    /// Device seconds at [`RTL_CLOCK_HZ`] of every job so far.
    pub fn device_seconds(&mut self) -> f64 {
        self.device_cycles() as f64 / RTL_CLOCK_HZ
    }
}

/// The threaded engine runs jobs on its pool; the others on the calling
/// thread.
impl Jobs for AnyEngine {
    fn each<T: Send>(&self, items: &mut [T], words: usize, job: &(dyn Fn(usize, &mut T) + Sync)) {
        match self {
            AnyEngine::Threaded(e) => e.each(items, words, job),
            _ => Sequential.each(items, words, job),
        }
    }

    fn each_chunk<T: Send>(
        &self,
        data: &mut [T],
        len: usize,
        job: &(dyn Fn(usize, &mut [T]) + Sync),
    ) {
        match self {
            AnyEngine::Threaded(e) => e.each_chunk(data, len, job),
            _ => Sequential.each_chunk(data, len, job),
        }
    }
}

impl NttEngine<u64> for AnyEngine {
    fn forward<S: AsRef<[u64]> + Sync>(
        &mut self,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        match self {
            AnyEngine::Soft(e) => e.forward(plans, limbs),
            AnyEngine::Threaded(e) => e.forward(plans, limbs),
            AnyEngine::Sim { engine, .. } => engine.forward(plans, limbs),
            #[cfg(feature = "rtl")]
            AnyEngine::Rtl { engine, .. } => engine.forward(plans, limbs),
        }
    }

    fn inverse<S: AsRef<[u64]> + Sync>(
        &mut self,
        plans: &[&NttPlan<u64, S>],
        limbs: &mut [u64],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        match self {
            AnyEngine::Soft(e) => e.inverse(plans, limbs),
            AnyEngine::Threaded(e) => e.inverse(plans, limbs),
            AnyEngine::Sim { engine, .. } => engine.inverse(plans, limbs),
            #[cfg(feature = "rtl")]
            AnyEngine::Rtl { engine, .. } => engine.inverse(plans, limbs),
        }
    }
}
