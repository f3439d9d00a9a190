//! The device model's `CYCLES` and `BUSY_CYCLES` counters show what the RTL
//! counts.
//!
//! The formula is `hearth_hal::pipeline::cycles` (the RTL tests in
//! `fpga/tb/tests` check it against the Verilated RTL's counters, and
//! `sim_rtl_engine` compares the two devices job by job). Here the device
//! model runs jobs through hal's driver and by raw register writes, and its
//! counters must equal the cycle counts measured on the RTL and the formula
//! for the shape the model was given: lanes, memory latency, descriptor mode,
//! and which check refused a job.

use hearth_device::{Params, SimDelay, SimDevice};
use hearth_hal::pipeline::cycles::{job_cycles, refused_cycles, JobShape, Refusal};
use hearth_hal::pipeline::{Config, Direction, Pipeline};
use hearth_hal::regmap::{self as r, ErrorCode};
use hearth_hal::{DeviceMemory, RegisterBus};
use hearth_kernels::arith::prime::ntt_primes;
use hearth_kernels::ntt::OwnedNttPlan;

type Driver = Pipeline<SimDevice, SimDevice, SimDelay>;

fn driver(params: Params) -> Driver {
    let dev = SimDevice::new(params);
    Pipeline::probe(dev.clone(), dev, SimDelay::default(), Config::default()).unwrap()
}

fn plans(n: usize, count: usize) -> Vec<OwnedNttPlan<u32>> {
    let mut qs = vec![0u64; count];
    ntt_primes(30, n, &mut qs).unwrap();
    qs.iter()
        .map(|&q| OwnedNttPlan::new(q as u32, n).unwrap())
        .collect()
}

/// Runs one forward job of `batch` limbs (primes taken in turn) and returns
/// the device's `(CYCLES, BUSY_CYCLES)`.
fn run(d: &mut Driver, owned: &[OwnedNttPlan<u32>], batch: usize) -> (u64, u64) {
    let refs: Vec<&OwnedNttPlan<u32>> = (0..batch).map(|i| &owned[i % owned.len()]).collect();
    let n = owned[0].degree();
    let mut a: Vec<u32> = (0..n * batch).map(|i| i as u32 % 1000).collect();
    d.run(Direction::Forward, &refs, &mut a).unwrap();
    let c = d.counters().unwrap();
    (c.cycles, c.busy_cycles)
}

/// Measured on the Verilated RTL (`cargo xtask rtl cycles`, WORD_BITS = 32,
/// memory read latency 2; the table in `fpga/README.md`): `(k, L, one NTT,
/// CYCLES(8 limbs) − CYCLES(7 limbs))`.
#[test]
fn counters_equal_the_rtls_measurements() {
    let measured = [
        (12, 1, 36_891, 24_587),
        (12, 16, 2_331, 1_547),
        (13, 4, 19_483, 13_323),
        (14, 8, 20_507, 14_347),
        (14, 16, 10_267, 7_179),
    ];
    for (log_n, lanes, one, per_limb) in measured {
        let mut d = driver(Params::new(32, lanes));
        let owned = plans(1 << log_n, 1);
        assert_eq!(run(&mut d, &owned, 1).0, one, "N=2^{log_n} L={lanes}");
        let (seven, eight) = (run(&mut d, &owned, 7).0, run(&mut d, &owned, 8).0);
        assert_eq!(eight - seven, per_limb, "N=2^{log_n} L={lanes}");
    }
}

