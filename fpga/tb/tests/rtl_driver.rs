//! The hal driver, unchanged, against the Verilated RTL: every committed KAT,
//! random vectors for N = 2^4 … 2^14 in both directions, batches of limbs
//! with different primes, WORD_BITS 32 and 64, LANES 1, 4 and 8 — outputs
//! identical to the kernels; the `PipelineEngine` equals `SoftwareNtt`;
//! requests out of range are refused by the driver before the device sees
//! them; a job the RTL rejects comes back as the register map's error.
#![cfg(feature = "rtl")]

use hearth_hal::engine::{NttEngine, PipelineEngine, SoftwareNtt};
use hearth_hal::pipeline::cycles::{job_cycles, JobShape};
use hearth_hal::pipeline::{Config, Direction, Error, Limit, Pipeline, WaitMode};
use hearth_hal::regmap::ErrorCode;
use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::OwnedNttPlan;
use hearth_rtl::{Rtl, RtlDevice, MEM_LATENCY};

type Driver = Pipeline<RtlDevice, RtlDevice, RtlDevice>;

fn driver(word: u32, lanes: u32, wait: WaitMode) -> (Driver, RtlDevice) {
    let dev = RtlDevice::new(Rtl::new(word, lanes).unwrap());
    let config = Config {
        wait,
        ..Config::default()
    };
    let d = Pipeline::probe(dev.clone(), dev.clone(), dev.clone(), config).unwrap();
    (d, dev)
}

