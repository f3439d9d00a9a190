//! The driver against a scripted register bus: the exact register sequence
//! of probe, a job, and every error path.

use super::*;
use crate::regmap::{self as r, ErrorCode};
use hearth_kernels::ntt::{NttPlan, OwnedNttPlan};
use std::collections::VecDeque;
use std::vec;
use std::vec::Vec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Read(u32, u32),
    Write(u32, u32),
}

/// A bus that checks every access against a script.
#[derive(Debug)]
struct Scripted {
    script: VecDeque<Step>,
}

impl RegisterBus for Scripted {
    type Error = ();
    fn read32(&mut self, offset: u32) -> Result<u32, ()> {
        match self.script.pop_front() {
            Some(Step::Read(o, v)) if o == offset => Ok(v),
            other => panic!("read {offset:#x}, script expected {other:?}"),
        }
    }
    fn write32(&mut self, offset: u32, value: u32) -> Result<(), ()> {
        let got = Step::Write(offset, value);
        let want = self.script.pop_front();
        assert_eq!(want, Some(got), "write {offset:#x} = {value:#x}");
        Ok(())
    }
}

/// Plain RAM as device memory (32-bit words).
#[derive(Debug)]
struct Ram(Vec<u64>);

impl DeviceMemory for Ram {
    type Error = ();
    fn write_words<W: Word>(&mut self, addr: u32, src: &[W]) -> Result<(), ()> {
        for (i, w) in src.iter().enumerate() {
            *self.0.get_mut(addr as usize + i).ok_or(())? = w.to_u64();
        }
        Ok(())
    }
    fn read_words<W: Word>(&mut self, addr: u32, dst: &mut [W]) -> Result<(), ()> {
        for (i, w) in dst.iter_mut().enumerate() {
            *w = W::from_u64_truncating(*self.0.get(addr as usize + i).ok_or(())?);
        }
        Ok(())
    }
}

#[derive(Debug)]
struct NoDelay(u64);
impl DelayNs for NoDelay {
    fn delay_ns(&mut self, ns: u32) {
        self.0 += u64::from(ns);
    }
}

const WORDS: u32 = 1 << 16;
const CAPS0: u32 = 32 | 1 << 8 | 10 << 16 | 2 << 24;
const CAPS1: u32 = 4 | 1 << 8 | 8 << 16;

fn probe_script() -> Vec<Step> {
    use Step::*;
    vec![
        Read(r::id::OFFSET, r::MAGIC),
        Read(r::version::OFFSET, 0x0001_0003),
        Read(r::caps0::OFFSET, CAPS0),
        Read(r::caps1::OFFSET, CAPS1),
        Read(r::devmem_words::OFFSET, WORDS),
        Write(r::ctrl::OFFSET, 2),
        Write(r::irq_enable::OFFSET, 0),
    ]
}

type Driver = Pipeline<Scripted, Ram, NoDelay>;

fn probe(extra: Vec<Step>, config: Config) -> Result<Driver, Error<(), ()>> {
    let mut script = probe_script();
    if config.wait == WaitMode::Interrupt {
        if let Some(last) = script.last_mut() {
            *last = Step::Write(r::irq_enable::OFFSET, 3);
        }
    }
    script.extend(extra);
    let bus = Scripted {
        script: script.into(),
    };
    Pipeline::probe(bus, Ram(vec![0; WORDS as usize]), NoDelay(0), config)
}

fn done(d: Driver) {
    let (bus, _, _) = d.release();
    assert!(bus.script.is_empty(), "unused script: {:?}", bus.script);
}

fn plan(q: u32, n: usize) -> OwnedNttPlan<u32> {
    OwnedNttPlan::new(q, n).unwrap()
}

/// The register writes of a register-mode job on slot 0.
fn job_writes(p: &OwnedNttPlan<u32>, limbs: u32, cfg: u32, d: &Layout) -> Vec<Step> {
    use Step::*;
    let m = p.modulus();
    vec![
        Write(r::job_cfg::OFFSET, cfg),
        Write(r::batch_count::OFFSET, limbs),
        Write(r::batch_stride::OFFSET, p.degree() as u32),
        Write(r::src_addr::OFFSET, d.data_addr),
        Write(r::dst_addr::OFFSET, d.data_addr),
        Write(r::twiddle_addr::OFFSET, d.slot_addr(0)),
        Write(r::modulus_lo::OFFSET, m.value()),
        Write(r::modulus_hi::OFFSET, 0),
        Write(r::barrett_mu_lo::OFFSET, m.barrett_wide_constant()),
        Write(r::barrett_mu_hi::OFFSET, 0),
        Write(r::mod_bits::OFFSET, m.bits()),
        Write(r::n_inv_lo::OFFSET, p.degree_inv().value),
        Write(r::n_inv_hi::OFFSET, 0),
        Write(r::irq_status::OFFSET, 3),
        Write(r::ctrl::OFFSET, 1),
    ]
}

const Q: u32 = 7681; // 7681 = 15·2^9 + 1, NTT-friendly up to N = 256.

