//! Retry, then fall back to software.

use crate::pipeline::Direction;
use hearth_kernels::arith::Word;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::engine::check_batch;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};
use hearth_kernels::Error;

/// What a [`FallbackEngine`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FallbackStats {
    /// Sub-batches the primary engine completed (first try or after retries).
    pub primary_ok: u64,
    /// Retries of the primary engine.
    pub retries: u64,
    /// Sub-batches run in software after the primary engine gave up.
    pub fallbacks: u64,
}

/// Wraps an engine `E`: a failed sub-batch is retried up to `retries` times
/// from a copy of its input kept in `scratch`, then run by [`SoftwareNtt`].
/// Results are bit-identical to [`SoftwareNtt`] either way.
///
/// The batch is processed in sub-batches of as many limbs as `scratch` (any
/// `AsMut<[W]>` storage: an array, a `heapless::Vec`, a `Vec`) holds; with
/// room for fewer than one limb, every batch runs in software (and counts as
/// a fallback). Unsupported requests are not retried.
#[derive(Debug)]
pub struct FallbackEngine<E, S> {
    primary: E,
    scratch: S,
    retries: u32,
    stats: FallbackStats,
    last_error: Option<Error>,
}

impl<E, S> FallbackEngine<E, S> {
    /// Wraps `primary` with `retries` retries per sub-batch.
    pub fn new(primary: E, scratch: S, retries: u32) -> Self {
        Self {
            primary,
            scratch,
            retries,
            stats: FallbackStats::default(),
            last_error: None,
        }
    }
    /// What the engine did so far.
    pub fn stats(&self) -> FallbackStats {
        self.stats
    }
    /// The last error of the primary engine (retried or fallen back from).
    pub fn last_error(&self) -> Option<Error> {
        self.last_error
    }
    /// The wrapped engine.
    pub fn primary(&mut self) -> &mut E {
        &mut self.primary
    }
}

fn run_on<W: Word, S: AsRef<[W]> + Sync, E: NttEngine<W>>(
    e: &mut E,
    dir: Direction,
    plans: &[&NttPlan<W, S>],
    limbs: &mut [W],
) -> Result<(), Error> {
    match dir {
        Direction::Forward => e.forward(plans, limbs),
        Direction::Inverse => e.inverse(plans, limbs),
    }
}

impl<E, T> FallbackEngine<E, T> {
    fn run<W: Word, S: AsRef<[W]> + Sync>(
        &mut self,
        dir: Direction,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error>
    where
        E: NttEngine<W>,
        T: AsMut<[W]>,
    {
        let n = check_batch(plans, limbs.len())?;
        let per = self.scratch.as_mut().len().checked_div(n).unwrap_or(0);
        if per == 0 {
            if n != 0 {
                self.stats.fallbacks += 1;
            }
            return run_on(&mut SoftwareNtt, dir, plans, limbs);
        }
        for (sub, words) in plans.chunks(per).zip(limbs.chunks_mut(per * n)) {
            let saved =
                self.scratch
                    .as_mut()
                    .get_mut(..words.len())
                    .ok_or(Error::LengthMismatch {
                        expected: words.len(),
                        actual: 0,
                    })?;
            saved.copy_from_slice(words);
            let mut done = false;
            for attempt in 0..=self.retries {
                if attempt > 0 {
                    self.stats.retries += 1;
                    words.copy_from_slice(saved);
                }
                match run_on(&mut self.primary, dir, sub, words) {
                    Ok(()) => {
                        done = true;
                        break;
                    }
                    Err(e) => {
                        self.last_error = Some(e);
                        let unsupported = matches!(
                            e,
                            Error::Engine {
                                kind: EngineFailure::Unsupported,
                                ..
                            }
                        );
                        if unsupported {
                            break;
                        }
                    }
                }
            }
            if done {
                self.stats.primary_ok += 1;
            } else {
                crate::log::warning!("NTT sub-batch falls back to software");
                self.stats.fallbacks += 1;
                words.copy_from_slice(saved);
                run_on(&mut SoftwareNtt, dir, sub, words)?;
            }
        }
        Ok(())
    }
}

/// The limb-wise work between transforms runs on the calling thread.
impl<E, T> hearth_kernels::jobs::Jobs for FallbackEngine<E, T> {}

impl<W: Word, E: NttEngine<W>, T: AsMut<[W]>> NttEngine<W> for FallbackEngine<E, T> {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error> {
        self.run(Direction::Forward, plans, limbs)
    }

    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), Error> {
        self.run(Direction::Inverse, plans, limbs)
    }
}
