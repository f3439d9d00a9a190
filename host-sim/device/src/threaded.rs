//! The kernels' software NTT and the limb-wise work of RNS arithmetic on a
//! pool of threads.
//!
//! [`ThreadedNtt`] runs every limb of a batch of NTTs, and every job the
//! kernels hand to their [`Jobs`] seam (base conversions, the inner
//! products and the division by `P` of key switching), on a rayon pool of
//! its own. Each limb is transformed by the same code as [`SoftwareNtt`]
//! and each job writes only its own limb, so the results are bit-identical
//! with the single-threaded engine whatever the number of threads.

use hearth_kernels::arith::Word;
use hearth_kernels::jobs::Jobs;
use hearth_kernels::ntt::engine::check_batch;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// The software engine on `threads` threads.
#[derive(Debug)]
pub struct ThreadedNtt {
    pool: rayon::ThreadPool,
}

impl ThreadedNtt {
    /// A pool of `threads` threads (at least one).
    pub fn new(threads: usize) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("hearth-ntt-{i}"))
            .build()
            .map_err(|e| Error::Threads(e.to_string()))?;
        Ok(Self { pool })
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
    fn each<T: Send>(&self, items: &mut [T], job: &(dyn Fn(usize, &mut T) + Sync)) {
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
        let mut primes = [0u64; 5];
        ntt_primes(50, 1 << 10, &mut primes).unwrap();
        let plans: Vec<NttPlan<u64, Vec<u64>>> = primes
            .iter()
            .map(|&q| NttPlan::new(q, 1 << 10).unwrap())
            .collect();
        let refs: Vec<&NttPlan<u64, Vec<u64>>> = plans.iter().collect();
        let mut state = 7u64;
        let data: Vec<u64> = refs
            .iter()
            .flat_map(|p| {
                let q = p.modulus().value();
                (0..1 << 10)
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
        threaded.each(&mut items, &|i, x| *x += i);
        assert!(items.iter().enumerate().all(|(i, &x)| x == i));
        let mut data = vec![0u64; 70];
        threaded.each_chunk(&mut data, 8, &|i, c| {
            c.iter_mut().for_each(|x| *x += 1 + i as u64)
        });
        assert!(data[..64]
            .iter()
            .enumerate()
            .all(|(k, &x)| x == 1 + (k / 8) as u64));
        assert!(data[64..].iter().all(|&x| x == 0));
    }
}
