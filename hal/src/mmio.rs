//! Memory-mapped I/O: the only module of `hearth-hal` with `unsafe` code.
//!
//! [`Mmio`] is a [`RegisterBus`] over a register block at a fixed address;
//! [`MmioWindow`] a [`DeviceMemory`] over the device-memory window;
//! [`PmemWindow`] a [`PersistentMemory`] over the persistent-memory window.
//! All use `read_volatile`/`write_volatile` on raw pointers and never form a
//! reference to device memory.

use crate::bus::{DeviceMemory, RegisterBus};
use crate::pmem::PersistentMemory;
use hearth_kernels::arith::Word;

/// Volatile 32-bit access to a register block of `len` bytes at `base`.
#[derive(Debug)]
pub struct Mmio {
    base: *mut u32,
    len: u32,
}

/// An access outside the mapped range or not 4-byte aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutOfRange {
    /// The offending byte offset.
    pub offset: u64,
}

impl Mmio {
    /// A register block of `len` bytes at address `base`.
    ///
    /// # Safety
    /// `base..base + len` must be the register block of a device that accepts
    /// aligned 32-bit volatile loads and stores at every 4-aligned offset of
    /// the range, mapped uncached, for as long as the `Mmio` lives; `base`
    /// must be 4-byte aligned, and no other code may access the block at the
    /// same time (the `Mmio` is its only owner).
    pub const unsafe fn new(base: usize, len: u32) -> Self {
        Self {
            base: base as *mut u32,
            len,
        }
    }

    fn check(&self, offset: u64, bytes: u64) -> Result<usize, OutOfRange> {
        if !offset.is_multiple_of(4) || offset.saturating_add(bytes) > u64::from(self.len) {
            return Err(OutOfRange { offset });
        }
        Ok((offset / 4) as usize)
    }

    fn load(&self, offset: u64) -> Result<u32, OutOfRange> {
        let index = self.check(offset, 4)?;
        // SAFETY: `check` keeps the access 4-aligned inside `base..base+len`,
        // which the constructor's contract makes valid for volatile loads.
        Ok(unsafe { self.base.add(index).read_volatile() })
    }

    fn store(&mut self, offset: u64, value: u32) -> Result<(), OutOfRange> {
        let index = self.check(offset, 4)?;
        // SAFETY: as in `load`, for volatile stores.
        unsafe { self.base.add(index).write_volatile(value) };
        Ok(())
    }
}

impl RegisterBus for Mmio {
    type Error = OutOfRange;
    fn read32(&mut self, offset: u32) -> Result<u32, OutOfRange> {
        self.load(u64::from(offset))
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), OutOfRange> {
        self.store(u64::from(offset), value)
    }
}

/// The device-memory window: device word `a` is at byte `a·WORD_BITS/8`; a
/// 64-bit word is two 32-bit halves, low half first (the device commits the
/// word on the high half and latches the high half when the low half is
/// read, see `docs/pipeline-protocol.md`).
#[derive(Debug)]
pub struct MmioWindow {
    mmio: Mmio,
    word_bits: u32,
}

/// Errors of [`MmioWindow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WindowError {
    /// The access leaves the window.
    OutOfRange(OutOfRange),
    /// The word type's width differs from the device's.
    WordSize {
        /// The device's word size.
        device: u32,
        /// The requested word size.
        requested: u32,
    },
}

impl MmioWindow {
    /// The window of `len` bytes at `base`, for a device with `word_bits`-bit
    /// words (32 or 64).
    ///
    /// # Safety
    /// The contract of [`Mmio::new`], for the device-memory window.
    pub const unsafe fn new(base: usize, len: u32, word_bits: u32) -> Self {
        Self {
            // SAFETY: the caller upholds `Mmio::new`'s contract.
            mmio: unsafe { Mmio::new(base, len) },
            word_bits,
        }
    }

    fn byte_offset<W: Word>(&self, addr: u32, i: usize) -> Result<u64, WindowError> {
        if W::BITS != self.word_bits {
            return Err(WindowError::WordSize {
                device: self.word_bits,
                requested: W::BITS,
            });
        }
        Ok((u64::from(addr) + i as u64) * u64::from(W::BITS / 8))
    }
}

impl DeviceMemory for MmioWindow {
    type Error = WindowError;
    fn write_words<W: Word>(&mut self, addr: u32, src: &[W]) -> Result<(), WindowError> {
        for (i, w) in src.iter().enumerate() {
            let at = self.byte_offset::<W>(addr, i)?;
            let v = w.to_u64();
            self.mmio
                .store(at, v as u32)
                .map_err(WindowError::OutOfRange)?;
            if W::BITS == 64 {
                self.mmio
                    .store(at + 4, (v >> 32) as u32)
                    .map_err(WindowError::OutOfRange)?;
            }
        }
        Ok(())
    }
    fn read_words<W: Word>(&mut self, addr: u32, dst: &mut [W]) -> Result<(), WindowError> {
        for (i, w) in dst.iter_mut().enumerate() {
            let at = self.byte_offset::<W>(addr, i)?;
            let mut v = u64::from(self.mmio.load(at).map_err(WindowError::OutOfRange)?);
            if W::BITS == 64 {
                v |= u64::from(self.mmio.load(at + 4).map_err(WindowError::OutOfRange)?) << 32;
            }
            *w = W::from_u64_truncating(v);
        }
        Ok(())
    }
}