/// Register mode (one prime) and descriptor mode (several primes), for the
/// lanes and memory latencies the model is built with.
#[test]
fn completed_jobs_count_the_formula_for_the_models_shape() {
    let mut checked = 0;
    for lanes in [1, 4, 16] {
        for mem_latency in [1, 2, 5] {
            let params = Params {
                mem_latency,
                ..Params::new(32, lanes)
            };
            let mut d = driver(params);
            for log_n in [4, 7, 10] {
                for primes in [1, 3] {
                    let owned = plans(1 << log_n, primes);
                    for batch in [1, 2, 5] {
                        let model = job_cycles(JobShape {
                            log_n,
                            lanes,
                            batch: batch as u64,
                            // The driver uses descriptors when the primes differ.
                            desc: primes > 1 && batch > 1,
                            mem_latency: mem_latency.into(),
                        });
                        assert_eq!(
                            run(&mut d, &owned, batch),
                            (model.total, model.busy),
                            "L={lanes} M={mem_latency} N=2^{log_n} primes {primes} batch {batch}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 3 * 2 * 3);
}

const N: usize = 64;
const DESC_TABLE: u32 = 0x4000;

/// Programs a job of 3 limbs by hand (descriptor mode with `desc`, the limbs'
/// descriptors at [`DESC_TABLE`]), lets `edit` spoil it, starts it and
/// returns its `ERR_CODE`, `ERR_LIMB` and `CYCLES`.
fn refused_job(
    dev: &mut SimDevice,
    desc: bool,
    edit: impl FnOnce(&mut SimDevice, &mut [(u32, u32)]),
) -> (u32, u32, u64) {
    let owned = plans(N, 3);
    for (i, p) in owned.iter().enumerate() {
        let m = p.modulus();
        let tw = (i * 2 * N) as u32;
        dev.write_words(tw, p.forward_twiddles()).unwrap();
        let d = [
            m.value(),
            m.barrett_wide_constant(),
            m.bits(),
            p.degree_inv().value,
            tw,
            0,
            0,
            0,
        ];
        dev.write_words(DESC_TABLE + 8 * i as u32, &d).unwrap();
    }
    let m = owned[0].modulus();
    let cfg = N.trailing_zeros() | if desc { r::job_cfg::DESC_EN.val(1) } else { 0 };
    let mut regs = [
        (r::job_cfg::OFFSET, cfg),
        (r::batch_count::OFFSET, 3),
        (r::batch_stride::OFFSET, N as u32),
        (r::src_addr::OFFSET, 1000),
        (r::dst_addr::OFFSET, 1000),
        (r::twiddle_addr::OFFSET, 0),
        (r::desc_addr::OFFSET, DESC_TABLE),
        (r::modulus_lo::OFFSET, m.value()),
        (r::barrett_mu_lo::OFFSET, m.barrett_wide_constant()),
        (r::mod_bits::OFFSET, m.bits()),
        (r::n_inv_lo::OFFSET, owned[0].degree_inv().value),
    ];
    edit(dev, &mut regs);
    for (o, v) in regs {
        dev.write32(o, v).unwrap();
    }
    dev.write32(r::ctrl::OFFSET, 1).unwrap();
    let s = dev.read32(r::status::OFFSET).unwrap();
    assert_eq!(r::status::ERROR.get(s), 1, "the job was refused");
    let cycles = u64::from(dev.read32(r::cycles_lo::OFFSET).unwrap());
    (
        r::status::ERR_CODE.get(s),
        r::status::ERR_LIMB.get(s),
        cycles,
    )
}

fn set(regs: &mut [(u32, u32)], offset: u32, value: u32) {
    regs.iter_mut()
        .filter(|(o, _)| *o == offset)
        .for_each(|r| r.1 = value);
}

#[test]
fn refused_jobs_count_the_formula_for_the_check_that_refused_them() {
    let mut dev = SimDevice::new(Params::new(32, 4));
    let shape = |desc| JobShape {
        log_n: N.trailing_zeros(),
        lanes: 4,
        batch: 3,
        desc,
        mem_latency: 2,
    };
    let bad_log_n = refused_job(&mut dev, true, |_, r| set(r, r::job_cfg::OFFSET, 3));
    assert_eq!(
        bad_log_n,
        (
            ErrorCode::BadLogN as u32,
            0,
            refused_cycles(shape(true), Refusal::JobWide)
        )
    );
    let bad_batch = refused_job(&mut dev, false, |_, r| set(r, r::batch_count::OFFSET, 0));
    assert_eq!(bad_batch.2, refused_cycles(shape(false), Refusal::JobWide));
    let bad_mu = refused_job(&mut dev, false, |_, r| {
        set(r, r::barrett_mu_lo::OFFSET, 12345);
    });
    assert_eq!(
        bad_mu,
        (
            ErrorCode::BadModulus as u32,
            0,
            refused_cycles(shape(false), Refusal::Start)
        )
    );
    // The descriptor table runs past the end of device memory.
    let table = refused_job(&mut dev, true, |_, r| {
        set(r, r::desc_addr::OFFSET, (1 << 20) - 4);
    });
    assert_eq!(
        table,
        (
            ErrorCode::AddrRange as u32,
            0,
            refused_cycles(shape(true), Refusal::Start)
        )
    );
    // Descriptor mode: an address found out of range after the pre-pass
    // counts as a refusal at the last limb.
    let last = refused_cycles(shape(true), Refusal::Prepass { limb: 2 });
    let source = refused_job(&mut dev, true, |_, r| {
        set(r, r::src_addr::OFFSET, (1 << 20) - 8);
    });
    assert_eq!(source, (ErrorCode::AddrRange as u32, 0, last));
    for limb in 0..3u32 {
        let at = DESC_TABLE + 8 * limb + 4;
        let twiddles = refused_job(&mut dev, true, |dev, _| {
            dev.write_words(at, &[(1u32 << 20) - 8]).unwrap();
        });
        assert_eq!(twiddles, (ErrorCode::AddrRange as u32, limb, last));
    }
    // The pre-pass refuses the descriptor of limb `bad` (its μ spoilt).
    for bad in 0..3u64 {
        let at = DESC_TABLE + 8 * bad as u32 + 1;
        let got = refused_job(&mut dev, true, |dev, _| {
            dev.write_words(at, &[7u32]).unwrap();
        });
        let want = refused_cycles(shape(true), Refusal::Prepass { limb: bad });
        assert_eq!(got, (ErrorCode::BadModulus as u32, bad as u32, want));
    }
}
