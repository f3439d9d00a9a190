//! Fault paths of the driver over the device model: time-outs, device error
//! codes (injected, and found by the device's own validation), flipped
//! output bits, and the fallback engine's retries and software fallback.

use hearth_device::{Fault, Params, SimDelay, SimDevice};
use hearth_hal::engine::{FallbackEngine, PipelineEngine, SoftEngine};
use hearth_hal::pipeline::{Config, Direction, Error, Pipeline, WaitMode};
use hearth_hal::regmap::{self as r, ErrorCode};
use hearth_hal::{DeviceMemory, NttEngine, RegisterBus};
use hearth_kernels::arith::prime::ntt_primes;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::OwnedNttPlan;

const N: usize = 64;

fn setup(config: Config) -> (Pipeline<SimDevice, SimDevice, SimDelay>, SimDevice) {
    let dev = SimDevice::new(Params::new(32, 4));
    let d = Pipeline::probe(dev.clone(), dev.clone(), SimDelay::default(), config).unwrap();
    (d, dev)
}

fn plan() -> OwnedNttPlan<u32> {
    let mut q = [0u64; 1];
    ntt_primes(30, N, &mut q).unwrap();
    OwnedNttPlan::new(q[0] as u32, N).unwrap()
}

fn input(p: &OwnedNttPlan<u32>) -> Vec<u32> {
    (0..N as u32)
        .map(|i| i.wrapping_mul(0x9e37_79b9) % p.modulus().value())
        .collect()
}

fn expected(p: &OwnedNttPlan<u32>) -> Vec<u32> {
    let mut a = input(p);
    SoftEngine::default().forward(&[p], &mut a).unwrap();
    a
}

const SHORT: Config = Config {
    timeout_us: 100,
    poll_us: 10,
    wait: WaitMode::Poll,
    twiddle_slots: 4,
};

#[test]
fn hang_times_out_resets_and_the_next_job_runs() {
    let (mut d, dev) = setup(SHORT);
    let p = plan();
    dev.inject(Fault::Hang, 1);
    let mut a = input(&p);
    let e = d.run(Direction::Forward, &[&p], &mut a).unwrap_err();
    assert_eq!(e, Error::Timeout { waited_us: 100 });
    let mut a = input(&p);
    d.run(Direction::Forward, &[&p], &mut a).unwrap();
    assert_eq!(a, expected(&p));
}

#[test]
fn injected_device_error_is_typed() {
    let (mut d, dev) = setup(Config::default());
    let p = plan();
    dev.inject(Fault::Error(ErrorCode::Internal), 1);
    let mut a = input(&p);
    let e = d.run(Direction::Forward, &[&p], &mut a).unwrap_err();
    assert_eq!(
        e,
        Error::Device {
            code: Some(ErrorCode::Internal),
            raw: 6,
            limb: 0
        }
    );
    assert_eq!(d.counters().unwrap().jobs_failed, 1);
}

#[test]
fn flipped_high_bit_is_detected_low_bit_is_not() {
    let (mut d, dev) = setup(Config::default());
    let p = plan();
    // Bit 31 is above q's 30 bits: the word is no longer reduced.
    dev.inject(
        Fault::FlipBit {
            limb: 0,
            index: 9,
            bit: 31,
        },
        1,
    );
    let mut a = input(&p);
    let e = d.run(Direction::Forward, &[&p], &mut a).unwrap_err();
    assert_eq!(e, Error::CorruptOutput { limb: 0, index: 9 });
    // Bit 0 keeps most words below q: the driver cannot see it (a limit of
    // range checking, documented), but the output differs in exactly one bit.
    dev.inject(
        Fault::FlipBit {
            limb: 0,
            index: 3,
            bit: 0,
        },
        1,
    );
    let mut a = input(&p);
    let want = expected(&p);
    assert!(
        want[3] ^ 1 < p.modulus().value(),
        "test data must keep the flip reduced"
    );
    d.run(Direction::Forward, &[&p], &mut a).unwrap();
    let diff: Vec<usize> = (0..N).filter(|&i| a[i] != want[i]).collect();
    assert_eq!(diff, vec![3]);
    assert_eq!(a[3] ^ want[3], 1);
}

#[test]
fn fallback_retries_then_runs_software_bit_exactly() {
    let p = plan();
    let want = expected(&p);
    // A transient hang: one retry succeeds on the device.
    let (d, dev) = setup(SHORT);
    let mut e = FallbackEngine::new(PipelineEngine::new(d), vec![0u32; 4 * N], 2);
    dev.inject(Fault::Hang, 1);
    let mut a = input(&p);
    e.forward(&[&p], &mut a).unwrap();
    assert_eq!(a, want);
    let s = e.stats();
    assert_eq!((s.primary_ok, s.retries, s.fallbacks), (1, 1, 0));
    assert!(matches!(
        e.last_error(),
        Some(hearth_kernels::Error::Engine {
            kind: EngineFailure::Timeout,
            ..
        })
    ));
    // A persistent device error: two retries, then software.
    dev.inject(Fault::Error(ErrorCode::Internal), 100);
    let mut a = input(&p);
    e.forward(&[&p], &mut a).unwrap();
    assert_eq!(a, want);
    let s = e.stats();
    assert_eq!((s.primary_ok, s.retries, s.fallbacks), (1, 3, 1));
    // The hung job was aborted by the driver's reset, not failed.
    assert_eq!(dev.activity().failed, 3);
    // A corrupted output: detected, retried on the device, correct.
    dev.inject(
        Fault::FlipBit {
            limb: 0,
            index: 0,
            bit: 31,
        },
        1,
    );
    let mut a = input(&p);
    e.forward(&[&p], &mut a).unwrap();
    assert_eq!(a, want);
    assert_eq!(e.stats().retries, 4);
}

