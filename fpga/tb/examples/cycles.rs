//! Measures cycles per NTT on the Verilated RTL (WORD_BITS = 32) for
//! N = 2^12 … 2^14 and LANES = 1 … 16 and prints the table of
//! `fpga/README.md`: the latency of one NTT, the cycles each further limb of
//! a batch adds (the pipeline full), the ideal `k·N/(2L)`, and the butterfly
//! utilisation `BUSY_CYCLES / CYCLES` of an 8-limb batch. Every measurement
//! is checked against the cycle formula of `hearth_hal::pipeline::cycles` and every
//! output against the kernels.
//!
//! Run with `cargo xtask rtl cycles`.

use hearth_hal::pipeline::cycles::{ideal_cycles, job_cycles, JobShape};
use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::ntt::OwnedNttPlan;
use hearth_rtl::job::{run_batch, LimbParams};
use hearth_rtl::{Rtl, MEM_LATENCY};

const BATCH: usize = 8;

fn measure(rtl: &mut Rtl, plan: &OwnedNttPlan<u32>, batch: usize) -> (u64, u64) {
    let n = plan.degree();
    let q = plan.modulus().value() as u64;
    let input: Vec<u64> = (0..n * batch).map(|i| (i as u64 * 7919 + 13) % q).collect();
    let limbs = vec![LimbParams::from_plan(plan); batch];
    let (out, o) = run_batch(rtl, &limbs, &input, false, false).expect("device memory");
    assert!(o.done(), "status {:#x}", o.status);
    let mut expect: Vec<u32> = input.iter().map(|&x| x as u32).collect();
    for limb in expect.chunks_exact_mut(n) {
        plan.forward(limb).expect("kernels forward");
    }
    assert!(
        out.iter().zip(&expect).all(|(&a, &b)| a == b as u64),
        "RTL differs from kernels"
    );
    let shape = JobShape {
        log_n: n.trailing_zeros(),
        lanes: rtl.lanes(),
        batch: batch as u64,
        desc: false,
        mem_latency: MEM_LATENCY as u64,
    };
    assert_eq!(o.cycles, job_cycles(shape).total, "cycle formula");
    (o.cycles, o.busy_cycles)
}

fn main() {
    println!("| N | LANES | ideal k·N/(2L) | one NTT (latency) | per NTT in a batch | over ideal | utilisation (8 limbs) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for log_n in 12..=14u32 {
        let n = 1usize << log_n;
        let q = NttPrimes::new(30, n)
            .expect("primes")
            .next()
            .expect("a prime");
        let plan = OwnedNttPlan::<u32>::new(q as u32, n).expect("plan");
        for lanes in [1u32, 2, 4, 8, 16] {
            let mut rtl = Rtl::new(32, lanes).expect("model");
            let (one, _) = measure(&mut rtl, &plan, 1);
            let (seven, _) = measure(&mut rtl, &plan, BATCH - 1);
            let (eight, busy) = measure(&mut rtl, &plan, BATCH);
            let per = eight - seven;
            let ideal = ideal_cycles(log_n, lanes);
            println!(
                "| 2^{log_n} | {lanes} | {ideal} | {one} | {per} | {:+.2}% | {:.1}% |",
                (per as f64 / ideal as f64 - 1.0) * 100.0,
                busy as f64 / eight as f64 * 100.0
            );
        }
    }
    println!("(Verilated RTL, WORD_BITS = 32, memory read latency {MEM_LATENCY} cycles)");
}
