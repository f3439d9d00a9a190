//! A register-level job runner: the plain test bench that drives the RTL
//! directly through its registers (no driver), used to replay known-answer
//! vectors and to provoke the errors the device itself must report.

use crate::model::{Rtl, RtlError};
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::NttPlan;

/// Register offsets (`REG_*`), error codes (`ERR_*`) and the other constants
/// of the generated `fpga/rtl/hearth_regmap.vh`, turned into Rust by
/// `build.rs`.
pub mod regs {
    include!(concat!(env!("OUT_DIR"), "/regs.rs"));
}

/// One limb's modulus data as the device takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimbParams {
    /// The prime `q`.
    pub q: u64,
    /// Barrett `μ = floor(2^(2L)/q)`.
    pub mu: u64,
    /// `L`, the bit length of `q`.
    pub bits: u32,
    /// `N^-1 mod q`.
    pub n_inv: u64,
    /// `ψ^brv(j)` then `ψ^-brv(j)`, `2N` words.
    pub twiddles: Vec<u64>,
}

impl LimbParams {
    /// The device's view of a kernels plan.
    pub fn from_plan<W: Word, S: AsRef<[W]>>(plan: &NttPlan<W, S>) -> Self {
        let m = plan.modulus();
        Self {
            q: m.value().to_u64(),
            mu: m.barrett_wide_constant().to_u64(),
            bits: m.bits(),
            n_inv: plan.degree_inv().value.to_u64(),
            twiddles: plan
                .forward_twiddles()
                .iter()
                .chain(plan.inverse_twiddles())
                .map(|w| w.to_u64())
                .collect(),
        }
    }
}

/// Every register of a job, as written before `START`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRegs {
    /// `JOB_CFG.LOG_N`.
    pub log_n: u32,
    /// `JOB_CFG.INVERSE`.
    pub inverse: bool,
    /// `JOB_CFG.DESC_EN`.
    pub desc: bool,
    /// `BATCH_COUNT`.
    pub batch: u32,
    /// `BATCH_STRIDE`.
    pub stride: u32,
    /// `SRC_ADDR`.
    pub src: u32,
    /// `DST_ADDR`.
    pub dst: u32,
    /// `TWIDDLE_ADDR`.
    pub twiddle: u32,
    /// `DESC_ADDR`.
    pub desc_addr: u32,
    /// `MODULUS`, `BARRETT_MU`, `MOD_BITS`, `N_INV` (register mode).
    pub q: u64,
    /// See `q`.
    pub mu: u64,
    /// See `q`.
    pub bits: u32,
    /// See `q`.
    pub n_inv: u64,
}

/// The end state of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `STATUS` after the job.
    pub status: u32,
    /// `CYCLES`.
    pub cycles: u64,
    /// `BUSY_CYCLES`.
    pub busy_cycles: u64,
}

impl Outcome {
    /// `STATUS.DONE`.
    pub fn done(&self) -> bool {
        self.status & 0b110 == 0b010
    }
    /// `STATUS.ERR_CODE` if `STATUS.ERROR`.
    pub fn error(&self) -> Option<(u32, u32)> {
        (self.status & 0b100 != 0).then_some(((self.status >> 8) & 0xff, self.status >> 16))
    }
}

fn write64(rtl: &mut Rtl, lo: u32, hi: u32, v: u64) {
    rtl.write_reg(lo, v as u32);
    rtl.write_reg(hi, (v >> 32) as u32);
}

fn read64(rtl: &mut Rtl, lo: u32, hi: u32) -> u64 {
    let l = rtl.read_reg(lo) as u64;
    (rtl.read_reg(hi) as u64) << 32 | l
}

/// Writes the job registers, starts, polls `STATUS` every `poll` cycles until
/// `BUSY` clears, and reads the counters.
pub fn run_regs(rtl: &mut Rtl, j: &JobRegs, poll: u64) -> Outcome {
    use regs::*;
    let cfg = j.log_n | (j.inverse as u32) << 8 | (j.desc as u32) << 9;
    rtl.write_reg(REG_JOB_CFG, cfg);
    rtl.write_reg(REG_BATCH_COUNT, j.batch);
    rtl.write_reg(REG_BATCH_STRIDE, j.stride);
    rtl.write_reg(REG_SRC_ADDR, j.src);
    rtl.write_reg(REG_DST_ADDR, j.dst);
    rtl.write_reg(REG_TWIDDLE_ADDR, j.twiddle);
    rtl.write_reg(REG_DESC_ADDR, j.desc_addr);
    write64(rtl, REG_MODULUS_LO, REG_MODULUS_HI, j.q);
    write64(rtl, REG_BARRETT_MU_LO, REG_BARRETT_MU_HI, j.mu);
    rtl.write_reg(REG_MOD_BITS, j.bits);
    write64(rtl, REG_N_INV_LO, REG_N_INV_HI, j.n_inv);
    rtl.write_reg(REG_CTRL, 1);
    let status = loop {
        let s = rtl.read_reg(REG_STATUS);
        if s & 1 == 0 {
            break s;
        }
        rtl.tick(poll);
    };
    Outcome {
        status,
        cycles: read64(rtl, REG_CYCLES_LO, REG_CYCLES_HI),
        busy_cycles: read64(rtl, REG_BUSY_CYCLES_LO, REG_BUSY_CYCLES_HI),
    }
}

/// Where [`run_batch`] puts things in device memory (word addresses).
pub const TWIDDLE_BASE: u32 = 0;
/// Source region of [`run_batch`].
pub const SRC_BASE: u32 = 0x8_0000;
/// Destination region of [`run_batch`].
pub const DST_BASE: u32 = 0xC_0000;

/// Runs a batch (limb `i` = `inputs[i·N..]` with `limbs[i]`) through the
/// registers: register mode if every limb has the same modulus and `desc` is
/// false, descriptor mode otherwise. Returns the outputs and the outcome.
pub fn run_batch(
    rtl: &mut Rtl,
    limbs: &[LimbParams],
    inputs: &[u64],
    inverse: bool,
    desc: bool,
) -> Result<(Vec<u64>, Outcome), RtlError> {
    let n = limbs.first().map_or(0, |l| l.twiddles.len() / 2);
    let b = limbs.len();
    let desc_addr = TWIDDLE_BASE + (2 * n * b) as u32;
    for (i, l) in limbs.iter().enumerate() {
        let tw = TWIDDLE_BASE + (2 * n * i) as u32;
        rtl.mem_write(tw as u64, &l.twiddles)?;
        let d = [l.q, l.mu, l.bits as u64, l.n_inv, tw as u64, 0, 0, 0];
        rtl.mem_write(desc_addr as u64 + 8 * i as u64, &d)?;
    }
    rtl.mem_write(SRC_BASE as u64, inputs)?;
    let first = limbs.first().cloned().unwrap_or(LimbParams {
        q: 0,
        mu: 0,
        bits: 0,
        n_inv: 0,
        twiddles: vec![],
    });
    let j = JobRegs {
        log_n: n.trailing_zeros(),
        inverse,
        desc,
        batch: b as u32,
        stride: n as u32,
        src: SRC_BASE,
        dst: DST_BASE,
        twiddle: TWIDDLE_BASE,
        desc_addr,
        q: first.q,
        mu: first.mu,
        bits: first.bits,
        n_inv: first.n_inv,
    };
    let out = run_regs(rtl, &j, 64);
    let mut res = vec![0u64; n * b];
    rtl.mem_read(DST_BASE as u64, &mut res)?;
    Ok((res, out))
}
