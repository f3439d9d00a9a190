//! The pipeline's cycle model: the exact `CYCLES` and `BUSY_CYCLES` the RTL
//! (`fpga/rtl`) counts for a job, with a memory that answers every read after
//! a fixed latency and never applies back-pressure.
//!
//! This is the one statement of the formula. The register-level device model
//! (`hearth-device`) reports it in its counters; the Verilator harness's tests
//! (`fpga/tb/tests`) check it against the Verilated RTL's counters for every
//! job they run, and the known answers below are the RTL's own measurements
//! (`cargo xtask rtl cycles`, the table in `fpga/README.md`, "Cycles").
//!
//! # Derivation
//! A job of `B` limbs of `N = 2^k` words runs on `L` butterfly lanes; device
//! memory answers a read `M` cycles after the request. The buffers hold
//! `L` words a row, so a limb has `R = max(1, N/L)` rows, and a stage's
//! `N/2` butterflies take `C = max(1, N/(2L))` cycles. In descriptor mode a
//! limb's descriptor (8 words) takes `DB = ceil(8/L)` beats of the memory
//! port.
//!
//! - **Transform of one limb.** `k` stages of `C` cycles. A butterfly of stage
//!   `s+1` needs outputs of stage `s` that went round the read → butterfly →
//!   write-back loop (8 cycles); when a stage lasts `C ≥ 16` cycles those are
//!   written back in time and the next stage starts on the next cycle,
//!   otherwise it waits a 7-cycle bubble for the loop to drain. With the
//!   core's start and final drain (10 cycles):
//!   `T_comp = k·C + (k−1)·bubble + 10`, `bubble = 0 if C ≥ 16 else 7`.
//! - **Load of one limb.** `R` rows of twiddles and `R` rows of input, one row
//!   a cycle, plus the read latency and 2 cycles of hand-over:
//!   `T_load = 2R + M + 2`. In descriptor mode the loader first reads the
//!   limb's descriptor (`DB` beats, one more read latency, one more cycle):
//!   `T_load = 2R + 2M + DB + 3`.
//! - **Store of one limb.** `R` rows through the `×N⁻¹` (or `×1`) multiplier
//!   and the write channel, 8 cycles of latency: `T_store = R + 8`.
//! - **Schedule (double buffering).** Slot `j` loads limb `j`, transforms limb
//!   `j−1` and stores limb `j−2`, all three at once; a slot lasts as long as
//!   its longest part, plus one cycle of hand-over as the sets swap:
//!   `slot_0 = T_load`, and for `j = 1..=B`
//!   `slot_j = max(T_comp, T_load if j < B, T_store if j ≥ 2)`; the store of
//!   the last limb follows alone.
//! - **Start.** 3 cycles from `START` to the first slot in register mode; in
//!   descriptor mode a pre-pass first reads and checks every descriptor
//!   (`6 + DB + M` cycles each), so that a refused job writes nothing.
//!
//! The constant terms (10, 2, 3, 8, 6) are latencies of the RTL's state
//! machines and pipelines; the RTL's counters fix them, and the tests below
//! replay its measurements.
//!
//! ```text
//! CYCLES      = S + Σ_{j=0..=B} (slot_j + 1) + T_store
//! S           = 3 (register mode) | 3 + B·(6 + DB + M) (descriptor mode)
//! BUSY_CYCLES = B·k·C
//! ```
//!
//! The middle slots all have the same length, so [`job_cycles`] sums them in
//! closed form: for `B ≥ 2`,
//! `Σ_{j=1..=B} (slot_j + 1) = max(T_comp, T_load) + (B−2)·max(T_comp, T_load,
//! T_store) + max(T_comp, T_store) + B`. For `k ≥ 5` and stages of
//! `C ≥ 16` cycles (`N ≥ 32·L`, no bubble) the transform is the longest part
//! (with the harness's `M = 2`), so a long batch costs `k·C + 11` cycles a
//! limb against the ideal `k·N/(2L)` ([`ideal_cycles`]).
//!
//! A job refused at `START` ([`Refusal`], [`refused_cycles`]) counts 1 cycle
//! for a job-wide reason (`BAD_LOG_N`, `BAD_BATCH`), 2 for a register-mode
//! check (`BAD_MODULUS`, `ADDR_RANGE`) or a descriptor table out of range,
//! and `8 + DB + M + i·(6 + DB + M)` when the pre-pass refuses the descriptor
//! of limb `i` (an `ADDR_RANGE` found after the pre-pass costs the same with
//! `i = B − 1`); its `BUSY_CYCLES` is 0.
//!
//! Every function here is a `const fn` with saturating arithmetic: shapes
//! far outside what a device accepts (`log_n ≥ 64`, `lanes = 0`, huge
//! batches) give saturated numbers, never a panic. Zero lanes count as one.

/// The shape of a job, as far as cycles are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct JobShape {
    /// `k = log2 N`.
    pub log_n: u32,
    /// Butterfly lanes `L` of the device.
    pub lanes: u32,
    /// Limbs `B` in the batch.
    pub batch: u64,
    /// Descriptor mode (per-limb parameters read from device memory).
    pub desc: bool,
    /// Device-memory read latency `M` in cycles.
    pub mem_latency: u64,
}

/// `CYCLES` and `BUSY_CYCLES` of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct JobCycles {
    /// `CYCLES`: from `START` to done.
    pub total: u64,
    /// `BUSY_CYCLES`: cycles in which the butterflies fired.
    pub busy: u64,
}