#[test]
fn probe_reads_identity_capabilities_and_plans_memory() {
    let d = probe(vec![], Config::default()).unwrap();
    let c = *d.capabilities();
    assert_eq!((c.word_bits, c.lanes, c.log_n_max, c.banks), (32, 1, 10, 2));
    assert_eq!((c.pipe_depth, c.descriptors, c.max_batch), (4, true, 8));
    assert_eq!((c.version_minor, c.devmem_words), (3, WORDS));
    let l = *d.layout();
    assert_eq!(l.twiddle_addr, 8 * 8);
    assert_eq!(l.data_addr, 64 + 4 * 2048);
    assert_eq!(l.data_words, WORDS - l.data_addr);
    done(d);
}

#[test]
fn one_prime_batch_uses_register_mode_and_polls_status() {
    use Step::*;
    let p = plan(Q, 16);
    let layout = *probe(vec![], Config::default()).unwrap().layout();
    let mut s = job_writes(&p, 2, 4, &layout);
    s.extend([
        Read(r::status::OFFSET, 1),
        Read(r::status::OFFSET, 2),
        Read(r::status::OFFSET, 2),
        Write(r::irq_status::OFFSET, 3),
    ]);
    let mut d = probe(s, Config::default()).unwrap();
    let mut limbs: Vec<u32> = (0..32).collect();
    d.run(Direction::Forward, &[&p, &p], &mut limbs).unwrap();
    assert_eq!(d.jobs_started(), 1);
    let (bus, ram, delay) = d.release();
    assert!(bus.script.is_empty());
    assert_eq!(delay.0, 10_000, "one poll interval slept");
    let tw = layout.slot_addr(0) as usize;
    let fwd: Vec<u32> = ram.0[tw..tw + 16].iter().map(|&w| w as u32).collect();
    let inv: Vec<u32> = ram.0[tw + 16..tw + 32].iter().map(|&w| w as u32).collect();
    assert_eq!(fwd, p.forward_twiddles());
    assert_eq!(inv, p.inverse_twiddles());
}

#[test]
fn interrupt_mode_waits_on_irq_status() {
    use Step::*;
    let p = plan(Q, 16);
    let config = Config {
        wait: WaitMode::Interrupt,
        ..Config::default()
    };
    let layout = *probe(vec![], config).unwrap().layout();
    let mut s = job_writes(&p, 1, 1 << 8 | 4, &layout);
    s.extend([
        Read(r::irq_status::OFFSET, 0),
        Read(r::irq_status::OFFSET, 1),
        Read(r::status::OFFSET, 2),
        Write(r::irq_status::OFFSET, 3),
    ]);
    let mut d = probe(s, config).unwrap();
    let mut limbs = [1u32; 16];
    d.run(Direction::Inverse, &[&p], &mut limbs).unwrap();
    done(d);
}

#[test]
fn two_primes_use_descriptors() {
    use Step::*;
    let (p, p2) = (plan(Q, 16), plan(12289, 16));
    let layout = *probe(vec![], Config::default()).unwrap().layout();
    let s = vec![
        Write(r::job_cfg::OFFSET, 4 | 1 << 9),
        Write(r::batch_count::OFFSET, 2),
        Write(r::batch_stride::OFFSET, 16),
        Write(r::src_addr::OFFSET, layout.data_addr),
        Write(r::dst_addr::OFFSET, layout.data_addr),
        Write(r::desc_addr::OFFSET, 0),
        Write(r::irq_status::OFFSET, 3),
        Write(r::ctrl::OFFSET, 1),
        Read(r::status::OFFSET, 2),
        Read(r::status::OFFSET, 2),
        Write(r::irq_status::OFFSET, 3),
    ];
    let mut d = probe(s, Config::default()).unwrap();
    let mut limbs = [0u32; 32];
    d.run(Direction::Forward, &[&p, &p2], &mut limbs).unwrap();
    let (_, ram, _) = d.release();
    let m = p2.modulus();
    let want = [
        12289,
        u64::from(m.barrett_wide_constant()),
        u64::from(m.bits()),
        u64::from(p2.degree_inv().value),
        u64::from(layout.slot_addr(1)),
        0,
        0,
        0,
    ];
    assert_eq!(ram.0[8..16], want);
}

#[test]
fn bad_requests_never_reach_the_device() {
    let mut d = probe(vec![], Config::default()).unwrap();
    let big = plan(12289, 2048); // log N = 11 > LOG_N_MAX = 10
    let mut limbs = vec![0u32; 2048];
    let e = d.run(Direction::Forward, &[&big], &mut limbs).unwrap_err();
    assert_eq!(
        e,
        Error::Unsupported {
            limit: Limit::LogN,
            requested: 11,
            max: 10
        }
    );
    let mut q = [0u64; 1];
    hearth_kernels::arith::prime::ntt_primes(62, 16, &mut q).unwrap();
    let wide = OwnedNttPlan::<u64>::new(q[0], 16).unwrap();
    let mut l = [0u64; 16];
    let e = d.run(Direction::Forward, &[&wide], &mut l).unwrap_err();
    assert_eq!(
        e,
        Error::WordSize {
            device: 32,
            requested: 64
        }
    );
    let p = plan(Q, 16);
    let mut short = [0u32; 15];
    let e = d.run(Direction::Forward, &[&p], &mut short).unwrap_err();
    assert_eq!(
        e,
        Error::LengthMismatch {
            expected: 16,
            actual: 15
        }
    );
    done(d);
}

