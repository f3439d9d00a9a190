//! Bitwise equivalence of the RTL with the kernels: random vectors for
//! N = 2^4 … 2^14, both directions, batches of limbs with different primes,
//! WORD_BITS 32 and 64, LANES 1, 4 and 8 (plus 2 and 16 on 32-bit words).
#![cfg(feature = "rtl")]

use hearth_hal::pipeline::cycles::{job_cycles, JobShape};
use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::OwnedNttPlan;
use hearth_rtl::job::{run_batch, LimbParams};
use hearth_rtl::{Rtl, MEM_LATENCY};

/// A small deterministic generator (SplitMix64) for test inputs.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Plans for `count` distinct primes of `bits` bits for degree `n`.
fn plans<W: Word>(bits: u32, n: usize, count: usize) -> Vec<OwnedNttPlan<W>> {
    NttPrimes::new(bits, n)
        .unwrap()
        .take(count)
        .map(|q| OwnedNttPlan::<W>::new(W::from_u64_truncating(q), n).unwrap())
        .collect()
}

/// Runs one batch on the RTL and on the kernels and compares every word and
/// the cycle counters with the cycle formula.
fn check<W: Word>(rtl: &mut Rtl, plans: &[OwnedNttPlan<W>], inverse: bool, desc: bool, seed: u64) {
    let n = plans[0].degree();
    let mut rng = Mix(seed);
    let input: Vec<W> = plans
        .iter()
        .flat_map(|p| {
            let q = p.modulus().value().to_u64();
            (0..n)
                .map(|_| W::from_u64_truncating(rng.next() % q))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut expect = input.clone();
    for (p, limb) in plans.iter().zip(expect.chunks_exact_mut(n)) {
        if inverse {
            p.inverse(limb).unwrap();
        } else {
            p.forward(limb).unwrap();
        }
    }
    let limbs: Vec<LimbParams> = plans.iter().map(LimbParams::from_plan).collect();
    let words: Vec<u64> = input.iter().map(|w| w.to_u64()).collect();
    let (out, outcome) = run_batch(rtl, &limbs, &words, inverse, desc).unwrap();
    assert!(outcome.done(), "status {:#x}", outcome.status);
    let expect: Vec<u64> = expect.iter().map(|w| w.to_u64()).collect();
    assert!(
        out == expect,
        "W={} L={} N={n} inverse={inverse} batch={}: RTL differs from kernels",
        rtl.word_bits(),
        rtl.lanes(),
        plans.len()
    );
    let shape = JobShape {
        log_n: n.trailing_zeros(),
        lanes: rtl.lanes(),
        batch: plans.len() as u64,
        desc,
        mem_latency: MEM_LATENCY as u64,
    };
    let model = job_cycles(shape);
    assert_eq!(outcome.cycles, model.total, "CYCLES vs formula {shape:?}");
    assert_eq!(
        outcome.busy_cycles, model.busy,
        "BUSY_CYCLES vs formula {shape:?}"
    );
}

fn sweep<W: Word>(lanes: u32, bits: u32) {
    let mut rtl = Rtl::new(W::BITS, lanes).unwrap();
    for log_n in 4..=14u32 {
        let n = 1usize << log_n;
        let ps = plans::<W>(bits, n, 1);
        check(&mut rtl, &ps, false, false, log_n as u64);
        check(&mut rtl, &ps, true, false, 100 + log_n as u64);
    }
    // Batches: one prime in register mode, three primes in descriptor mode.
    for log_n in [4u32, 7, 10] {
        let n = 1usize << log_n;
        let ps = plans::<W>(bits, n, 3);
        let same = vec![ps[0].clone(), ps[0].clone(), ps[0].clone()];
        check(&mut rtl, &same, false, false, 7);
        check(&mut rtl, &ps, false, true, 8);
        check(&mut rtl, &ps, true, true, 9);
    }
}

#[test]
fn w32_lanes1() {
    sweep::<u32>(1, 30);
}

#[test]
fn w32_lanes4() {
    sweep::<u32>(4, 30);
}

#[test]
fn w32_lanes8() {
    sweep::<u32>(8, 29);
}

#[test]
fn w32_lanes2_and_16() {
    sweep::<u32>(2, 28);
    sweep::<u32>(16, 30);
}

#[test]
fn w64_lanes1() {
    sweep::<u64>(1, 62);
}

#[test]
fn w64_lanes4() {
    sweep::<u64>(4, 61);
}

#[test]
fn w64_lanes8() {
    sweep::<u64>(8, 62);
}

/// Small moduli exercise other Barrett shifts (L far below the word).
#[test]
fn small_moduli() {
    let mut rtl = Rtl::new(64, 4).unwrap();
    for bits in [14u32, 20, 33, 45] {
        let ps = plans::<u64>(bits, 1 << 6, 2);
        check(&mut rtl, &ps, false, true, bits as u64);
        check(&mut rtl, &ps, true, true, bits as u64 + 1);
    }
}
