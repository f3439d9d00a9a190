//! Jobs the RTL itself must refuse report the error status the register map
//! defines (`STATUS.ERROR`, `ERR_CODE`, `ERR_LIMB`), write nothing to device
//! memory, and leave the device ready for the next job.
#![cfg(feature = "rtl")]

use hearth_hal::pipeline::cycles::{refused_cycles, JobShape, Refusal};
use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::ntt::OwnedNttPlan;
use hearth_rtl::job::regs::*;
use hearth_rtl::job::{run_batch, run_regs, JobRegs, LimbParams, DST_BASE, SRC_BASE};
use hearth_rtl::{Rtl, DEVMEM_WORDS, MEM_LATENCY};

const N: usize = 64;
const SENTINEL: u64 = 0x5a5a_5a5a;

fn limb(bits: u32, nth: usize) -> LimbParams {
    let q = NttPrimes::new(bits, N).unwrap().nth(nth).unwrap();
    LimbParams::from_plan(&OwnedNttPlan::<u64>::new(q, N).unwrap())
}

/// A valid register-mode job over the layout of `setup`.
fn good(l: &LimbParams) -> JobRegs {
    JobRegs {
        log_n: N.trailing_zeros(),
        inverse: false,
        desc: false,
        batch: 1,
        stride: N as u32,
        src: SRC_BASE,
        dst: DST_BASE,
        twiddle: 0,
        desc_addr: 0x4000,
        q: l.q,
        mu: l.mu,
        bits: l.bits,
        n_inv: l.n_inv,
    }
}

/// Device with twiddles at 0, inputs at SRC_BASE, sentinels at DST_BASE.
fn setup(l: &LimbParams) -> Rtl {
    let mut rtl = Rtl::new(64, 4).unwrap();
    rtl.mem_write(0, &l.twiddles).unwrap();
    rtl.mem_write(SRC_BASE as u64, &vec![1; 4 * N]).unwrap();
    rtl.mem_write(DST_BASE as u64, &vec![SENTINEL; 4 * N])
        .unwrap();
    rtl
}

fn dst_untouched(rtl: &Rtl) -> bool {
    let mut d = vec![0; 4 * N];
    rtl.mem_read(DST_BASE as u64, &mut d).unwrap();
    d.iter().all(|&w| w == SENTINEL)
}

/// Runs `job`, expects `(code, limb)`, no memory written, then a good job.
fn refused(mut job: JobRegs, edit: impl FnOnce(&mut JobRegs, &mut Rtl), code: u32, limb_idx: u32) {
    let l = limb(50, 0);
    let mut rtl = setup(&l);
    edit(&mut job, &mut rtl);
    let o = run_regs(&mut rtl, &job, 8);
    assert_eq!(o.error(), Some((code, limb_idx)), "{job:?}");
    assert_eq!(o.busy_cycles, 0);
    assert!(dst_untouched(&rtl), "a refused job wrote device memory");
    // The device takes the next good job.
    let o = run_regs(&mut rtl, &good(&l), 8);
    assert!(o.done(), "status {:#x} after a refused job", o.status);
}

#[test]
fn bad_log_n() {
    let j = good(&limb(50, 0));
    refused(j.clone(), |j, _| j.log_n = 3, ERR_BAD_LOG_N, 0);
    refused(j, |j, _| j.log_n = 15, ERR_BAD_LOG_N, 0);
}

#[test]
fn bad_batch() {
    let j = good(&limb(50, 0));
    refused(j.clone(), |j, _| j.batch = 0, ERR_BAD_BATCH, 0);
    refused(j.clone(), |j, _| j.batch = 1025, ERR_BAD_BATCH, 0);
    refused(
        j,
        |j, _| (j.batch, j.stride) = (2, N as u32 - 1),
        ERR_BAD_BATCH,
        0,
    );
}

#[test]
fn bad_modulus_registers() {
    let j = good(&limb(50, 0));
    refused(j.clone(), |j, _| j.q += 1, ERR_BAD_MODULUS, 0); // even
    refused(j.clone(), |j, _| j.bits += 1, ERR_BAD_MODULUS, 0);
    refused(j.clone(), |j, _| j.mu += 1, ERR_BAD_MODULUS, 0);
    refused(j.clone(), |j, _| j.mu -= 1, ERR_BAD_MODULUS, 0);
    refused(j.clone(), |j, _| j.n_inv = j.q, ERR_BAD_MODULUS, 0);
    // q = 1 mod 64 but not mod 2N = 128 for log N = 6: use a larger N.
    refused(j.clone(), |j, _| j.log_n = 14, ERR_BAD_MODULUS, 0);
    // 63-bit modulus: too wide for a 64-bit device word.
    let q = (1u64 << 62) + 1;
    let mu = ((1u128 << 126) / q as u128) as u64;
    refused(
        j,
        |j, _| (j.q, j.mu, j.bits) = (q, mu, 63),
        ERR_BAD_MODULUS,
        0,
    );
}

#[test]
fn bad_modulus_descriptor_names_the_limb() {
    let j = good(&limb(50, 0));
    let descs = |rtl: &mut Rtl, bad: Option<usize>| {
        for i in 0..3 {
            let l = limb(50, i);
            let mu = if Some(i) == bad { l.mu ^ 4 } else { l.mu };
            let d = [l.q, mu, l.bits as u64, l.n_inv, 0, 0, 0, 0];
            rtl.mem_write(0x4000 + 8 * i as u64, &d).unwrap();
        }
    };
    refused(
        j,
        |j, rtl| {
            (j.desc, j.batch) = (true, 3);
            descs(rtl, Some(2));
        },
        ERR_BAD_MODULUS,
        2,
    );
}

