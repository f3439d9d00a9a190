//! The FPGA NTT pipeline seen from the soft-core: `hearth-hal`'s
//! `PipelineEngine` over `Mmio` at the SoC addresses of `fpga/regmap.toml`
//! (`[soc]`: registers at `REG_BASE`, device memory at `DEVMEM_BASE`).
//!
//! The same code drives the real pipeline. Under qemu's `virt` machine
//! nothing answers at `REG_BASE` (its PCIe window reads all ones), so the
//! probe must refuse the device with `BadIdentity`, which the firmware
//! checks; with a device present, the engine replays a known-answer vector.

use crate::soc;
use embedded_hal::delay::DelayNs;
use hearth_hal::mmio::{Mmio, MmioWindow};
use hearth_hal::regmap::{self, soc as map};
use hearth_hal::{Config, Pipeline, PipelineEngine};

/// Busy-waits on `mcycle`, counting one cycle per [`NS_PER_CYCLE`]
/// nanoseconds (1 GHz: qemu's `-icount shift=0` clock).
#[derive(Debug, Clone, Copy)]
pub struct CycleDelay;

/// Nanoseconds per `mcycle` tick.
const NS_PER_CYCLE: u64 = 1;

impl DelayNs for CycleDelay {
    fn delay_ns(&mut self, ns: u32) {
        let start = soc::cycles();
        let ticks = u64::from(ns).div_ceil(NS_PER_CYCLE);
        while soc::cycles().wrapping_sub(start) < ticks {}
    }
}

/// The soft-core's pipeline engine.
pub type SocEngine = PipelineEngine<Mmio, MmioWindow, CycleDelay>;

/// The driver's error on the soft-core's buses.
pub type SocError = hearth_hal::pipeline::DriverError<Mmio, MmioWindow>;

/// Address of the pipeline's register block.
pub const REG_BASE: usize = map::REG_BASE;

/// Device word size of the soft-core SoC's pipeline.
const WORD_BITS: u32 = 32;

/// Probes the pipeline at the SoC's addresses.
pub fn probe() -> Result<SocEngine, SocError> {
    // SAFETY: `REG_BASE..REG_BASE + BLOCK_BYTES` is the pipeline's register
    // block in the SoC memory map (`fpga/regmap.toml`), uncached, 4-aligned,
    // and this `Mmio` is its only user while the engine lives.
    let bus = unsafe { Mmio::new(map::REG_BASE, regmap::BLOCK_BYTES) };
    // SAFETY: the same for the device-memory window.
    let mem = unsafe { MmioWindow::new(map::DEVMEM_BASE, map::DEVMEM_BYTES as u32, WORD_BITS) };
    Pipeline::probe(bus, mem, CycleDelay, Config::default()).map(PipelineEngine::new)
}
