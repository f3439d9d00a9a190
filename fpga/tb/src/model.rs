//! One simulated pipeline: registers, clock and device memory.

use crate::ffi::{VTable, MODELS};
use core::ffi::c_void;

/// The (WORD_BITS, LANES) configurations that are Verilated.
pub const CONFIGS: [(u32, u32); 8] = [
    (32, 1),
    (32, 2),
    (32, 4),
    (32, 8),
    (32, 16),
    (64, 1),
    (64, 4),
    (64, 8),
];
/// `LOG_N_MAX` of every model.
pub const LOG_N_MAX: u32 = parse(env!("HEARTH_RTL_LOG_N_MAX")) as u32;
/// Device memory of every model, in words.
pub const DEVMEM_WORDS: u64 = parse(env!("HEARTH_RTL_DEVMEM_WORDS"));
/// Cycles from a memory read request to its response.
pub const MEM_LATENCY: u32 = 2;

const fn parse(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0u64;
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as u64;
        i += 1;
    }
    v
}

/// Errors of the harness itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtlError {
    /// No model was built for this (WORD_BITS, LANES).
    NoSuchConfig {
        /// Requested word size.
        word_bits: u32,
        /// Requested lanes.
        lanes: u32,
    },
    /// A device-memory access past the end of memory.
    OutOfRange {
        /// First word address of the access.
        addr: u64,
        /// Words accessed.
        len: usize,
    },
    /// A word type whose width differs from the device word.
    WordSize {
        /// Device word bits.
        device: u32,
        /// Requested word bits.
        requested: u32,
    },
    /// A value wider than the device word.
    TooWide {
        /// The value.
        value: u64,
    },
}

impl core::fmt::Display for RtlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoSuchConfig { word_bits, lanes } => write!(
                f,
                "no RTL model for WORD_BITS={word_bits} LANES={lanes} (built: {CONFIGS:?})"
            ),
            Self::OutOfRange { addr, len } => {
                write!(
                    f,
                    "device-memory access [{addr}, +{len}) past {DEVMEM_WORDS} words"
                )
            }
            Self::WordSize { device, requested } => {
                write!(f, "{requested}-bit words on a {device}-bit device")
            }
            Self::TooWide { value } => write!(f, "value {value:#x} wider than the device word"),
        }
    }
}

impl std::error::Error for RtlError {}

/// A Verilated `hearth_ntt_top` with its device memory.
pub struct Rtl {
    sim: *mut c_void,
    vt: &'static VTable,
}

impl core::fmt::Debug for Rtl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Rtl")
            .field("word_bits", &self.vt.word_bits)
            .field("lanes", &self.vt.lanes)
            .field("cycle", &self.cycle())
            .finish()
    }
}

impl Rtl {
    /// Instantiates the model for `(word_bits, lanes)`, out of reset.
    pub fn new(word_bits: u32, lanes: u32) -> Result<Self, RtlError> {
        let vt = MODELS
            .iter()
            .copied()
            .find(|v| v.word_bits == word_bits && v.lanes == lanes)
            .ok_or(RtlError::NoSuchConfig { word_bits, lanes })?;
        // SAFETY: `new` allocates a fresh simulator; the pointer is owned by
        // this `Rtl` and freed exactly once in `Drop`.
        let sim = unsafe { (vt.new)(DEVMEM_WORDS, MEM_LATENCY, word_bits as i32, lanes as i32) };
        Ok(Self { sim, vt })
    }

    /// Device word size in bits.
    pub fn word_bits(&self) -> u32 {
        self.vt.word_bits
    }

    /// Butterfly lanes.
    pub fn lanes(&self) -> u32 {
        self.vt.lanes
    }

    /// Advances the clock by `n` cycles.
    pub fn tick(&mut self, n: u64) {
        // SAFETY: `self.sim` is live (see `new`).
        unsafe { (self.vt.tick)(self.sim, n) }
    }

    /// Cycles since the model left reset.
    pub fn cycle(&self) -> u64 {
        // SAFETY: `self.sim` is live.
        unsafe { (self.vt.cycle)(self.sim) }
    }

    /// Writes a register (one bus cycle).
    pub fn write_reg(&mut self, offset: u32, value: u32) {
        // SAFETY: `self.sim` is live.
        unsafe { (self.vt.write32)(self.sim, offset, value) }
    }

    /// Reads a register (one bus cycle, with the read's side effects).
    pub fn read_reg(&mut self, offset: u32) -> u32 {
        // SAFETY: `self.sim` is live.
        unsafe { (self.vt.read32)(self.sim, offset) }
    }

    /// The interrupt line.
    pub fn irq(&self) -> bool {
        // SAFETY: `self.sim` is live.
        unsafe { (self.vt.irq)(self.sim) != 0 }
    }

    fn check(&self, addr: u64, len: usize) -> Result<(), RtlError> {
        if addr
            .checked_add(len as u64)
            .is_some_and(|e| e <= DEVMEM_WORDS)
        {
            Ok(())
        } else {
            Err(RtlError::OutOfRange { addr, len })
        }
    }

    /// Writes device words (each must fit `word_bits`).
    pub fn mem_write(&mut self, addr: u64, words: &[u64]) -> Result<(), RtlError> {
        self.check(addr, words.len())?;
        if let Some(&value) = words
            .iter()
            .find(|&&v| self.vt.word_bits < 64 && v >> self.vt.word_bits != 0)
        {
            return Err(RtlError::TooWide { value });
        }
        for (i, &v) in words.iter().enumerate() {
            // SAFETY: `self.sim` is live; the address was range-checked.
            unsafe { (self.vt.mem_write)(self.sim, addr + i as u64, v) }
        }
        Ok(())
    }

    /// Reads device words.
    pub fn mem_read(&self, addr: u64, out: &mut [u64]) -> Result<(), RtlError> {
        self.check(addr, out.len())?;
        for (i, o) in out.iter_mut().enumerate() {
            // SAFETY: `self.sim` is live; the address was range-checked.
            *o = unsafe { (self.vt.mem_read)(self.sim, addr + i as u64) };
        }
        Ok(())
    }
}

impl Drop for Rtl {
    fn drop(&mut self) {
        // SAFETY: `self.sim` came from `new` and is freed once.
        unsafe { (self.vt.free)(self.sim) }
    }
}
