//! NTT engines: what the CKKS evaluator calls to run batches of NTTs.
//!
//! The trait [`NttEngine`] is defined by `hearth-kernels` (re-exported here).
//! Three implementations, bit-identical by contract and by test:
//!
//! - [`SoftEngine`]: the kernels on the local CPU (the reference).
//! - [`PipelineEngine`]: the FPGA pipeline through the [`Pipeline`] driver,
//!   over any [`RegisterBus`](crate::RegisterBus): MMIO, the simulator's
//!   device model, or the RTL under Verilator.
//! - [`FallbackEngine`]: wraps another engine; retries a failed batch a
//!   bounded number of times from a saved copy of its input, then runs it in
//!   software, and counts what it did ([`FallbackStats`]).
//!
//! [`Pipeline`]: crate::pipeline::Pipeline

mod fallback;
mod pipeline;

pub use fallback::{FallbackEngine, FallbackStats};
pub use hearth_kernels::ntt::{NttEngine, SoftwareNtt};
pub use pipeline::PipelineEngine;

/// The software engine: the kernels' reference NTT on the local CPU.
pub type SoftEngine = SoftwareNtt;

#[cfg(test)]
mod tests;