#[test]
fn forward_only_plans_never_reach_the_device() {
    let mut d = probe(vec![], Config::default()).unwrap();
    let full = plan(Q, 16);
    let fwd = NttPlan::from_forward_tables(Q, 16, full.forward_tables()).unwrap();
    let mut limbs = [0u32; 16];
    for dir in [Direction::Forward, Direction::Inverse] {
        let e = d.run(dir, &[&fwd], &mut limbs).unwrap_err();
        assert_eq!(
            e,
            Error::ForwardOnlyPlan {
                modulus: u64::from(Q)
            }
        );
    }
    done(d);
}

#[test]
fn device_error_is_decoded() {
    use Step::*;
    let p = plan(Q, 16);
    let layout = *probe(vec![], Config::default()).unwrap().layout();
    let mut s = job_writes(&p, 1, 4, &layout);
    let st = 4 | (ErrorCode::BadModulus as u32) << 8 | 1 << 16;
    s.extend([Read(r::status::OFFSET, st), Read(r::status::OFFSET, st)]);
    s.push(Write(r::irq_status::OFFSET, 3));
    let mut d = probe(s, Config::default()).unwrap();
    let mut limbs = [0u32; 16];
    let e = d.run(Direction::Forward, &[&p], &mut limbs).unwrap_err();
    assert_eq!(
        e,
        Error::Device {
            code: Some(ErrorCode::BadModulus),
            raw: 3,
            limb: 1
        }
    );
    done(d);
}

#[test]
fn timeout_resets_the_device() {
    use Step::*;
    let p = plan(Q, 16);
    let config = Config {
        timeout_us: 100,
        poll_us: 10,
        ..Config::default()
    };
    let layout = *probe(vec![], config).unwrap().layout();
    let mut s = job_writes(&p, 1, 4, &layout);
    s.extend((0..11).map(|_| Read(r::status::OFFSET, 1)));
    s.extend([Write(r::ctrl::OFFSET, 2), Write(r::irq_enable::OFFSET, 0)]);
    let mut d = probe(s, config).unwrap();
    let mut limbs = [0u32; 16];
    let e = d.run(Direction::Forward, &[&p], &mut limbs).unwrap_err();
    assert_eq!(e, Error::Timeout { waited_us: 100 });
    done(d);
}

#[test]
fn wrong_identity_and_version_are_refused() {
    use Step::*;
    let bus = Scripted {
        script: vec![Read(r::id::OFFSET, 0x1234)].into(),
    };
    let e = Pipeline::probe(bus, Ram(vec![]), NoDelay(0), Config::default()).unwrap_err();
    assert_eq!(e, Error::BadIdentity { id: 0x1234 });
    let bus = Scripted {
        script: vec![
            Read(r::id::OFFSET, r::MAGIC),
            Read(r::version::OFFSET, 0x0002_0000),
        ]
        .into(),
    };
    let e = Pipeline::probe(bus, Ram(vec![]), NoDelay(0), Config::default()).unwrap_err();
    assert_eq!(e, Error::UnsupportedVersion { major: 2, minor: 0 });
}

#[test]
fn corrupt_output_is_detected() {
    use Step::*;
    let p = plan(Q, 16);
    let layout = *probe(vec![], Config::default()).unwrap().layout();
    let mut s = job_writes(&p, 1, 4, &layout);
    s.extend([Read(r::status::OFFSET, 2), Read(r::status::OFFSET, 2)]);
    s.push(Write(r::irq_status::OFFSET, 3));
    let mut d = probe(s, Config::default()).unwrap();
    let mut limbs = [0u32; 16];
    limbs[5] = Q; // the scripted device leaves inputs in place: not reduced
    let e = d.run(Direction::Forward, &[&p], &mut limbs).unwrap_err();
    assert_eq!(e, Error::CorruptOutput { limb: 0, index: 5 });
    done(d);
}

#[test]
fn load_twiddles_is_cached() {
    let mut d = probe(vec![], Config::default()).unwrap();
    let p = plan(Q, 16);
    let p2 = plan(12289, 16);
    let a = d.load_twiddles(&p).unwrap();
    assert_eq!(d.load_twiddles(&p).unwrap(), a);
    let b = d.load_twiddles(&p2).unwrap();
    assert_ne!(a, b);
    assert_eq!(d.load_twiddles(&p).unwrap(), a);
    let big = plan(12289, 2048);
    assert!(matches!(
        d.load_twiddles(&big),
        Err(Error::Unsupported {
            limit: Limit::LogN,
            ..
        })
    ));
    done(d);
}
