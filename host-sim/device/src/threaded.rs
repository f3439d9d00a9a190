//! The kernels' software NTT and the limb-wise work of RNS arithmetic on a
//! pool of threads.
//!
//! [`ThreadedNtt`] runs every limb of a batch of NTTs, and every job the
//! kernels hand to their [`Jobs`] seam (base conversions, the inner
//! products and the division by `P` of key switching), on a rayon pool of
//! its own. Each limb is transformed by the same code as [`SoftwareNtt`]
//! and each job writes only its own limb, so the results are bit-identical
//! with the single-threaded engine whatever the number of threads.
//!
//! A batch smaller than [`GRAIN_WORDS`] runs on the calling thread: waking
//! the pool costs microseconds, about what a limb of `N = 2^13` takes, so
//! small rings gain nothing from threads (measured: `mnist_a` at
//! `N = 2^13` took 25 % longer on two threads without this).

use hearth_kernels::arith::Word;
use hearth_kernels::jobs::{Jobs, Sequential};
use hearth_kernels::ntt::engine::check_batch;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Words below which a batch (limbs × degree, or jobs × their words) runs
/// on the calling thread: two limbs at `N = 2^16`, eight at `N = 2^14`.
pub const GRAIN_WORDS: usize = 1 << 17;

/// The software engine on `threads` threads.
#[derive(Debug)]
pub struct ThreadedNtt {
    pool: rayon::ThreadPool,
    grain: usize,
}

impl ThreadedNtt {
    /// A pool of `threads` threads (at least one), batches below
    /// [`GRAIN_WORDS`] on the calling thread.
    pub fn new(threads: usize) -> Result<Self> {
        Self::with_grain(threads, GRAIN_WORDS)
    }

    /// A pool of `threads` threads that runs batches of at least
    /// `grain_words` words on the pool (0: every batch; for tests of small
    /// rings).
    pub fn with_grain(threads: usize, grain_words: usize) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("hearth-ntt-{i}"))
            .build()
            .map_err(|e| Error::Threads(e.to_string()))?;
        Ok(Self {
            pool,
            grain: grain_words,
        })
    }

    /// The number of threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    fn transform<W: Word, S: AsRef<[W]> + Sync>(
        &self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
        inverse: bool,
    ) -> core::result::Result<(), hearth_kernels::Error> {
        let n = check_batch(plans, limbs.len())?;
        if n == 0 {
            return Ok(());
        }
        if limbs.len() < self.grain {
            return if inverse {
                SoftwareNtt.inverse(plans, limbs)
            } else {
                SoftwareNtt.forward(plans, limbs)
            };
        }
        self.pool.install(|| {
            limbs
                .par_chunks_exact_mut(n)
                .zip(plans.par_iter())
                .try_for_each(|(limb, plan)| {
                    let one = [*plan];
                    if inverse {
                        SoftwareNtt.inverse(&one, limb)
                    } else {
                        SoftwareNtt.forward(&one, limb)
                    }
                })
        })
    }
}

impl Jobs for ThreadedNtt {
    fn each<T: Send>(&self, items: &mut [T], words: usize, job: &(dyn Fn(usize, &mut T) + Sync)) {
        if items.len().saturating_mul(words) < self.grain {
            return Sequential.each(items, words, job);
        }
        self.pool.install(|| {
            items
                .par_iter_mut()
                .enumerate()
                .for_each(|(i, item)| job(i, item))
        })
    }

    fn each_chunk<T: Send>(
        &self,
        data: &mut [T],
        len: usize,
        job: &(dyn Fn(usize, &mut [T]) + Sync),
    ) {
        if data.len() < self.grain {
            return Sequential.each_chunk(data, len, job);
        }
        self.pool.install(|| {
            data.par_chunks_exact_mut(len.max(1))
                .enumerate()
                .for_each(|(i, chunk)| job(i, chunk))
        })
    }
}

impl<W: Word> NttEngine<W> for ThreadedNtt {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        self.transform(plans, limbs, false)
    }

    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> core::result::Result<(), hearth_kernels::Error> {
        self.transform(plans, limbs, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_kernels::arith::prime::ntt_primes;
    use hearth_kernels::splitmix::splitmix64;

    /// Batches of NTTs on 3 threads equal the software engine's, limb by
    /// limb, for both directions; a malformed batch is refused.
    #[test]
    fn transforms_equal_the_software_engine() {
        // Above the grain (5 × 2^15 words), so the pool runs the limbs.
        const N: usize = 1 << 15;
        let mut primes = [0u64; 5];
        ntt_primes(50, N, &mut primes).unwrap();
        let plans: Vec<NttPlan<u64, Vec<u64>>> = primes
            .iter()
            .map(|&q| NttPlan::new(q, N).unwrap())
            .collect();
        let refs: Vec<&NttPlan<u64, Vec<u64>>> = plans.iter().collect();
        let mut state = 7u64;
        let data: Vec<u64> = refs
            .iter()
            .flat_map(|p| {
                let q = p.modulus().value();
                (0..N)
                    .map(|_| splitmix64(&mut state) % q)
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut threaded = ThreadedNtt::new(3).unwrap();
        assert_eq!(threaded.threads(), 3);
        let (mut a, mut b) = (data.clone(), data.clone());
        threaded.forward(&refs, &mut a).unwrap();
        SoftwareNtt.forward(&refs, &mut b).unwrap();
        assert_eq!(a, b);
        threaded.inverse(&refs, &mut a).unwrap();
        SoftwareNtt.inverse(&refs, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, data);
        assert!(threaded.forward(&refs, &mut a[1..]).is_err());
    }

    /// Every item and chunk is visited once, with its index.
    #[test]
    fn jobs_visit_every_item_once() {
        let threaded = ThreadedNtt::new(2).unwrap();
        let mut items = vec![0usize; 100];
        threaded.each(&mut items, 1 << 20, &|i, x| *x += i);
        assert!(items.iter().enumerate().all(|(i, &x)| x == i));
        let mut data = vec![0u64; GRAIN_WORDS + 70];
        let chunk = GRAIN_WORDS / 8;
        threaded.each_chunk(&mut data, chunk, &|i, c| {
            c.iter_mut().for_each(|x| *x += 1 + i as u64)
        });
        let whole = GRAIN_WORDS;
        assert!(data[..whole]
            .iter()
            .enumerate()
            .all(|(k, &x)| x == 1 + (k / chunk) as u64));
        assert!(data[whole..].iter().all(|&x| x == 0));
    }
}
