//! The queueing policy of the device scheduler: per-tenant FIFO queues,
//! deficit round robin between tenants, batches of one class.
//!
//! Deficit round robin (Shreedhar and Varghese, "Efficient Fair Queueing
//! Using Deficit Round Robin", SIGCOMM 1995) visits the backlogged tenants
//! in a ring. At the start of its turn a tenant's deficit grows by the
//! quantum `Q` (limbs); it then sends head-of-queue jobs while the head's
//! size fits its deficit, and its turn ends. A tenant whose queue empties
//! leaves the ring and loses its deficit. So over `k` rounds a backlogged
//! tenant sends `k·Q` limbs, give or take one job, whatever the others
//! queued: a tenant that floods the queue gets `Q` limbs per round like
//! everyone else.
//!
//! Batches cut that turn order into device jobs: a batch holds jobs of one
//! class (here: direction and `N`) and at most `capacity(class)` limbs
//! (one job larger than the capacity forms a batch by itself; the engine
//! splits it). The class is that of the head job of the tenant whose turn
//! it is. Tenants whose head job is of another class are passed over
//! without losing their place: they are at the front of the ring for the
//! next batch, so they wait at most one batch. A tenant whose turn is cut
//! short by a full batch resumes its turn (no new quantum) in the next one.
//! If every backlogged tenant has had its turn and the batch still has
//! room, a new round starts within the same batch (the policy is
//! work-conserving).
//!
//! Guarantees (tested below): batches never mix classes; every job is
//! returned exactly once, in FIFO order per tenant; a tenant with one job of
//! at most `Q` limbs waits at most one round, however many jobs another
//! tenant has queued.

use std::collections::{HashMap, VecDeque};

/// A job as the policy sees it.
#[derive(Debug)]
struct Queued<C, T> {
    class: C,
    limbs: usize,
    round: u64,
    item: T,
}

/// One tenant's queue and DRR state.
#[derive(Debug)]
struct TenantQueue<C, T> {
    jobs: VecDeque<Queued<C, T>>,
    deficit: usize,
    /// In the middle of a turn (credited, not finished).
    in_turn: bool,
    /// The round of the tenant's last turn.
    last_round: Option<u64>,
}

/// A job leaving the policy.
#[derive(Debug, PartialEq, Eq)]
pub struct Dispatched<T> {
    /// Its tenant.
    pub tenant: u32,
    /// Its size in limbs.
    pub limbs: usize,
    /// Rounds it waited (the policy's round counter at dispatch minus at
    /// arrival).
    pub rounds_waited: u64,
    /// The job.
    pub item: T,
}

/// A batch: jobs of one class, in the order they were taken.
#[derive(Debug, PartialEq, Eq)]
pub struct Batch<C, T> {
    /// The class shared by every job.
    pub class: C,
    /// The jobs.
    pub jobs: Vec<Dispatched<T>>,
}

impl<C, T> Batch<C, T> {
    /// Limbs in the batch.
    pub fn limbs(&self) -> usize {
        self.jobs.iter().map(|j| j.limbs).sum()
    }
}

/// Per-tenant FIFO queues with deficit round robin between tenants.
#[derive(Debug)]
pub struct FairQueue<C, T> {
    quantum: usize,
    tenants: HashMap<u32, TenantQueue<C, T>>,
    /// Backlogged tenants, the one whose turn it is first.
    ring: VecDeque<u32>,
    round: u64,
    pending: usize,
}

impl<C: Copy + Eq, T> FairQueue<C, T> {
    /// A policy that gives each tenant `quantum` limbs per turn (at least 1).
    pub fn new(quantum: usize) -> Self {
        Self {
            quantum: quantum.max(1),
            tenants: HashMap::new(),
            ring: VecDeque::new(),
            round: 0,
            pending: 0,
        }
    }

    /// Jobs waiting.
    pub fn len(&self) -> usize {
        self.pending
    }

    /// No job waiting.
    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// The round counter: it advances when a tenant that already had its
    /// turn in the current round starts another.
    pub fn round(&self) -> u64 {
        self.round
    }

    /// Queues `item` (`limbs` limbs of class `class`) behind `tenant`'s
    /// earlier jobs.
    pub fn push(&mut self, tenant: u32, class: C, limbs: usize, item: T) {
        let round = self.round;
        let q = self.tenants.entry(tenant).or_insert_with(|| TenantQueue {
            jobs: VecDeque::new(),
            deficit: 0,
            in_turn: false,
            last_round: None,
        });
        if q.jobs.is_empty() {
            self.ring.push_back(tenant);
        }
        q.jobs.push_back(Queued {
            class,
            limbs,
            round,
            item,
        });
        self.pending += 1;
    }

    /// Forms the next batch, at most `capacity(class)` limbs unless its
    /// first job alone is larger; `None` when nothing waits.
    pub fn next_batch(&mut self, capacity: impl Fn(C) -> usize) -> Option<Batch<C, T>> {
        // The ring holds only backlogged tenants; drop any that is not.
        let class = loop {
            let first = *self.ring.front()?;
            match self.tenants.get(&first).and_then(|q| q.jobs.front()) {
                Some(j) => break j.class,
                None => {
                    self.ring.pop_front();
                }
            }
        };
        let cap = capacity(class);
        let mut batch = Batch {
            class,
            jobs: Vec::new(),
        };
        let mut total = 0usize;
        let mut passed_over: Vec<u32> = Vec::new();
        while let Some(t) = self.ring.pop_front() {
            let Some(q) = self.tenants.get_mut(&t) else {
                continue;
            };
            match q.jobs.front() {
                None => continue,
                Some(j) if j.class != class => {
                    passed_over.push(t);
                    continue;
                }
                Some(_) => {}
            }
            if !q.in_turn {
                if q.last_round == Some(self.round) {
                    self.round += 1;
                }
                q.last_round = Some(self.round);
                q.deficit += self.quantum;
                q.in_turn = true;
            }
            let mut full = false;
            while let Some(j) = q.jobs.front() {
                if j.class != class || j.limbs > q.deficit {
                    break;
                }
                if !batch.jobs.is_empty() && total + j.limbs > cap {
                    full = true;
                    break;
                }
                let Some(j) = q.jobs.pop_front() else { break };
                q.deficit -= j.limbs;
                total += j.limbs;
                self.pending -= 1;
                batch.jobs.push(Dispatched {
                    tenant: t,
                    limbs: j.limbs,
                    rounds_waited: self.round - j.round,
                    item: j.item,
                });
            }
            if q.jobs.is_empty() {
                q.deficit = 0;
                q.in_turn = false;
            } else if full {
                self.ring.push_front(t);
                break;
            } else if q.jobs.front().is_some_and(|j| j.class != class) && q.in_turn {
                // Its next job is of another class: it keeps its turn.
                passed_over.push(t);
            } else {
                q.in_turn = false;
                self.ring.push_back(t);
            }
        }
        for t in passed_over.into_iter().rev() {
            self.ring.push_front(t);
        }
        Some(batch)
    }
}

#[cfg(test)]
#[path = "fair_tests.rs"]
mod tests;
