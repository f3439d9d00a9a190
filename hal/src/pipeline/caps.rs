//! What the device reports about itself, and how the driver lays out its
//! memory.

use crate::regmap::{caps0, caps1, descriptor};

/// The synthesis parameters read from `CAPS0`, `CAPS1` and `DEVMEM_WORDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Capabilities {
    /// Register-map minor version.
    pub version_minor: u16,
    /// Device word size in bits (32 or 64).
    pub word_bits: u32,
    /// Butterfly lanes.
    pub lanes: u32,
    /// Largest log2 N.
    pub log_n_max: u32,
    /// Coefficient-memory banks.
    pub banks: u32,
    /// Butterfly latency in cycles.
    pub pipe_depth: u32,
    /// Descriptor mode supported (`CAPS1.FLAGS` bit 0).
    pub descriptors: bool,
    /// Largest batch.
    pub max_batch: u32,
    /// Device memory in words.
    pub devmem_words: u32,
}

impl Capabilities {
    /// Decodes the capability registers.
    #[must_use]
    pub const fn decode(version_minor: u16, c0: u32, c1: u32, devmem_words: u32) -> Self {
        Self {
            version_minor,
            word_bits: caps0::WORD_BITS.get(c0),
            lanes: caps0::LANES.get(c0),
            log_n_max: caps0::LOG_N_MAX.get(c0),
            banks: caps0::BANKS.get(c0),
            pipe_depth: caps1::PIPE_DEPTH.get(c1),
            descriptors: caps1::FLAGS.get(c1) & 1 == 1,
            max_batch: caps1::MAX_BATCH.get(c1),
            devmem_words,
        }
    }
}

/// Where the driver keeps things in device memory:
/// `[descriptors | twiddle slots | data]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Layout {
    /// Word address of the descriptor table.
    pub desc_addr: u32,
    /// Descriptors the table holds.
    pub desc_count: u32,
    /// Word address of twiddle slot 0.
    pub twiddle_addr: u32,
    /// Words per twiddle slot (`2·N_max`).
    pub slot_words: u32,
    /// Number of twiddle slots.
    pub slots: u32,
    /// Word address of the data region (inputs, transformed in place).
    pub data_addr: u32,
    /// Words in the data region.
    pub data_words: u32,
}

impl Layout {
    /// Plans the layout for `caps` with `slots` twiddle slots; `None` if
    /// device memory cannot hold it with room for at least one limb of the
    /// largest degree. The second value is the number of words needed.
    #[must_use]
    pub fn plan(caps: &Capabilities, slots: u32) -> (Option<Self>, u64) {
        let n_max = 1u64 << caps.log_n_max.min(31);
        let desc_count = if caps.descriptors { caps.max_batch } else { 0 };
        let desc_words = u64::from(desc_count) * u64::from(descriptor::WORDS);
        let slot_words = 2 * n_max;
        let fixed = desc_words + slot_words * u64::from(slots);
        let needed = fixed + n_max;
        if needed > u64::from(caps.devmem_words) {
            return (None, needed);
        }
        let layout = Self {
            desc_addr: 0,
            desc_count,
            twiddle_addr: desc_words as u32,
            slot_words: slot_words as u32,
            slots,
            data_addr: fixed as u32,
            data_words: (u64::from(caps.devmem_words) - fixed) as u32,
        };
        (Some(layout), needed)
    }

    /// Word address of twiddle slot `i`.
    #[must_use]
    pub const fn slot_addr(&self, i: u32) -> u32 {
        self.twiddle_addr + i * self.slot_words
    }
}
