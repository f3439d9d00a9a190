//! The seam for independent jobs: the limb-wise work of RNS arithmetic,
//! which a host may spread over threads.
//!
//! Residue number system arithmetic is limb-parallel (Bajard, Eynard, Hasan
//! and Zucca, SAC 2016; Halevi, Polyakov and Shoup, CT-RSA 2019): an output
//! limb of a base conversion, of a key switch's inner product, or of the
//! division by `P` that ends it, is computed from shared inputs and written
//! by nobody else. The kernels describe such work as one job per item (a
//! limb, or a pair of limbs) and hand it to a [`Jobs`] runner. A job reads
//! shared data and writes only its own item, so every order of the jobs —
//! on any number of threads — gives bit-identical results.
//!
//! The kernels never start a thread (`no_std`): [`Sequential`] runs the jobs
//! in order on the caller's thread, and so does every NTT engine unless it
//! says otherwise ([`crate::ntt::NttEngine`] is a runner too). A host engine
//! may run them on a thread pool.

/// Runs independent jobs.
///
/// Implementations must call `job` exactly once for every item, with the
/// item's index; they may do so in any order and concurrently. The provided
/// methods run the jobs in order on the calling thread.
pub trait Jobs {
    /// Runs `job(i, &mut items[i])` for every item; `words` is about how
    /// many words each job reads and writes (a runner may keep a batch too
    /// small to be worth a thread's wake-up on the calling thread).
    fn each<T: Send>(&self, items: &mut [T], words: usize, job: &(dyn Fn(usize, &mut T) + Sync)) {
        let _ = words;
        for (i, item) in items.iter_mut().enumerate() {
            job(i, item);
        }
    }

    /// Runs `job(i, chunk_i)` for every `len`-element chunk of `data`
    /// (`chunk_i = data[i·len..(i+1)·len]`; a shorter tail is not visited).
    fn each_chunk<T: Send>(
        &self,
        data: &mut [T],
        len: usize,
        job: &(dyn Fn(usize, &mut [T]) + Sync),
    ) {
        for (i, chunk) in data.chunks_exact_mut(len.max(1)).enumerate() {
            job(i, chunk);
        }
    }
}

/// Runs every job in order on the calling thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl Jobs for Sequential {}

/// A borrowed runner is a runner (so an evaluator lent `&mut engine` keeps
/// the engine's threads).
impl<J: Jobs + ?Sized> Jobs for &mut J {
    fn each<T: Send>(&self, items: &mut [T], words: usize, job: &(dyn Fn(usize, &mut T) + Sync)) {
        (**self).each(items, words, job)
    }

    fn each_chunk<T: Send>(
        &self,
        data: &mut [T],
        len: usize,
        job: &(dyn Fn(usize, &mut [T]) + Sync),
    ) {
        (**self).each_chunk(data, len, job)
    }
}

/// Implements [`Jobs`] for a wrapper `$wrapper<E>` around one engine (a
/// counter, a fault injector, a timer): its jobs run where the wrapped
/// engine, the field `$field`, runs them.
#[macro_export]
macro_rules! forward_jobs {
    ($wrapper:ident, $field:ident) => {
        impl<E: $crate::jobs::Jobs> $crate::jobs::Jobs for $wrapper<E> {
            fn each<T: Send>(
                &self,
                items: &mut [T],
                words: usize,
                job: &(dyn Fn(usize, &mut T) + Sync),
            ) {
                self.$field.each(items, words, job)
            }

            fn each_chunk<T: Send>(
                &self,
                data: &mut [T],
                len: usize,
                job: &(dyn Fn(usize, &mut [T]) + Sync),
            ) {
                self.$field.each_chunk(data, len, job)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_visits_every_item_once_with_its_index() {
        let mut items = [0usize; 5];
        Sequential.each(&mut items, 1, &|i, x| *x += i + 1);
        assert_eq!(items, [1, 2, 3, 4, 5]);
        let mut data = [1u64; 7];
        Sequential.each_chunk(&mut data, 3, &|i, c| {
            c.iter_mut().for_each(|x| *x += i as u64)
        });
        assert_eq!(data, [1, 1, 1, 2, 2, 2, 1]);
    }
}
