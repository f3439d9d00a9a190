//! The pipeline's cycle model, shared with the RTL (documented in
//! `docs/pipeline-protocol.md`, "Cycle model").
//!
//! For `N = 2^k`, `L` lanes, butterfly latency `P`, `B` limbs and `D`
//! descriptor words per limb (8 in descriptor mode, else 0), with
//! `c(x) = ceil(x)`:
//!
//! ```text
//! stage    = c(N/(2L)) + P
//! compute  = k · stage
//! transfer = 3 · c(N/L)
//! fill     = 2 · c(N/L) + D
//! drain    = c(N/L) + P
//! cycles   = START_OVERHEAD + fill + B · max(compute, transfer) + drain
//! busy     = B · k · c(N/(2L))
//! ```
//!
//! The ideal is `k·N/(2L)` per limb: every cycle, every lane does one
//! butterfly. The model charges `P` cycles per stage for draining the
//! butterfly pipeline before the next stage reads its results, and hides the
//! transfers of limb `i±1` behind the transform of limb `i` (double
//! buffering).

/// Cycles to decode and validate a job after `START`.
pub const START_OVERHEAD: u64 = 4;

/// Total and butterfly-busy cycles of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobCycles {
    /// Cycles from `START` to done.
    pub total: u64,
    /// Cycles in which the butterflies fired.
    pub busy: u64,
}

/// The model's cycle count for a job of `batch` limbs of degree `2^log_n` on
/// `lanes` lanes with butterfly latency `pipe_depth`.
#[must_use]
pub fn job_cycles(
    log_n: u32,
    lanes: u32,
    pipe_depth: u32,
    batch: u32,
    descriptors: bool,
) -> JobCycles {
    let n = 1u64 << log_n;
    let l = u64::from(lanes.max(1));
    let p = u64::from(pipe_depth);
    let k = u64::from(log_n);
    let b = u64::from(batch);
    let half = n.div_ceil(2 * l);
    let per_lane = n.div_ceil(l);
    let compute = k * (half + p);
    let transfer = 3 * per_lane;
    let fill = 2 * per_lane + if descriptors { 8 } else { 0 };
    let drain = per_lane + p;
    JobCycles {
        total: START_OVERHEAD + fill + b * compute.max(transfer) + drain,
        busy: b * k * half,
    }
}

/// The ideal cycle count `k·N/(2L)` of one NTT.
#[must_use]
pub fn ideal_cycles(log_n: u32, lanes: u32) -> u64 {
    u64::from(log_n) * (1u64 << log_n) / (2 * u64::from(lanes.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_matches_the_formula_by_hand() {
        // N = 16, L = 1, P = 4, one limb, register mode:
        // stage = 8 + 4, compute = 48, transfer = 48, fill = 32, drain = 20.
        let c = job_cycles(4, 1, 4, 1, false);
        assert_eq!(
            c,
            JobCycles {
                total: 4 + 32 + 48 + 20,
                busy: 32
            }
        );
        // N = 4096, L = 4: compute = 12·(512 + 6) dominates transfer = 3072.
        let c = job_cycles(12, 4, 6, 3, true);
        assert_eq!(c.total, 4 + 2048 + 8 + 3 * 12 * 518 + 1024 + 6);
        assert_eq!(c.busy, 3 * ideal_cycles(12, 4));
    }
}
