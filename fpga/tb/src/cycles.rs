//! The RTL's cycle formula, exact for the Verilator harness (memory read
//! latency [`MEM_LATENCY`](crate::MEM_LATENCY), no back-pressure).
//!
//! With `N = 2^k`, `L` lanes, `R = max(1, N/L)` rows, `C = max(1, N/(2L))`
//! cycles per stage, read latency `M`, `DB = ceil(8/L)` descriptor beats:
//!
//! ```text
//! bubble  = 0 if C >= 16 else 7          per stage boundary (pipeline drain)
//! T_comp  = k·C + (k-1)·bubble + 10      transform of one limb
//! T_load  = 2R + M + 2                   twiddles + input (register mode)
//!         = 2R + 2M + DB + 3             (descriptor mode)
//! T_store = R + 8                        output through the N^-1 multiplier
//! slot 0 = T_load, slot j in 1..=B = max(T_load if j < B, T_comp,
//!          T_store if j >= 2), slot B+1 = T_store
//! CYCLES = S + sum_{j=0..B} (slot_j + 1) + T_store
//! S = 3 (register mode), 3 + B·(6 + DB + M) (descriptor pre-pass)
//! BUSY_CYCLES = B·k·C
//! ```
//!
//! A refused job: `CYCLES` = 1 for `BAD_LOG_N` and `BAD_BATCH`; 2 for the
//! register-mode `BAD_MODULUS` and `ADDR_RANGE` and the descriptor-table
//! range; [`prepass_refused_cycles`] for a descriptor found bad by the
//! pre-pass; `BUSY_CYCLES` = 0.

/// Parameters of a job for [`job_cycles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobShape {
    /// `log2 N`.
    pub log_n: u32,
    /// Butterfly lanes of the device.
    pub lanes: u32,
    /// Limbs in the batch.
    pub batch: u64,
    /// Descriptor mode.
    pub desc: bool,
    /// Memory read latency in cycles.
    pub mem_latency: u64,
}

/// Cycles of one stage, `C = max(1, N/(2L))`.
pub fn stage_cycles(log_n: u32, lanes: u32) -> u64 {
    ((1u64 << log_n) / (2 * lanes as u64)).max(1)
}

/// Cycles to transform one limb once the data is in the buffer.
pub fn compute_cycles(log_n: u32, lanes: u32) -> u64 {
    let c = stage_cycles(log_n, lanes);
    let bubble = if c >= 16 { 0 } else { 7 };
    log_n as u64 * c + (log_n as u64 - 1) * bubble + 10
}

/// `CYCLES` of an accepted job that completes.
pub fn job_cycles(s: JobShape) -> u64 {
    let r = ((1u64 << s.log_n) / s.lanes as u64).max(1);
    let m = s.mem_latency;
    let db = 8u64.div_ceil(s.lanes as u64);
    let t_load = if s.desc {
        2 * r + 2 * m + db + 3
    } else {
        2 * r + m + 2
    };
    let t_comp = compute_cycles(s.log_n, s.lanes);
    let t_store = r + 8;
    let start = if s.desc {
        3 + s.batch * (6 + db + m)
    } else {
        3
    };
    let mut total = start + (t_load + 1);
    for j in 1..=s.batch {
        let mut t = t_comp;
        if j < s.batch {
            t = t.max(t_load);
        }
        if j >= 2 {
            t = t.max(t_store);
        }
        total += t + 1;
    }
    total + t_store
}

/// `CYCLES` of a descriptor-mode job refused with `BAD_MODULUS` at limb
/// `limb` by the pre-pass: `8 + DB + M + limb·(6 + DB + M)`. An `ADDR_RANGE`
/// found after the pre-pass (source, destination, a descriptor's twiddles)
/// costs the same with `limb = B − 1`.
pub fn prepass_refused_cycles(lanes: u32, mem_latency: u64, limb: u64) -> u64 {
    let db = 8u64.div_ceil(lanes as u64);
    8 + db + mem_latency + limb * (6 + db + mem_latency)
}

/// `BUSY_CYCLES` of a completed job.
pub fn busy_cycles(log_n: u32, lanes: u32, batch: u64) -> u64 {
    batch * log_n as u64 * stage_cycles(log_n, lanes)
}

/// The ideal `k·N/(2L)` cycles of one NTT.
pub fn ideal_cycles(log_n: u32, lanes: u32) -> u64 {
    log_n as u64 * (1u64 << log_n) / (2 * lanes as u64)
}