/// Why a job was refused at `START`, as far as cycles are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Refusal {
    /// A job-wide check: `BAD_LOG_N` or `BAD_BATCH`.
    JobWide,
    /// A register-mode check (`BAD_MODULUS`, `ADDR_RANGE`) or the descriptor
    /// table out of range.
    Start,
    /// The descriptor pre-pass refused the descriptor of limb `limb` (an
    /// `ADDR_RANGE` found after the pre-pass: `limb = B − 1`).
    Prepass {
        /// The refused limb.
        limb: u64,
    },
}

/// The larger of `a` and `b`.
const fn max(a: u64, b: u64) -> u64 {
    if a > b {
        a
    } else {
        b
    }
}

impl JobShape {
    /// `L`, with zero lanes counted as one.
    const fn lanes(&self) -> u64 {
        if self.lanes == 0 {
            1
        } else {
            self.lanes as u64
        }
    }

    /// `N = 2^k`, saturated at `u64::MAX` for `k ≥ 64`.
    #[must_use]
    pub const fn degree(&self) -> u64 {
        if self.log_n >= u64::BITS {
            u64::MAX
        } else {
            1 << self.log_n
        }
    }

    /// Rows of one limb in the buffers, `R = max(1, N/L)`.
    #[must_use]
    pub const fn rows(&self) -> u64 {
        max(1, self.degree() / self.lanes())
    }

    /// Cycles of one stage, `C = max(1, N/(2L))`.
    #[must_use]
    pub const fn stage_cycles(&self) -> u64 {
        max(1, self.degree() / self.lanes().saturating_mul(2))
    }

    /// Memory beats of one descriptor, `DB = ceil(8/L)`.
    #[must_use]
    pub const fn descriptor_beats(&self) -> u64 {
        8u64.div_ceil(self.lanes())
    }

    /// Cycles to transform one limb once it is in the buffers,
    /// `T_comp = k·C + (k−1)·bubble + 10`.
    #[must_use]
    pub const fn compute_cycles(&self) -> u64 {
        let c = self.stage_cycles();
        let k = self.log_n as u64;
        let bubble = if c >= 16 { 0 } else { 7 };
        k.saturating_mul(c)
            .saturating_add(k.saturating_sub(1).saturating_mul(bubble))
            .saturating_add(10)
    }

    /// Cycles to load one limb (twiddles, input and, in descriptor mode, its
    /// descriptor): `T_load = 2R + M + 2`, or `2R + 2M + DB + 3`.
    #[must_use]
    pub const fn load_cycles(&self) -> u64 {
        let two_r = self.rows().saturating_mul(2);
        let m = self.mem_latency;
        if self.desc {
            two_r
                .saturating_add(m.saturating_mul(2))
                .saturating_add(self.descriptor_beats())
                .saturating_add(3)
        } else {
            two_r.saturating_add(m).saturating_add(2)
        }
    }

    /// Cycles to store one limb, `T_store = R + 8`.
    #[must_use]
    pub const fn store_cycles(&self) -> u64 {
        self.rows().saturating_add(8)
    }

    /// Cycles the descriptor pre-pass spends on one descriptor, `6 + DB + M`.
    #[must_use]
    pub const fn prepass_cycles_per_limb(&self) -> u64 {
        self.descriptor_beats()
            .saturating_add(self.mem_latency)
            .saturating_add(6)
    }

    /// Cycles from `START` to the first slot, `S = 3`, or
    /// `3 + B·(6 + DB + M)` with the descriptor pre-pass.
    #[must_use]
    pub const fn start_cycles(&self) -> u64 {
        if self.desc {
            self.batch
                .saturating_mul(self.prepass_cycles_per_limb())
                .saturating_add(3)
        } else {
            3
        }
    }
}

/// `CYCLES` and `BUSY_CYCLES` of a job that completes (see the module docs for
/// the derivation).
#[must_use]
pub const fn job_cycles(s: JobShape) -> JobCycles {
    let (t_load, t_comp, t_store) = (s.load_cycles(), s.compute_cycles(), s.store_cycles());
    // Σ_{j=1..=B} slot_j, the "+1" of each slot added below.
    let slots = match s.batch {
        0 => 0,
        1 => t_comp,
        b => max(t_comp, t_load)
            .saturating_add((b - 2).saturating_mul(max(max(t_comp, t_load), t_store)))
            .saturating_add(max(t_comp, t_store)),
    };
    let total = s
        .start_cycles()
        .saturating_add(t_load)
        .saturating_add(1)
        .saturating_add(slots)
        .saturating_add(s.batch)
        .saturating_add(t_store);
    let busy = s
        .batch
        .saturating_mul(s.log_n as u64)
        .saturating_mul(s.stage_cycles());
    JobCycles { total, busy }
}

/// `CYCLES` of a job refused at `START` (its `BUSY_CYCLES` is 0). The shape is
/// the refused job's, batch included.
#[must_use]
pub const fn refused_cycles(s: JobShape, refusal: Refusal) -> u64 {
    match refusal {
        Refusal::JobWide => 1,
        Refusal::Start => 2,
        Refusal::Prepass { limb } => limb
            .saturating_add(1)
            .saturating_mul(s.prepass_cycles_per_limb())
            .saturating_add(2),
    }
}

/// The ideal `k·N/(2L)` cycles of one NTT: every cycle fires all `L`
/// butterflies.
#[must_use]
pub const fn ideal_cycles(log_n: u32, lanes: u32) -> u64 {
    let s = JobShape {
        log_n,
        lanes,
        batch: 1,
        desc: false,
        mem_latency: 0,
    };
    (log_n as u64).saturating_mul(s.degree()) / s.lanes().saturating_mul(2)
}

#[cfg(test)]
mod tests;
