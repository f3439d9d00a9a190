//! The pipeline's cycle model: the RTL's exact formula (`fpga/README.md`,
//! "Cycles", checked there against the Verilated RTL's `CYCLES` and
//! `BUSY_CYCLES` for every equivalence test).
//!
//! With `N = 2^k`, `L` lanes, `R = max(1, N/L)` rows, `C = max(1, N/(2L))`
//! cycles per stage, memory read latency `M`, `DB = ceil(8/L)` descriptor
//! beats, `B` limbs:
//!
//! ```text
//! bubble  = 0 if C >= 16 else 7          per stage boundary (pipeline drain)
//! T_comp  = k·C + (k-1)·bubble + 10      transform of one limb
//! T_load  = 2R + M + 2                   twiddles + input (register mode)
//!         = 2R + 2M + DB + 3             (descriptor mode)
//! T_store = R + 8                        output through the N^-1 multiplier
//! slot 0 = T_load, slot j in 1..=B = max(T_load if j < B, T_comp,
//!          T_store if j >= 2)
//! CYCLES  = S + sum_{j=0..B} (slot_j + 1) + T_store
//! S = 3 (register mode), 3 + B·(6 + DB + M) (descriptor pre-pass)
//! BUSY_CYCLES = B·k·C
//! ```
//!
//! The ideal is `k·N/(2L)` per limb; in a long batch the load of limb `j+1`
//! and the store of limb `j−1` overlap the transform of limb `j` (double
//! buffering), so a limb costs `max(T_comp, T_load, T_store) + 1`.
//!
//! Refused jobs: 1 cycle for `BAD_LOG_N` and `BAD_BATCH`, 2 for register-mode
//! `BAD_MODULUS`/`ADDR_RANGE` and a descriptor table out of range (as the
//! RTL). A descriptor-mode refusal of limb `i` found by the pre-pass costs
//! `2 + (i+1)·(6 + DB + M)`, as measured on the RTL. One case is an
//! approximation, not checked against the RTL: `INPUT_RANGE` at limb `i`
//! costs the cycles of a completed job of `i + 1` limbs.

/// The shape of a job, as far as cycles are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobShape {
    /// `log2 N`.
    pub log_n: u32,
    /// Butterfly lanes.
    pub lanes: u32,
    /// Limbs in the batch.
    pub batch: u64,
    /// Descriptor mode.
    pub desc: bool,
    /// Device-memory read latency in cycles.
    pub mem_latency: u64,
}

/// Total and butterfly-busy cycles of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobCycles {
    /// `CYCLES`: from `START` to done.
    pub total: u64,
    /// `BUSY_CYCLES`: cycles in which the butterflies fired.
    pub busy: u64,
}

fn rows(s: &JobShape) -> u64 {
    ((1u64 << s.log_n) / u64::from(s.lanes.max(1))).max(1)
}

fn stage(s: &JobShape) -> u64 {
    ((1u64 << s.log_n) / (2 * u64::from(s.lanes.max(1)))).max(1)
}

fn desc_beats(s: &JobShape) -> u64 {
    8u64.div_ceil(u64::from(s.lanes.max(1)))
}

/// Cycles of a job that completes.
#[must_use]
pub fn job_cycles(s: JobShape) -> JobCycles {
    let (r, c, m, db) = (rows(&s), stage(&s), s.mem_latency, desc_beats(&s));
    let k = u64::from(s.log_n);
    let bubble = if c >= 16 { 0 } else { 7 };
    let t_comp = k * c + k.saturating_sub(1) * bubble + 10;
    let t_load = if s.desc {
        2 * r + 2 * m + db + 3
    } else {
        2 * r + m + 2
    };
    let t_store = r + 8;
    let start = if s.desc {
        3 + s.batch * (6 + db + m)
    } else {
        3
    };
    let mut total = start + t_load + 1;
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
    JobCycles {
        total: total + t_store,
        busy: s.batch * k * c,
    }
}

/// Cycles of a job refused at `START` for a job-wide reason (`BAD_LOG_N`,
/// `BAD_BATCH`: `early`) or a register-mode/descriptor-table check.
#[must_use]
pub fn refused_cycles(early: bool) -> u64 {
    if early {
        1
    } else {
        2
    }
}

/// Cycles of a descriptor-mode job refused by the pre-pass at limb `limb`
/// (the formula measured on the RTL, `fpga/tb/src/cycles.rs`).
#[must_use]
pub fn prepass_refused_cycles(s: JobShape, limb: u64) -> u64 {
    2 + (limb + 1) * (6 + desc_beats(&s) + s.mem_latency)
}

/// The ideal `k·N/(2L)` cycles of one NTT.
#[must_use]
pub fn ideal_cycles(log_n: u32, lanes: u32) -> u64 {
    u64::from(log_n) * (1u64 << log_n) / (2 * u64::from(lanes.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(log_n: u32, lanes: u32, batch: u64) -> JobShape {
        JobShape {
            log_n,
            lanes,
            batch,
            desc: false,
            mem_latency: 2,
        }
    }

    #[test]
    fn small_job_by_hand() {
        // N = 16, L = 1: R = 16, C = 8 (< 16: bubble 7), T_comp = 32 + 21 + 10,
        // T_load = 32 + 2 + 2, T_store = 24, S = 3.
        let c = job_cycles(shape(4, 1, 1));
        assert_eq!(c.total, 3 + (36 + 1) + (63 + 1) + 24);
        assert_eq!(c.busy, 32);
    }

    /// Cycle counts measured on the Verilated RTL (`cargo xtask rtl cycles`,
    /// table in `fpga/README.md`): one NTT, and one more limb in a batch.
    #[test]
    fn matches_rtl_measurements() {
        let measured = [
            (12, 1, 36_891, 24_587),
            (12, 16, 2_331, 1_547),
            (13, 4, 19_483, 13_323),
            (14, 8, 20_507, 14_347),
            (14, 16, 10_267, 7_179),
        ];
        for (k, l, one, per_limb) in measured {
            assert_eq!(job_cycles(shape(k, l, 1)).total, one, "N=2^{k} L={l}");
            let marginal = job_cycles(shape(k, l, 8)).total - job_cycles(shape(k, l, 7)).total;
            assert_eq!(marginal, per_limb, "N=2^{k} L={l}");
        }
        assert_eq!(job_cycles(shape(12, 4, 3)).busy, 3 * ideal_cycles(12, 4));
    }
}
