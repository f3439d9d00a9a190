//! The hal driver and `PipelineEngine` over the host simulator's device
//! model: bit-exact with `SoftwareNtt` (several N, both directions, batches
//! of different primes, u32 and u64 words, the committed KATs), cycle
//! counters equal to the documented model, and every fault path typed.

use hearth_device::cycles::{job_cycles, JobShape};
use hearth_device::{Params, SimDelay, SimDevice};
use hearth_hal::engine::{PipelineEngine, SoftEngine};
use hearth_hal::pipeline::{Config, Direction, Error, Limit, Pipeline};
use hearth_hal::NttEngine;
use hearth_kernels::arith::prime::ntt_primes;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::OwnedNttPlan;

type Driver = Pipeline<SimDevice, SimDevice, SimDelay>;

fn driver(params: Params, config: Config) -> (Driver, SimDevice) {
    let dev = SimDevice::new(params);
    let d = Pipeline::probe(dev.clone(), dev.clone(), SimDelay::default(), config).unwrap();
    (d, dev)
}

/// Deterministic test data (SplitMix64).
fn words<W: Word>(plans: &[&OwnedNttPlan<W>], seed: u64) -> Vec<W> {
    let mut s = seed;
    let mut out = Vec::new();
    for p in plans {
        let q = p.modulus().value().to_u64();
        for _ in 0..p.degree() {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            out.push(W::from_u64_truncating((z ^ (z >> 31)) % q));
        }
    }
    out
}

fn plans<W: Word>(bits: u32, n: usize, count: usize) -> Vec<OwnedNttPlan<W>> {
    let mut qs = vec![0u64; count];
    ntt_primes(bits, n, &mut qs).unwrap();
    qs.iter()
        .map(|&q| OwnedNttPlan::new(W::from_u64_truncating(q), n).unwrap())
        .collect()
}

/// Forward and inverse through the engine equal SoftwareNtt, and invert.
fn check_engine<W: Word>(word_bits: u32, lanes: u32, bits: u32, n: usize, primes: usize) {
    let (d, dev) = driver(Params::new(word_bits, lanes), Config::default());
    let mut engine = PipelineEngine::new(d);
    let owned = plans::<W>(bits, n, primes);
    // Limbs cycle through the primes, with a repeated prime in the batch.
    let batch: Vec<&OwnedNttPlan<W>> = (0..primes + 1).map(|i| &owned[i % primes]).collect();
    let input = words(&batch, n as u64 ^ u64::from(word_bits));
    let mut soft = input.clone();
    let mut hard = input.clone();
    SoftEngine::default().forward(&batch, &mut soft).unwrap();
    engine.forward(&batch, &mut hard).unwrap();
    assert_eq!(hard, soft, "forward, N={n}, W={word_bits}, L={lanes}");
    SoftEngine::default().inverse(&batch, &mut soft).unwrap();
    engine.inverse(&batch, &mut hard).unwrap();
    assert_eq!(hard, soft, "inverse, N={n}");
    assert_eq!(hard, input, "inverse(forward(x)) = x");
    let c = engine.driver().counters().unwrap();
    let model = job_cycles(JobShape {
        log_n: n.trailing_zeros(),
        lanes,
        batch: batch.len() as u64,
        desc: primes > 1,
        mem_latency: 2,
    });
    assert_eq!((c.cycles, c.busy_cycles), (model.total, model.busy));
    assert_eq!(dev.activity().completed, 2);
}

#[test]
fn u32_words_bit_exact_with_software() {
    for (n, lanes) in [(16, 1), (64, 4), (256, 8), (1024, 2), (4096, 16)] {
        check_engine::<u32>(32, lanes, 30, n, 3);
        check_engine::<u32>(32, lanes, 28, n, 1);
    }
}

#[test]
fn u64_words_bit_exact_with_software() {
    for (n, lanes) in [(16, 1), (128, 4), (1024, 8), (4096, 1)] {
        check_engine::<u64>(64, lanes, 62, n, 3);
        check_engine::<u64>(64, lanes, 50, n, 1);
    }
}

