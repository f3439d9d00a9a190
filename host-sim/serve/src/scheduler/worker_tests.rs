use super::{Job, Msg, Worker, SCRATCH_WORDS};
use crate::scheduler::fair::FairQueue;
use crate::scheduler::SchedulerReport;
use hearth_device::factory::device_engine;
use hearth_hal::pipeline::Direction;
use hearth_kernels::ntt::{NttEngine, OwnedNttPlan, SoftwareNtt};
use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Instant;

const N: usize = 1024;

fn worker() -> Worker {
    let (engine, dev) = device_engine(0, 1, 0, SCRATCH_WORDS).unwrap();
    Worker {
        engine,
        dev,
        plans: HashMap::new(),
        capacity: HashMap::new(),
        queue: FairQueue::new(64),
        report: SchedulerReport::default(),
        buf: Vec::new(),
    }
}

type Reply = mpsc::Receiver<Result<Vec<u64>, hearth_kernels::Error>>;

/// A job of `primes` (each `1 mod 2N`) with pseudo-random limbs; returns
/// it, the software engine's answer and the reply channel.
fn job(tenant: u32, dir: Direction, primes: &[u64], seed: u64) -> (Job, Vec<u64>, Reply) {
    let plans: Vec<OwnedNttPlan<u64>> = primes
        .iter()
        .map(|&q| OwnedNttPlan::new(q, N).unwrap())
        .collect();
    let mut s = seed;
    let data: Vec<u64> = primes
        .iter()
        .flat_map(|&q| (0..N).map(move |_| q))
        .map(|q| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) % q
        })
        .collect();
    let refs: Vec<&OwnedNttPlan<u64>> = plans.iter().collect();
    let mut want = data.clone();
    match dir {
        Direction::Forward => SoftwareNtt.forward(&refs, &mut want).unwrap(),
        Direction::Inverse => SoftwareNtt.inverse(&refs, &mut want).unwrap(),
    }
    let (reply, rx) = mpsc::sync_channel(1);
    let job = Job {
        tenant,
        dir,
        n: N,
        primes: plans
            .iter()
            .map(|p| (p.modulus().value(), p.psi()))
            .collect(),
        data,
        sent: Instant::now(),
        reply,
    };
    (job, want, rx)
}

/// Two tenants' jobs over different, overlapping primes run as one engine
/// call (limbs reordered by prime) and each gets exactly its own limbs
/// transformed; a job of the other direction waits for the next batch.
#[test]
fn one_batch_of_several_tenants_answers_each_with_its_own_limbs() {
    let mut w = worker();
    let (a, want_a, ra) = job(0, Direction::Forward, &[65537, 12289], 1);
    let (b, want_b, rb) = job(1, Direction::Forward, &[40961, 12289, 65537], 2);
    let (c, want_c, rc) = job(2, Direction::Inverse, &[12289], 3);
    for j in [a, c, b] {
        assert!(!w.take(Msg::Job(j)));
    }
    let caps = w.capacity.clone();
    let first = w.queue.next_batch(|(_, n)| caps[&n]).unwrap();
    assert_eq!(first.jobs.len(), 2, "both forward jobs in one batch");
    w.run_batch(first);
    assert_eq!(ra.try_recv().unwrap().unwrap(), want_a);
    assert_eq!(rb.try_recv().unwrap().unwrap(), want_b);
    assert!(
        rc.try_recv().is_err(),
        "the inverse job is not in that batch"
    );
    let second = w.queue.next_batch(|(_, n)| caps[&n]).unwrap();
    w.run_batch(second);
    assert_eq!(rc.try_recv().unwrap().unwrap(), want_c);
    assert!(w.queue.is_empty());
    let r = &w.report;
    assert_eq!((r.batches, r.limbs, r.max_batch_tenants), (2, 6, 2));
    assert_eq!(r.max_batch_limbs, 5);
}
