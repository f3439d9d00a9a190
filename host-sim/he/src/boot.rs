//! CKKS bootstrapping on the machine: the bootstrapping key set generated
//! into the PMEM object store and streamed from it, one Galois key at a
//! time, during a bootstrap ([`source`]); the benchmark of one bootstrap
//! ([`bench`](mod@bench)); and the refresh of a compiled network's bootstrap steps
//! ([`refresh`]).
//!
//! ## Why streaming works
//! A bootstrap (Cheon, Han, Kim, Kim, Song, EUROCRYPT 2018; the kernels'
//! [`hearth_kernels::ckks::boot`]) uses its Galois keys in a fixed order,
//! [`Bootstrapper::key_schedule`], and never two at once. A hybrid
//! key-switching key (Han and Ki, CT-RSA 2020) has `dnum` digits, each two
//! polynomials over `Q ∪ P`; a switch at level `l` reads only the digits
//! covering `q_0..q_l` and, in each, only the limbs of `q_0..q_l ∪ P`
//! ([`KeySwitchKey::truncated`]). SlotsToCoeffs runs at low levels, so its
//! keys are stored a second time truncated to the level they are used at:
//! the store then holds one record per distinct (element, level) use
//! ([`keys`]), and a bootstrap reads from PMEM what its switches read, plus
//! a header per record.
//!
//! [`Bootstrapper::key_schedule`]: hearth_kernels::ckks::boot::Bootstrapper::key_schedule
//! [`KeySwitchKey::truncated`]: hearth_kernels::ckks::KeySwitchKey::truncated

pub mod bench;
pub mod keys;
pub mod refresh;
pub mod source;

pub use bench::{run_bench, BenchOptions, BenchReport, Preset};
pub use keys::{generate_into_store, KeySetInfo};
pub use refresh::Bootstrapping;
pub use source::{bootstrap_streamed, working_set, PmemKeySource, StreamStats};

#[cfg(test)]
mod tests;