#[test]
fn interrupt_mode_runs_jobs() {
    let (mut d, _) = setup(Config {
        wait: WaitMode::Interrupt,
        ..Config::default()
    });
    let p = plan();
    let mut a = input(&p);
    d.run(Direction::Forward, &[&p], &mut a).unwrap();
    assert_eq!(a, expected(&p));
}

/// Programs a register-mode job by hand, starts it and returns STATUS.
fn raw_job(dev: &mut SimDevice, edit: impl FnOnce(&mut [(u32, u32)])) -> u32 {
    let p = plan();
    let m = p.modulus();
    dev.write_words(0, p.forward_twiddles()).unwrap();
    dev.write_words(N as u32, p.inverse_twiddles()).unwrap();
    dev.write_words(1000, &input(&p)).unwrap();
    let mut regs = [
        (r::job_cfg::OFFSET, 6),
        (r::batch_count::OFFSET, 1),
        (r::batch_stride::OFFSET, N as u32),
        (r::src_addr::OFFSET, 1000),
        (r::dst_addr::OFFSET, 1000),
        (r::twiddle_addr::OFFSET, 0),
        (r::modulus_lo::OFFSET, m.value()),
        (r::barrett_mu_lo::OFFSET, m.barrett_wide_constant()),
        (r::mod_bits::OFFSET, m.bits()),
        (r::n_inv_lo::OFFSET, p.degree_inv().value),
    ];
    edit(&mut regs);
    for (o, v) in regs {
        dev.write32(o, v).unwrap();
    }
    dev.write32(r::ctrl::OFFSET, 1).unwrap();
    for _ in 0..10 {
        let s = dev.read32(r::status::OFFSET).unwrap();
        if r::status::BUSY.get(s) == 0 {
            return s;
        }
    }
    panic!("job did not finish");
}

/// An edit of the register list of [`raw_job`].
type Edit = dyn Fn(&mut [(u32, u32)]);

fn set(regs: &mut [(u32, u32)], offset: u32, value: u32) {
    regs.iter_mut()
        .filter(|(o, _)| *o == offset)
        .for_each(|r| r.1 = value);
}

#[test]
fn the_device_refuses_bad_jobs_with_the_documented_codes() {
    let mut dev = SimDevice::new(Params::new(32, 4));
    let ok = raw_job(&mut dev, |_| {});
    assert_eq!(ok, r::status::DONE.val(1));
    let p = plan();
    let m = *p.modulus();
    let cases: [(ErrorCode, Box<Edit>); 7] = [
        (
            ErrorCode::BadLogN,
            Box::new(|r| set(r, r::job_cfg::OFFSET, 3)),
        ),
        (
            ErrorCode::BadLogN,
            Box::new(|r| set(r, r::job_cfg::OFFSET, 15)),
        ),
        (
            ErrorCode::BadBatch,
            Box::new(|r| set(r, r::batch_count::OFFSET, 0)),
        ),
        (
            ErrorCode::BadModulus,
            Box::new(move |r| set(r, r::barrett_mu_lo::OFFSET, m.barrett_wide_constant() + 1)),
        ),
        (
            ErrorCode::BadModulus,
            Box::new(move |r| set(r, r::modulus_lo::OFFSET, m.value() + 2)),
        ),
        (
            ErrorCode::AddrRange,
            Box::new(|r| set(r, r::src_addr::OFFSET, (1 << 21) - 10)),
        ),
        (
            ErrorCode::AddrRange,
            Box::new(|r| set(r, r::dst_addr::OFFSET, 1010)),
        ),
    ];
    for (code, edit) in cases {
        let s = raw_job(&mut dev, |r| edit(r));
        assert_eq!(r::status::ERROR.get(s), 1, "{code:?}");
        assert_eq!(r::status::ERR_CODE.get(s), code as u32, "{code:?}");
    }
    // An input word >= q (limb at 2000, otherwise zeros): INPUT_RANGE.
    dev.write_words(2000 + 5, &[m.value()]).unwrap();
    let s = raw_job(&mut dev, |r| {
        set(r, r::src_addr::OFFSET, 2000);
        set(r, r::dst_addr::OFFSET, 2000);
    });
    assert_eq!(r::status::ERR_CODE.get(s), ErrorCode::InputRange as u32);
}