#[test]
fn addr_range() {
    let j = good(&limb(50, 0));
    let end = DEVMEM_WORDS as u32;
    refused(
        j.clone(),
        |j, _| j.src = end - N as u32 + 1,
        ERR_ADDR_RANGE,
        0,
    );
    refused(j.clone(), |j, _| j.dst = end - 1, ERR_ADDR_RANGE, 0);
    refused(
        j.clone(),
        |j, _| j.twiddle = end - N as u32,
        ERR_ADDR_RANGE,
        0,
    );
    refused(j.clone(), |j, _| j.dst = j.src + 1, ERR_ADDR_RANGE, 0);
    refused(
        j.clone(),
        |j, _| (j.desc, j.desc_addr) = (true, end - 4),
        ERR_ADDR_RANGE,
        0,
    );
    // Descriptor mode: limb 1's twiddle table runs past the end.
    refused(
        j,
        |j, rtl| {
            (j.desc, j.batch) = (true, 2);
            for i in 0..2u64 {
                let l = limb(50, i as usize);
                let tw = if i == 1 { end as u64 - 8 } else { 0 };
                let d = [l.q, l.mu, l.bits as u64, l.n_inv, tw, 0, 0, 0];
                rtl.mem_write(0x4000 + 8 * i, &d).unwrap();
            }
        },
        ERR_ADDR_RANGE,
        1,
    );
}

#[test]
fn input_range_names_the_limb() {
    let l = limb(50, 0);
    let mut rtl = Rtl::new(64, 4).unwrap();
    let mut input = vec![3u64; 3 * N];
    input[N + 17] = l.q; // limb 1, not reduced
    let limbs = vec![l.clone(), l.clone(), l];
    let (_, o) = run_batch(&mut rtl, &limbs, &input, false, false).unwrap();
    assert_eq!(o.error(), Some((ERR_INPUT_RANGE, 1)));
}

/// The shape of `job` on the 4-lane device of [`setup`].
fn shape(job: &JobRegs) -> JobShape {
    JobShape {
        log_n: job.log_n,
        lanes: 4,
        batch: job.batch.into(),
        desc: job.desc,
        mem_latency: MEM_LATENCY.into(),
    }
}

/// `CYCLES` of refused jobs follows the formula (`hearth_hal::pipeline::cycles`).
#[test]
fn refused_jobs_count_the_formulas_cycles() {
    let l = limb(50, 0);
    let mut rtl = setup(&l);
    let mut j = good(&l);
    j.log_n = 3;
    let o = run_regs(&mut rtl, &j, 8);
    assert_eq!(o.cycles, refused_cycles(shape(&j), Refusal::JobWide));
    let mut j = good(&l);
    j.mu += 1;
    let o = run_regs(&mut rtl, &j, 8);
    assert_eq!(o.cycles, refused_cycles(shape(&j), Refusal::Start));
    for bad in 0..3u64 {
        for i in 0..3u64 {
            let l = limb(50, i as usize);
            let mu = if i == bad { l.mu ^ 4 } else { l.mu };
            let d = [l.q, mu, l.bits as u64, l.n_inv, 0, 0, 0, 0];
            rtl.mem_write(0x4000 + 8 * i, &d).unwrap();
        }
        let mut j = good(&l);
        (j.desc, j.batch) = (true, 3);
        let o = run_regs(&mut rtl, &j, 1);
        assert_eq!(o.error(), Some((ERR_BAD_MODULUS, bad as u32)));
        let limb = Refusal::Prepass { limb: bad };
        assert_eq!(o.cycles, refused_cycles(shape(&j), limb), "limb {bad}");
    }
    // Descriptor mode, every descriptor good (twiddles at `tw[i]`): an
    // ADDR_RANGE found after the pre-pass counts as a refusal at the last limb;
    // the descriptor table out of range, as a register-mode check.
    let end = DEVMEM_WORDS as u32;
    let descs = |rtl: &mut Rtl, tw: [u64; 3]| {
        for i in 0..3u64 {
            let l = limb(50, i as usize);
            let d = [l.q, l.mu, l.bits as u64, l.n_inv, tw[i as usize], 0, 0, 0];
            rtl.mem_write(0x4000 + 8 * i, &d).unwrap();
        }
    };
    let mut j = good(&l);
    (j.desc, j.batch) = (true, 3);
    let last = Refusal::Prepass { limb: 2 };
    let cases: [(&str, [u64; 3], JobRegs, u32, Refusal); 4] = [
        (
            "source",
            [0; 3],
            JobRegs {
                src: end - 8,
                ..j.clone()
            },
            0,
            last,
        ),
        (
            "twiddles of limb 0",
            [end as u64 - 8, 0, 0],
            j.clone(),
            0,
            last,
        ),
        (
            "twiddles of limb 1",
            [0, end as u64 - 8, 0],
            j.clone(),
            1,
            last,
        ),
        (
            "descriptor table",
            [0; 3],
            JobRegs {
                desc_addr: end - 4,
                ..j.clone()
            },
            0,
            Refusal::Start,
        ),
    ];
    for (what, tw, job, err_limb, refusal) in cases {
        descs(&mut rtl, tw);
        let o = run_regs(&mut rtl, &job, 1);
        assert_eq!(o.error(), Some((ERR_ADDR_RANGE, err_limb)), "{what}");
        assert_eq!(o.cycles, refused_cycles(shape(&job), refusal), "{what}");
    }
}
