//! A register-level model of the hearth NTT pipeline.
//!
//! [`SimDevice`] implements `hearth_hal::RegisterBus` and
//! `hearth_hal::DeviceMemory` with the registers of `fpga/regmap.toml` (via
//! the generated `hearth_hal::regmap`), the RTL's parameters ([`Params`]),
//! the validation the RTL performs, the transform computed from device memory
//! with the hardware's datapath ([`exec`]), and the cycle counts the RTL's
//! counters show (`hearth_hal::pipeline::cycles`, the one statement of the
//! formula). Faults can be injected ([`Fault`]) so the driver's error paths
//! run.
//!
//! Time: a started job stays `BUSY` for [`Params::busy_polls`] reads of
//! `STATUS` or `IRQ_STATUS`, then completes (results written, `DONE` set).
//! A [`Fault::Hang`] job never completes.
//!
//! `SimDevice` is a cheap handle (`Rc<RefCell<…>>`): clone it to give the
//! driver one handle as register bus and one as device memory.
//!
//! This crate is also the one place that builds NTT engines ([`engine`]):
//! software (on one thread, or on a pool: [`ThreadedNtt`]), the device
//! model through hal's driver, the Verilated RTL
//! (feature `rtl`), and the checked, fault-injecting, retrying stack used
//! for serving ([`factory`]).
//!
//! # Features
//! - `rtl`: [`Engine::Rtl`] runs every NTT on the Verilated RTL
//!   (`fpga/tb`; needs `verilator`, and compiles the Verilated model).

pub mod counting;
pub mod engine;
pub mod error;
pub mod exec;
pub mod factory;
pub mod kat;
pub mod memory;
mod regs;
#[cfg(feature = "rtl")]
pub mod rtl;
pub mod threaded;

pub use counting::Counting;
pub use engine::{build, build_threaded, AnyEngine, Engine, RTL_CLOCK_HZ, SIM_LANES};
pub use error::{Error, SimDriverError};
pub use memory::MemError;
pub use threaded::ThreadedNtt;

use std::cell::RefCell;
use std::rc::Rc;

use hearth_hal::embedded_hal::delay::DelayNs;
use hearth_hal::regmap::ErrorCode;

/// The synthesis parameters of the modelled pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Device word size: 32 or 64.
    pub word_bits: u32,
    /// Butterfly lanes.
    pub lanes: u32,
    /// Largest log2 N.
    pub log_n_max: u32,
    /// Coefficient-memory banks.
    pub banks: u32,
    /// Butterfly latency in cycles.
    pub pipe_depth: u32,
    /// Largest batch.
    pub max_batch: u32,
    /// Device memory in words.
    pub devmem_words: u32,
    /// Descriptor mode supported.
    pub descriptors: bool,
    /// Device-memory read latency in cycles (the Verilator harness: 2).
    pub mem_latency: u32,
    /// Status reads a job stays busy for.
    pub busy_polls: u32,
}

impl Params {
    /// A device with `word_bits`-bit words and `lanes` lanes and the RTL's
    /// default parameters (`fpga/rtl/hearth_ntt_top.v`): `LOG_N_MAX` 14,
    /// `2·lanes` banks, butterfly latency 6, batches up to 1024, 2^20 words of
    /// device memory, descriptor mode, memory read latency 2.
    #[must_use]
    pub fn new(word_bits: u32, lanes: u32) -> Self {
        Self {
            word_bits,
            lanes,
            log_n_max: 14,
            banks: 2 * lanes,
            pipe_depth: 6,
            max_batch: 1024,
            devmem_words: 1 << 20,
            descriptors: true,
            mem_latency: 2,
            busy_polls: 2,
        }
    }
}

/// A fault injected into the next job(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The job never completes (the driver must time out).
    Hang,
    /// The job reports this error code (on limb 0) instead of completing.
    Error(ErrorCode),
    /// The job completes, with one bit of one output word flipped.
    FlipBit {
        /// Limb of the job (modulo its batch).
        limb: u32,
        /// Word in the limb (modulo its length).
        index: u32,
        /// Bit in the word.
        bit: u32,
    },
}

/// What the device model counted since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    /// Jobs started (accepted or refused).
    pub starts: u64,
    /// Jobs completed.
    pub completed: u64,
    /// Jobs refused or failed.
    pub failed: u64,
    /// Cycles of all jobs, by the cycle model.
    pub cycles: u64,
    /// Register reads and writes.
    pub register_accesses: u64,
    /// Device-memory words moved by the host.
    pub host_words: u64,
}

/// A handle to a modelled pipeline; clones share the device.
#[derive(Debug, Clone)]
pub struct SimDevice(Rc<RefCell<regs::Model>>);

impl SimDevice {
    /// A device with these parameters, in its reset state.
    #[must_use]
    pub fn new(params: Params) -> Self {
        Self(Rc::new(RefCell::new(regs::Model::new(params))))
    }

    /// Injects `fault` into the next `jobs` accepted jobs.
    pub fn inject(&self, fault: Fault, jobs: u32) {
        self.0.borrow_mut().fault = Some((fault, jobs));
    }

    /// Removes any pending fault.
    pub fn clear_faults(&self) {
        self.0.borrow_mut().fault = None;
    }

    /// The parameters.
    #[must_use]
    pub fn params(&self) -> Params {
        self.0.borrow().params
    }

    /// What the device did so far.
    #[must_use]
    pub fn activity(&self) -> Activity {
        self.0.borrow().activity
    }

    /// The device-memory words at `[addr, addr + len)` (for tests and traces).
    pub fn peek(&self, addr: u64, len: usize) -> Result<Vec<u64>, MemError> {
        self.0.borrow().mem.slice(addr, len).map(<[u64]>::to_vec)
    }
}

impl hearth_hal::RegisterBus for SimDevice {
    type Error = std::convert::Infallible;
    fn read32(&mut self, offset: u32) -> Result<u32, Self::Error> {
        Ok(self.0.borrow_mut().read(offset))
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), Self::Error> {
        self.0.borrow_mut().write(offset, value);
        Ok(())
    }
}

impl hearth_hal::DeviceMemory for SimDevice {
    type Error = MemError;
    fn write_words<W: hearth_kernels::arith::Word>(
        &mut self,
        addr: u32,
        src: &[W],
    ) -> Result<(), MemError> {
        let mut m = self.0.borrow_mut();
        m.activity.host_words += src.len() as u64;
        m.mem.write(addr, src)
    }
    fn read_words<W: hearth_kernels::arith::Word>(
        &mut self,
        addr: u32,
        dst: &mut [W],
    ) -> Result<(), MemError> {
        let mut m = self.0.borrow_mut();
        m.activity.host_words += dst.len() as u64;
        m.mem.read(addr, dst)
    }
}

/// A delay that does not sleep: the model's time advances by status reads.
/// Counts the nanoseconds it was asked to wait.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimDelay {
    /// Total nanoseconds requested.
    pub waited_ns: u64,
}

impl DelayNs for SimDelay {
    fn delay_ns(&mut self, ns: u32) {
        self.waited_ns += u64::from(ns);
    }
}