/// The persistent-memory window, mapped uncached: byte-wise volatile
/// accesses; `flush` has nothing to write back (no cache holds the window)
/// and `fence` is a full memory fence (`fence rw,rw` on RISC-V), after which
/// the memory controller owns every earlier store.
#[derive(Debug)]
pub struct PmemWindow {
    base: *mut u8,
    len: u64,
}

impl PmemWindow {
    /// The window of `len` bytes at `base`.
    ///
    /// # Safety
    /// `base..base + len` must be persistent memory mapped uncached for
    /// byte loads and stores for as long as the `PmemWindow` lives, and no
    /// other code may access it meanwhile. A cached mapping is not enough:
    /// `flush` does not clean cache lines.
    pub const unsafe fn new(base: usize, len: u64) -> Self {
        Self {
            base: base as *mut u8,
            len,
        }
    }

    fn check(&self, offset: u64, bytes: u64) -> Result<(), OutOfRange> {
        match offset.checked_add(bytes) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(OutOfRange { offset }),
        }
    }
}

impl PersistentMemory for PmemWindow {
    type Error = OutOfRange;
    fn len(&self) -> u64 {
        self.len
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        self.check(offset, buf.len() as u64)?;
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: `check` keeps `offset + i` inside the window, valid for
            // volatile byte loads by the constructor's contract.
            *b = unsafe { self.base.add(offset as usize + i).read_volatile() };
        }
        Ok(())
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), OutOfRange> {
        self.check(offset, data.len() as u64)?;
        for (i, b) in data.iter().enumerate() {
            // SAFETY: as in `read`, for volatile byte stores.
            unsafe { self.base.add(offset as usize + i).write_volatile(*b) };
        }
        Ok(())
    }
    fn flush(&mut self, offset: u64, len: u64) -> Result<(), OutOfRange> {
        self.check(offset, len)
    }
    fn fence(&mut self) -> Result<(), OutOfRange> {
        core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmio_over_a_ram_array_round_trips_and_bounds_checks() {
        let mut ram = [0u32; 8];
        // SAFETY: `ram` is a live, aligned, exclusively borrowed 32-byte array
        // for the whole test.
        let mut bus = unsafe { Mmio::new(ram.as_mut_ptr() as usize, 32) };
        bus.write32(4, 0xdead_beef).unwrap();
        assert_eq!(bus.read32(4).unwrap(), 0xdead_beef);
        assert_eq!(bus.read32(32), Err(OutOfRange { offset: 32 }));
        assert_eq!(bus.write32(2, 1), Err(OutOfRange { offset: 2 }));
        assert_eq!(ram[1], 0xdead_beef);
    }

    #[test]
    fn window_splits_64_bit_words_low_half_first() {
        let mut ram = [0u32; 8];
        // SAFETY: as above.
        let mut win = unsafe { MmioWindow::new(ram.as_mut_ptr() as usize, 32, 64) };
        win.write_words(1, &[0x1122_3344_5566_7788u64]).unwrap();
        let mut back = [0u64; 1];
        win.read_words(1, &mut back).unwrap();
        assert_eq!(back[0], 0x1122_3344_5566_7788);
        assert!(matches!(
            win.write_words(0, &[1u32]),
            Err(WindowError::WordSize {
                device: 64,
                requested: 32
            })
        ));
        assert!(win.write_words(4, &[1u64]).is_err());
        assert_eq!((ram[2], ram[3]), (0x5566_7788, 0x1122_3344));
    }

    #[test]
    fn pmem_window_holds_a_record_store() {
        use crate::pmem::{RecordKind, Store};
        let mut ram = [0u8; 1024];
        // SAFETY: `ram` is live and exclusively borrowed for the test.
        let win = unsafe { PmemWindow::new(ram.as_mut_ptr() as usize, 1024) };
        let mut s: Store<PmemWindow, 4> = Store::format(win, 3).unwrap();
        s.put(1, RecordKind::Blob, b"persist").unwrap();
        let (mut s, r) = Store::<PmemWindow, 4>::open(s.into_inner()).unwrap();
        assert_eq!(r.records, 1);
        let mut buf = [0u8; 8];
        assert_eq!(s.get(1, &mut buf).unwrap().len, 7);
        assert_eq!(&buf[..7], b"persist");
        let mut w = s.into_inner();
        assert_eq!(w.write(1020, &[0; 5]), Err(OutOfRange { offset: 1020 }));
    }
}