/// SplitMix64 for test inputs.
fn inputs(seed: u64, qs: &[u64], n: usize) -> Vec<u64> {
    let mut s = seed;
    qs.iter()
        .flat_map(|&q| {
            (0..n)
                .map(|_| {
                    s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = s;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    (z ^ (z >> 31)) % q
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn plans<W: Word>(bits: u32, n: usize, count: usize) -> Vec<OwnedNttPlan<W>> {
    NttPrimes::new(bits, n)
        .unwrap()
        .take(count)
        .map(|q| OwnedNttPlan::<W>::new(W::from_u64_truncating(q), n).unwrap())
        .collect()
}

/// Driver on RTL vs kernels, both directions, for `plans`.
fn compare<W: Word>(d: &mut Driver, plans: &[OwnedNttPlan<W>], seed: u64) {
    let n = plans[0].degree();
    let qs: Vec<u64> = plans.iter().map(|p| p.modulus().value().to_u64()).collect();
    let refs: Vec<&OwnedNttPlan<W>> = plans.iter().collect();
    let input: Vec<W> = inputs(seed, &qs, n)
        .into_iter()
        .map(W::from_u64_truncating)
        .collect();
    for dir in [Direction::Forward, Direction::Inverse] {
        let mut hw = input.clone();
        d.run(dir, &refs, &mut hw).unwrap();
        let mut sw = input.clone();
        match dir {
            Direction::Forward => SoftwareNtt.forward(&refs, &mut sw).unwrap(),
            Direction::Inverse => SoftwareNtt.inverse(&refs, &mut sw).unwrap(),
        }
        assert!(
            hw == sw,
            "W={} N={n} {dir:?} batch={}: RTL via driver differs from kernels",
            W::BITS,
            plans.len()
        );
    }
}

fn sweep<W: Word>(lanes: u32, bits: u32) {
    let (mut d, _) = driver(W::BITS, lanes, WaitMode::Poll);
    for log_n in 4..=14u32 {
        compare(&mut d, &plans::<W>(bits, 1 << log_n, 1), u64::from(log_n));
    }
    for log_n in [5u32, 9, 11] {
        // three primes (descriptor mode) and one prime three times
        let ps = plans::<W>(bits, 1 << log_n, 3);
        compare(&mut d, &ps, 1);
        compare(&mut d, &[ps[1].clone(), ps[1].clone(), ps[1].clone()], 2);
    }
}

#[test]
fn w32_lanes_1_4_8() {
    for lanes in [1, 4, 8] {
        sweep::<u32>(lanes, 30);
    }
}

#[test]
fn w64_lanes_1_4_8() {
    for lanes in [1, 4, 8] {
        sweep::<u64>(lanes, 62);
    }
}

#[test]
fn every_committed_kat_through_the_driver() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/kat");
    let mut count = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let nums = |k: &str| -> Vec<u64> {
            v[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        };
        let (n, q) = (v["n"].as_u64().unwrap() as usize, v["q"].as_u64().unwrap());
        let w32 = p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("ntt_w32");
        let (input, forward) = (nums("input"), nums("forward"));
        if w32 {
            kat_one::<u32>(q, n, &input, &forward);
        } else {
            kat_one::<u64>(q, n, &input, &forward);
        }
        count += 1;
    }
    assert!(count >= 10, "found only {count} KAT files");
}

fn kat_one<W: Word>(q: u64, n: usize, input: &[u64], forward: &[u64]) {
    let plan = OwnedNttPlan::<W>::new(W::from_u64_truncating(q), n).unwrap();
    let (mut d, _) = driver(W::BITS, 4, WaitMode::Interrupt);
    let mut a: Vec<W> = input.iter().map(|&x| W::from_u64_truncating(x)).collect();
    d.run(Direction::Forward, &[&plan], &mut a).unwrap();
    assert!(
        a.iter().map(|w| w.to_u64()).eq(forward.iter().copied()),
        "KAT q={q} N={n} forward"
    );
    d.run(Direction::Inverse, &[&plan], &mut a).unwrap();
    assert!(
        a.iter().map(|w| w.to_u64()).eq(input.iter().copied()),
        "KAT q={q} N={n} inverse"
    );
}

#[test]
fn pipeline_engine_equals_software_and_counters_match_formula() {
    let (d, dev) = driver(64, 8, WaitMode::Poll);
    let mut engine = PipelineEngine::new(d);
    let ps = plans::<u64>(50, 1 << 12, 2);
    let refs: Vec<&OwnedNttPlan<u64>> = vec![&ps[0], &ps[0], &ps[0], &ps[0]];
    let qs = vec![ps[0].modulus().value(); 4];
    let input = inputs(5, &qs, 1 << 12);
    let (mut hw, mut sw) = (input.clone(), input);
    engine.forward(&refs, &mut hw).unwrap();
    SoftwareNtt.forward(&refs, &mut sw).unwrap();
    assert!(hw == sw);
    let c = engine.driver().counters().unwrap();
    let shape = JobShape {
        log_n: 12,
        lanes: 8,
        batch: 4,
        desc: false,
        mem_latency: u64::from(MEM_LATENCY),
    };
    assert_eq!((c.cycles, c.busy_cycles), {
        let model = job_cycles(shape);
        (model.total, model.busy)
    });
    // The counters are the device's: read them raw as well.
    let raw = dev.with(|r| r.read_reg(hearth_rtl::job::regs::REG_CYCLES_LO));
    assert_eq!(u64::from(raw), c.cycles & 0xffff_ffff);
}

#[test]
fn out_of_range_requests_are_refused_by_the_driver() {
    let (mut d, dev) = driver(32, 4, WaitMode::Poll);
    let cycles_before = dev.with(|r| r.cycle());
    let jobs = |dev: &RtlDevice| {
        dev.with(|r| r.read_reg(hearth_rtl::job::regs::REG_JOBS_DONE))
            + dev.with(|r| r.read_reg(hearth_rtl::job::regs::REG_JOBS_FAILED))
    };
    let before = jobs(&dev);
    // N = 2^15 above LOG_N_MAX = 14.
    let big = OwnedNttPlan::<u32>::new(
        NttPrimes::new(30, 1 << 15).unwrap().next().unwrap() as u32,
        1 << 15,
    )
    .unwrap();
    let mut a = vec![0u32; 1 << 15];
    let e = d.run(Direction::Forward, &[&big], &mut a).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Unsupported {
                limit: Limit::LogN,
                ..
            }
        ),
        "{e:?}"
    );
    // 64-bit words on a 32-bit device.
    let p64 = plans::<u64>(40, 16, 1);
    let mut b = vec![0u64; 16];
    let e = d.run(Direction::Forward, &[&p64[0]], &mut b).unwrap_err();
    assert!(
        matches!(
            e,
            Error::WordSize {
                device: 32,
                requested: 64
            }
        ),
        "{e:?}"
    );
    assert_eq!(jobs(&dev), before, "a refused request reached the device");
    // Only the two counter reads above touched the bus since.
    assert!(dev.with(|r| r.cycle()) - cycles_before <= 4);
}

#[test]
fn a_job_the_rtl_rejects_reports_its_error_code() {
    let (mut d, _) = driver(64, 4, WaitMode::Interrupt);
    let ps = plans::<u64>(40, 64, 2);
    let q1 = ps[1].modulus().value();
    let mut a = inputs(3, &[ps[0].modulus().value(), q1], 64);
    a[64 + 5] = q1 + 3; // limb 1 not reduced: the RTL finds it while loading
    let refs: Vec<&OwnedNttPlan<u64>> = ps.iter().collect();
    let e = d.run(Direction::Forward, &refs, &mut a).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Device {
                code: Some(ErrorCode::InputRange),
                raw: 5,
                limb: 1
            }
        ),
        "{e:?}"
    );
    // The device recovers for the next job.
    compare(&mut d, &ps, 4);
}
