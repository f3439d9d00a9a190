//! `--engine rtl`: every NTT through hal's `PipelineEngine` over the
//! Verilated RTL of the pipeline (`hearth-rtl`, `fpga/tb`; feature `rtl`).
//!
//! The device is the `WORD_BITS = 64`, `LANES = `[`SIM_LANES`] model, the
//! configuration the device model of `--engine sim` follows, so both engines
//! report cycles of the same machine. Device cycles are the RTL's own
//! counters: `CYCLES` (`CYCLES_HI:CYCLES_LO`, the cycles of the last job from
//! `START` to `DONE`/`ERROR`, cleared by `START` and `SOFT_RESET`) is read
//! just before each `START` or `SOFT_RESET` that follows a job, and once
//! after the run, and summed ([`TallyBus`]). That is the quantity the device
//! model accumulates in `Activity::cycles`.
//!
//! Reference: the register map, `fpga/regmap.toml`; the cycle formula,
//! `hearth_rtl::cycles`.

use crate::engine::{SIM_LANES, SIM_WORD_BITS};
use crate::error::{Error, Result};
use hearth_hal::regmap;
use hearth_hal::RegisterBus;
use hearth_rtl::{Rtl, RtlDevice};
use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

/// What [`TallyBus`] counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Jobs started (writes of `CTRL.START`).
    pub jobs: u64,
    /// Sum of the `CYCLES` counter over those jobs.
    pub cycles: u64,
    /// A started job whose counter has not been read yet.
    pending: bool,
}

/// The RTL's register bus, summing the `CYCLES` counter of every job.
#[derive(Debug, Clone)]
pub struct TallyBus {
    dev: RtlDevice,
    tally: Rc<Cell<Tally>>,
}

impl TallyBus {
    /// Wraps the register bus of `dev`.
    pub fn new(dev: RtlDevice) -> Self {
        Self {
            dev,
            tally: Rc::new(Cell::new(Tally::default())),
        }
    }

    /// Adds the `CYCLES` of the last started job, if not added yet.
    fn collect(&mut self) {
        let mut t = self.tally.get();
        if t.pending {
            // Reading CYCLES_LO latches CYCLES_HI: low half first.
            let lo = self.dev.with(|r| r.read_reg(regmap::cycles_lo::OFFSET));
            let hi = self.dev.with(|r| r.read_reg(regmap::cycles_hi::OFFSET));
            t.cycles += u64::from(hi) << 32 | u64::from(lo);
            t.pending = false;
            self.tally.set(t);
        }
    }

    /// Jobs and cycles so far, including the last job.
    pub fn tally(&mut self) -> Tally {
        self.collect();
        self.tally.get()
    }
}

impl RegisterBus for TallyBus {
    type Error = Infallible;

    fn read32(&mut self, offset: u32) -> core::result::Result<u32, Infallible> {
        self.dev.read32(offset)
    }

    fn write32(&mut self, offset: u32, value: u32) -> core::result::Result<(), Infallible> {
        if offset == regmap::ctrl::OFFSET {
            let start = regmap::ctrl::START.get(value) != 0;
            if start || regmap::ctrl::SOFT_RESET.get(value) != 0 {
                self.collect();
            }
            if start {
                let mut t = self.tally.get();
                t.jobs += 1;
                t.pending = true;
                self.tally.set(t);
            }
        }
        self.dev.write32(offset, value)
    }
}

/// The hal driver over the Verilated RTL.
pub type RtlPipeline = hearth_hal::Pipeline<TallyBus, RtlDevice, RtlDevice>;

/// hal's pipeline engine over the Verilated RTL.
pub type RtlEngine = hearth_hal::PipelineEngine<TallyBus, RtlDevice, RtlDevice>;

/// Instantiates the 64-bit, [`SIM_LANES`]-lane RTL model and probes it.
/// Returns the driver and a handle on its bus for [`TallyBus::tally`].
pub fn probe() -> Result<(RtlPipeline, TallyBus)> {
    let rtl =
        Rtl::new(SIM_WORD_BITS, SIM_LANES).map_err(|e| Error::Rtl(format!("no RTL model: {e}")))?;
    let dev = RtlDevice::new(rtl);
    let bus = TallyBus::new(dev.clone());
    let driver =
        hearth_hal::Pipeline::probe(bus.clone(), dev.clone(), dev, hearth_hal::Config::default())
            .map_err(|e| Error::Rtl(format!("the Verilated RTL did not probe: {e}")))?;
    Ok((driver, bus))
}
