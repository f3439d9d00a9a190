//! The two ways the driver reaches the pipeline: its registers
//! ([`RegisterBus`]) and its memory ([`DeviceMemory`]).
//!
//! ## For driver authors
//! Write drivers against these traits only. The same driver then runs on the
//! soft-core ([`crate::mmio::Mmio`], [`crate::mmio::MmioWindow`]), against the
//! simulator's device model, and against the RTL under Verilator.
//!
//! ## For implementors
//! `read32`/`write32` take byte offsets inside the register block (multiples
//! of 4); they must have the side effects the register map gives each
//! register (write-1-to-clear, self-clearing pulses, latching of 64-bit
//! counters when the low half is read). [`DeviceMemory`] addresses are word
//! addresses in units of the device word; an implementation refuses a word
//! type whose width differs from the device's and addresses past its end.

use hearth_kernels::arith::Word;

/// 32-bit register access at byte offsets of a register block.
pub trait RegisterBus {
    /// What a failed access reports (use [`core::convert::Infallible`] for
    /// plain MMIO).
    type Error: core::fmt::Debug;
    /// Reads the register at byte `offset`.
    fn read32(&mut self, offset: u32) -> Result<u32, Self::Error>;
    /// Writes `value` to the register at byte `offset`.
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), Self::Error>;
}

impl<T: RegisterBus + ?Sized> RegisterBus for &mut T {
    type Error = T::Error;
    fn read32(&mut self, offset: u32) -> Result<u32, Self::Error> {
        T::read32(self, offset)
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), Self::Error> {
        T::write32(self, offset, value)
    }
}

/// Word-addressed device memory holding polynomials, twiddles and
/// descriptors.
pub trait DeviceMemory {
    /// What a failed access reports.
    type Error: core::fmt::Debug;
    /// Writes `src` to the words starting at word address `addr`.
    fn write_words<W: Word>(&mut self, addr: u32, src: &[W]) -> Result<(), Self::Error>;
    /// Reads the words starting at word address `addr` into `dst`.
    fn read_words<W: Word>(&mut self, addr: u32, dst: &mut [W]) -> Result<(), Self::Error>;
}

impl<T: DeviceMemory + ?Sized> DeviceMemory for &mut T {
    type Error = T::Error;
    fn write_words<W: Word>(&mut self, addr: u32, src: &[W]) -> Result<(), Self::Error> {
        T::write_words(self, addr, src)
    }
    fn read_words<W: Word>(&mut self, addr: u32, dst: &mut [W]) -> Result<(), Self::Error> {
        T::read_words(self, addr, dst)
    }
}
