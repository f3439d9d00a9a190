//! The fallback wrapper against engines that fail on purpose.

use super::*;
use hearth_kernels::error::EngineFailure;
use hearth_kernels::ntt::{NttPlan, OwnedNttPlan};
use hearth_kernels::Error;
use std::vec::Vec;

/// Fails its first `failures` calls (scribbling over the limbs first), then
/// runs the software NTT.
struct Flaky {
    failures: u32,
    kind: EngineFailure,
    calls: u32,
}

/// Sequential jobs.
impl hearth_kernels::jobs::Jobs for Flaky {}

impl NttEngine<u32> for Flaky {
    fn forward<S: AsRef<[u32]> + Sync>(
        &mut self,
        p: &[&NttPlan<u32, S>],
        l: &mut [u32],
    ) -> Result<(), Error> {
        self.calls += 1;
        if self.calls <= self.failures {
            l.iter_mut().for_each(|w| *w = 1);
            return Err(Error::Engine {
                kind: self.kind,
                code: 0,
            });
        }
        SoftwareNtt.forward(p, l)
    }
    fn inverse<S: AsRef<[u32]> + Sync>(
        &mut self,
        p: &[&NttPlan<u32, S>],
        l: &mut [u32],
    ) -> Result<(), Error> {
        self.calls += 1;
        if self.calls <= self.failures {
            return Err(Error::Engine {
                kind: self.kind,
                code: 0,
            });
        }
        SoftwareNtt.inverse(p, l)
    }
}

fn setup() -> (Vec<OwnedNttPlan<u32>>, Vec<u32>, Vec<u32>) {
    let plans: Vec<_> = [7681u32, 12289, 7681]
        .iter()
        .map(|&q| OwnedNttPlan::new(q, 16).unwrap())
        .collect();
    let input: Vec<u32> = (0..48u32)
        .map(|i| i.wrapping_mul(2_654_435_761) % 7681)
        .collect();
    let mut want = input.clone();
    let refs: Vec<_> = plans.iter().collect();
    SoftwareNtt.forward(&refs, &mut want).unwrap();
    (plans, input, want)
}

fn flaky(failures: u32, kind: EngineFailure) -> Flaky {
    Flaky {
        failures,
        kind,
        calls: 0,
    }
}

#[test]
fn retries_recover_from_transient_failures_bit_exactly() {
    let (plans, mut limbs, want) = setup();
    let refs: Vec<_> = plans.iter().collect();
    let mut e = FallbackEngine::new(flaky(2, EngineFailure::Timeout), [0u32; 48], 2);
    e.forward(&refs, &mut limbs).unwrap();
    assert_eq!(limbs, want);
    let s = e.stats();
    assert_eq!((s.primary_ok, s.retries, s.fallbacks), (1, 2, 0));
}

#[test]
fn persistent_failures_fall_back_to_software_bit_exactly() {
    let (plans, mut limbs, want) = setup();
    let refs: Vec<_> = plans.iter().collect();
    // Scratch for one limb: three sub-batches, each retried twice then run in software.
    let mut e = FallbackEngine::new(flaky(u32::MAX, EngineFailure::Device), [0u32; 16], 2);
    e.forward(&refs, &mut limbs).unwrap();
    assert_eq!(limbs, want);
    let s = e.stats();
    assert_eq!((s.primary_ok, s.retries, s.fallbacks), (0, 6, 3));
    assert!(matches!(
        e.last_error(),
        Some(Error::Engine {
            kind: EngineFailure::Device,
            ..
        })
    ));
    let mut back = limbs.clone();
    e.inverse(&refs, &mut back).unwrap();
    let (_, input, _) = setup();
    assert_eq!(back, input);
}

#[test]
fn unsupported_is_not_retried() {
    let (plans, mut limbs, want) = setup();
    let refs: Vec<_> = plans.iter().collect();
    let mut e = FallbackEngine::new(flaky(u32::MAX, EngineFailure::Unsupported), [0u32; 48], 5);
    e.forward(&refs, &mut limbs).unwrap();
    assert_eq!(limbs, want);
    assert_eq!(e.stats().retries, 0);
    assert_eq!(e.primary().calls, 1);
}

#[test]
fn batch_shape_errors_are_returned_not_hidden() {
    let (plans, _, _) = setup();
    let refs: Vec<_> = plans.iter().collect();
    let mut e = FallbackEngine::new(flaky(0, EngineFailure::Device), [0u32; 48], 1);
    let mut short = [0u32; 40];
    assert_eq!(
        e.forward(&refs, &mut short),
        Err(Error::LengthMismatch {
            expected: 48,
            actual: 40
        })
    );
}
