//! The device memory of the model: `WORD_BITS`-bit words.

use hearth_kernels::arith::Word;

/// Why a device-memory access failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemError {
    /// The access reaches past the end of device memory.
    OutOfRange {
        /// First word.
        addr: u64,
        /// Words.
        len: u64,
        /// Memory size in words.
        size: u64,
    },
    /// The word type differs from the device word.
    WordSize {
        /// Device word size.
        device: u32,
        /// Requested word size.
        requested: u32,
    },
}

impl std::fmt::Display for MemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            MemError::OutOfRange { addr, len, size } => write!(
                f,
                "device memory access at word {addr} of {len} words leaves the {size}-word memory"
            ),
            MemError::WordSize { device, requested } => write!(
                f,
                "device words are {device} bits, access uses {requested}-bit words"
            ),
        }
    }
}

impl std::error::Error for MemError {}

/// Word-addressed memory (values kept in `u64`, masked to the word size).
#[derive(Debug, Clone)]
pub struct Memory {
    words: Vec<u64>,
    word_bits: u32,
}

impl Memory {
    /// `size` zeroed words of `word_bits` bits.
    pub fn new(size: usize, word_bits: u32) -> Self {
        Self {
            words: vec![0; size],
            word_bits,
        }
    }

    /// Size in words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the memory has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `[addr, addr + len)` lies inside the memory.
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr.checked_add(len)
            .is_some_and(|end| end <= self.words.len() as u64)
    }

    fn range(&self, addr: u64, len: usize) -> Result<std::ops::Range<usize>, MemError> {
        if !self.contains(addr, len as u64) {
            return Err(MemError::OutOfRange {
                addr,
                len: len as u64,
                size: self.words.len() as u64,
            });
        }
        Ok(addr as usize..addr as usize + len)
    }

    /// The words at `[addr, addr + len)`.
    pub fn slice(&self, addr: u64, len: usize) -> Result<&[u64], MemError> {
        let r = self.range(addr, len)?;
        Ok(&self.words[r])
    }

    /// The words at `[addr, addr + len)`, mutably.
    pub fn slice_mut(&mut self, addr: u64, len: usize) -> Result<&mut [u64], MemError> {
        let r = self.range(addr, len)?;
        Ok(&mut self.words[r])
    }

    fn check_word<W: Word>(&self) -> Result<(), MemError> {
        if W::BITS == self.word_bits {
            Ok(())
        } else {
            Err(MemError::WordSize {
                device: self.word_bits,
                requested: W::BITS,
            })
        }
    }

    /// Writes typed words.
    pub fn write<W: Word>(&mut self, addr: u32, src: &[W]) -> Result<(), MemError> {
        self.check_word::<W>()?;
        let dst = self.slice_mut(u64::from(addr), src.len())?;
        for (d, s) in dst.iter_mut().zip(src) {
            *d = s.to_u64();
        }
        Ok(())
    }

    /// Reads typed words.
    pub fn read<W: Word>(&self, addr: u32, dst: &mut [W]) -> Result<(), MemError> {
        self.check_word::<W>()?;
        let src = self.slice(u64::from(addr), dst.len())?;
        for (d, s) in dst.iter_mut().zip(src) {
            *d = W::from_u64_truncating(*s);
        }
        Ok(())
    }
}
