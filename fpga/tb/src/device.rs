//! The Verilated pipeline as the hal sees a device: [`RtlDevice`] implements
//! [`RegisterBus`], [`DeviceMemory`] and [`DelayNs`], so
//! `hearth_hal::pipeline::Pipeline` (and the `PipelineEngine` on it) runs
//! unchanged against the RTL.
//!
//! The three roles share one simulator: clone the handle for each. Register
//! accesses take one clock cycle each; a delay of `ns` nanoseconds advances
//! the clock by `ceil(ns / CLOCK_PERIOD_NS)` cycles, so the driver's polling
//! and time-outs happen in simulated time.

use crate::model::{Rtl, RtlError};
use core::convert::Infallible;
use embedded_hal::delay::DelayNs;
use hearth_hal::bus::{DeviceMemory, RegisterBus};
use hearth_kernels::arith::Word;
use std::cell::RefCell;
use std::rc::Rc;

/// Simulated clock period: 4 ns (250 MHz).
pub const CLOCK_PERIOD_NS: u32 = 4;

/// A shared handle to one simulated device.
#[derive(Debug, Clone)]
pub struct RtlDevice(Rc<RefCell<Rtl>>);

impl RtlDevice {
    /// Wraps a model.
    pub fn new(rtl: Rtl) -> Self {
        Self(Rc::new(RefCell::new(rtl)))
    }

    /// Runs `f` on the model (for counters, raw registers, cycle counts).
    pub fn with<T>(&self, f: impl FnOnce(&mut Rtl) -> T) -> T {
        f(&mut self.0.borrow_mut())
    }
}

impl RegisterBus for RtlDevice {
    type Error = Infallible;
    fn read32(&mut self, offset: u32) -> Result<u32, Infallible> {
        Ok(self.0.borrow_mut().read_reg(offset))
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), Infallible> {
        self.0.borrow_mut().write_reg(offset, value);
        Ok(())
    }
}

impl DeviceMemory for RtlDevice {
    type Error = RtlError;
    fn write_words<W: Word>(&mut self, addr: u32, src: &[W]) -> Result<(), RtlError> {
        let mut rtl = self.0.borrow_mut();
        check_word::<W>(&rtl)?;
        let words: Vec<u64> = src.iter().map(|w| w.to_u64()).collect();
        rtl.mem_write(u64::from(addr), &words)
    }
    fn read_words<W: Word>(&mut self, addr: u32, dst: &mut [W]) -> Result<(), RtlError> {
        let rtl = self.0.borrow();
        check_word::<W>(&rtl)?;
        let mut words = vec![0u64; dst.len()];
        rtl.mem_read(u64::from(addr), &mut words)?;
        for (d, w) in dst.iter_mut().zip(words) {
            *d = W::from_u64_truncating(w);
        }
        Ok(())
    }
}

fn check_word<W: Word>(rtl: &Rtl) -> Result<(), RtlError> {
    if W::BITS == rtl.word_bits() {
        Ok(())
    } else {
        Err(RtlError::WordSize {
            device: rtl.word_bits(),
            requested: W::BITS,
        })
    }
}

impl DelayNs for RtlDevice {
    fn delay_ns(&mut self, ns: u32) {
        let cycles = ns.div_ceil(CLOCK_PERIOD_NS);
        self.0.borrow_mut().tick(u64::from(cycles));
    }
}