/// Reads a `$readmemh` file.
fn hex(path: &std::path::Path) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| u64::from_str_radix(l.trim(), 16).unwrap())
        .collect()
}

fn kat<W: Word>(word: u32, bits: u32, n: usize, stem: &std::path::Path) -> usize {
    let json = std::fs::read_to_string(stem.with_extension("json")).unwrap();
    let plan = plans::<W>(bits, n, 1).pop().unwrap();
    let q = plan.modulus().value().to_u64();
    assert!(json.contains(&format!("\"q\":{q}")) || json.contains(&format!("\"q\": {q}")));
    let file = |ext: &str| {
        let name = format!("{}.{ext}.hex", stem.file_name().unwrap().to_str().unwrap());
        hex(&stem.with_file_name(name))
    };
    let input: Vec<W> = file("input")
        .into_iter()
        .map(W::from_u64_truncating)
        .collect();
    let forward: Vec<W> = file("forward")
        .into_iter()
        .map(W::from_u64_truncating)
        .collect();
    let (d, _) = driver(Params::new(word, 4), Config::default());
    let mut e = PipelineEngine::new(d);
    let mut a = input.clone();
    e.forward(&[&plan], &mut a).unwrap();
    assert_eq!(a, forward, "{stem:?}");
    e.inverse(&[&plan], &mut a).unwrap();
    assert_eq!(a, input, "{stem:?}");
    1
}

#[test]
fn committed_kats_reproduced_through_the_device_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kat");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        // ntt_w{W}_b{B}_n{N}_s{S}
        let f: Vec<&str> = stem.split('_').collect();
        let num = |i: usize| f[i][1..].parse::<u32>().unwrap();
        let (word, bits, n) = (num(1), num(2), num(3) as usize);
        let stem_path = dir.join(stem);
        checked += match word {
            32 => kat::<u32>(32, bits, n, &stem_path),
            64 => kat::<u64>(64, bits, n, &stem_path),
            w => panic!("KAT {name} has word size {w}"),
        };
    }
    assert!(checked >= 8, "only {checked} KATs found in {dir:?}");
    eprintln!("{checked} KAT files reproduced through the device model");
}

#[test]
fn bad_requests_are_refused_before_the_device() {
    let (mut d, dev) = driver(Params::new(32, 4), Config::default());
    let big = plans::<u32>(30, 1 << 15, 1).pop().unwrap();
    let mut a = vec![0u32; 1 << 15];
    let e = d.run(Direction::Forward, &[&big], &mut a).unwrap_err();
    assert_eq!(
        e,
        Error::Unsupported {
            limit: Limit::LogN,
            requested: 15,
            max: 14
        }
    );
    let wide = plans::<u64>(40, 16, 1).pop().unwrap();
    let mut b = vec![0u64; 16];
    let e = d.run(Direction::Forward, &[&wide], &mut b).unwrap_err();
    assert_eq!(
        e,
        Error::WordSize {
            device: 32,
            requested: 64
        }
    );
    assert_eq!(dev.activity().starts, 0, "nothing reached the device");
}

#[test]
fn large_batches_are_split_into_jobs_that_fit() {
    let mut params = Params::new(32, 2);
    params.max_batch = 3;
    let (d, dev) = driver(
        params,
        Config {
            twiddle_slots: 2,
            ..Config::default()
        },
    );
    let mut e = PipelineEngine::new(d);
    let owned = plans::<u32>(30, 64, 5);
    let batch: Vec<_> = (0..11).map(|i| &owned[(i * 7) % 5]).collect();
    let input = words(&batch, 7);
    let (mut soft, mut hard) = (input.clone(), input);
    SoftEngine::default().forward(&batch, &mut soft).unwrap();
    e.forward(&batch, &mut hard).unwrap();
    assert_eq!(hard, soft);
    assert!(dev.activity().completed >= 4, "{:?}", dev.activity());
}
