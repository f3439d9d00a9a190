//! Errors of the device crate: a device that does not answer its probe, a
//! known-answer file that is malformed or disagrees with the engine, an
//! engine this build does not have.

use std::path::PathBuf;

/// The hal driver's error over the device model's bus and memory.
pub type SimDriverError = hearth_hal::pipeline::Error<std::convert::Infallible, crate::MemError>;

/// Errors of `hearth-device`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The driver's probe of the device model failed.
    #[error("the simulated device did not probe: {0}")]
    SimProbe(#[from] SimDriverError),
    /// The Verilated RTL could not be instantiated or did not probe.
    #[error("--engine rtl: {0}")]
    Rtl(String),
    /// `--engine rtl` in a build without the Verilated RTL.
    #[error(
        "--engine rtl: this `hearth` was built without the Verilated RTL; rebuild with the \
         `rtl` feature (needs verilator: apt-get install verilator): \
         cargo run --release -p hearth-sim --features rtl -- <command> ... --engine rtl"
    )]
    RtlNotBuilt,
    /// The thread pool of the threaded software engine could not start.
    #[error("could not start the engine's threads: {0}")]
    Threads(String),
    /// More than one thread asked of an engine that models the soft-core.
    #[error(
        "--threads {threads}: the {engine} engine models the soft-core, which has one hart; \
         more threads run the software engine (--engine soft)"
    )]
    ThreadsOnDevice {
        /// The engine's name.
        engine: &'static str,
        /// The threads asked for.
        threads: usize,
    },
    /// A known-answer file is malformed or its vectors disagree with the
    /// engine.
    #[error("{path}: {message}")]
    Kat {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        cause: std::io::Error,
    },
    /// An error from the kernels (plan construction, an engine job).
    #[error("kernels: {0}")]
    Kernels(#[from] hearth_kernels::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
