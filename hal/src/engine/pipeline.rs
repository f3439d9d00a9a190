//! [`NttEngine`] on the FPGA pipeline.

use crate::bus::{DeviceMemory, RegisterBus};
use crate::pipeline::{Direction, DriverError, Error, Pipeline};
use embedded_hal::delay::DelayNs;
use hearth_kernels::arith::Word;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::{NttEngine, NttPlan};

/// The pipeline driver as an [`NttEngine`]. Driver errors become
/// [`hearth_kernels::Error::Engine`]; the full driver error of the last
/// failure is kept in [`PipelineEngine::last_error`].
#[derive(Debug)]
pub struct PipelineEngine<B: RegisterBus, M: DeviceMemory, D> {
    driver: Pipeline<B, M, D>,
    last_error: Option<DriverError<B, M>>,
}

impl<B: RegisterBus, M: DeviceMemory, D: DelayNs> PipelineEngine<B, M, D> {
    /// Wraps a probed driver.
    pub fn new(driver: Pipeline<B, M, D>) -> Self {
        Self {
            driver,
            last_error: None,
        }
    }

    /// The driver (for counters and capabilities).
    pub fn driver(&mut self) -> &mut Pipeline<B, M, D> {
        &mut self.driver
    }

    /// The driver error of the last failed batch.
    pub fn last_error(&self) -> Option<&DriverError<B, M>> {
        self.last_error.as_ref()
    }

    /// Unwraps the driver.
    pub fn into_driver(self) -> Pipeline<B, M, D> {
        self.driver
    }

    fn run<W: Word, S: AsRef<[W]>>(
        &mut self,
        dir: Direction,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.driver.run(dir, plans, limbs).map_err(|e| {
            let k = to_kernel_error(&e);
            self.last_error = Some(e);
            k
        })
    }
}

/// Maps a driver error onto the kernels' error type.
pub fn to_kernel_error<B, M>(e: &Error<B, M>) -> hearth_kernels::Error {
    use hearth_kernels::Error as K;
    let engine = |kind, code| K::Engine { kind, code };
    match *e {
        Error::Bus(_) | Error::Memory(_) => engine(EngineFailure::Bus, 0),
        Error::Timeout { waited_us } => engine(EngineFailure::Timeout, waited_us),
        Error::Device { raw, limb, .. } => {
            engine(EngineFailure::Device, u32::from(raw) | u32::from(limb) << 8)
        }
        Error::LengthMismatch { expected, actual } => K::LengthMismatch { expected, actual },
        Error::CorruptOutput { index, .. } => engine(EngineFailure::Corrupt, index as u32),
        Error::WordSize { requested, .. } => engine(EngineFailure::Unsupported, requested),
        Error::Unsupported { requested, .. } => {
            engine(EngineFailure::Unsupported, requested as u32)
        }
        _ => engine(EngineFailure::Unsupported, 0),
    }
}

/// The limb-wise work between transforms runs on the calling thread (the
/// soft-core has one hart).
impl<B: RegisterBus, M: DeviceMemory, D: DelayNs> hearth_kernels::jobs::Jobs
    for PipelineEngine<B, M, D>
{
}

impl<W: Word, B: RegisterBus, M: DeviceMemory, D: DelayNs> NttEngine<W>
    for PipelineEngine<B, M, D>
{
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.run(Direction::Forward, plans, limbs)
    }

    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.run(Direction::Inverse, plans, limbs)
    }
}
