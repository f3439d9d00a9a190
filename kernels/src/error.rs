//! The kernels' error type.

use core::fmt;

/// Everything that can go wrong when building kernel objects from untrusted
/// parameters. Hot loops never return errors: they run on validated types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The modulus is even; every kernel needs an odd modulus.
    EvenModulus {
        /// The rejected value.
        modulus: u64,
    },
    /// The modulus is below the smallest value the kernels accept (3).
    ModulusTooSmall {
        /// The rejected value.
        modulus: u64,
    },
    /// The modulus has more bits than the word allows (`BITS - 2`).
    ModulusTooLarge {
        /// The rejected value.
        modulus: u64,
        /// Largest allowed bit length for this word.
        max_bits: u32,
    },
    /// The modulus is not prime, but the operation needs a field.
    NotPrime {
        /// The rejected value.
        modulus: u64,
    },
    /// The ring degree is not a power of two in the supported range.
    InvalidDegree {
        /// The rejected degree.
        degree: usize,
        /// Smallest supported degree.
        min: usize,
        /// Largest supported degree.
        max: usize,
    },
    /// `q ≢ 1 (mod 2N)`: no primitive `2N`-th root of unity exists.
    NotNttFriendly {
        /// The modulus.
        modulus: u64,
        /// The ring degree `N`.
        degree: usize,
    },
    /// A slice has the wrong length.
    LengthMismatch {
        /// The length the operation needs.
        expected: usize,
        /// The length it was given.
        actual: usize,
    },
    /// No prime of the requested shape exists (or not enough of them).
    NoSuchPrime {
        /// Requested bit size.
        bits: u32,
        /// Ring degree `N` (primes must be `1 mod 2N`).
        degree: usize,
    },
    /// The requested NTT backend cannot run here (CPU features, word size or
    /// modulus size).
    BackendUnavailable {
        /// The backend's name.
        backend: &'static str,
        /// The modulus bit length it was asked to handle.
        modulus_bits: u32,
    },
    /// A requested bit size is outside what the word allows.
    InvalidBitSize {
        /// The rejected bit size.
        bits: u32,
        /// Largest allowed bit size.
        max_bits: u32,
    },
    /// An NTT engine other than the software one (a device, its driver)
    /// failed to run a batch; `code` is engine-specific (for the pipeline:
    /// the device error code, or the time-out in microseconds).
    Engine {
        /// What kind of failure.
        kind: EngineFailure,
        /// Engine-specific detail.
        code: u32,
    },
    /// An inverse transform was asked of a forward-only plan
    /// (`NttPlan::from_forward_tables`).
    NoInverseTables {
        /// The plan's modulus.
        modulus: u64,
        /// The plan's degree.
        degree: usize,
    },
    /// Precomputed NTT tables do not hold what the convention requires.
    InvalidTables {
        /// The modulus they were given for.
        modulus: u64,
        /// Which check failed.
        reason: &'static str,
    },
}

/// The kind of an [`Error::Engine`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineFailure {
    /// Register bus or device-memory access failed.
    Bus,
    /// The device did not finish in time.
    Timeout,
    /// The device refused or failed the job.
    Device,
    /// The request exceeds what the engine supports.
    Unsupported,
    /// The engine returned corrupted data.
    Corrupt,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::EvenModulus { modulus } => write!(f, "modulus {modulus} is even"),
            Error::ModulusTooSmall { modulus } => {
                write!(f, "modulus {modulus} is too small (minimum 3)")
            }
            Error::ModulusTooLarge { modulus, max_bits } => write!(
                f,
                "modulus {modulus} is too large: this word size allows at most {max_bits} bits"
            ),
            Error::NotPrime { modulus } => write!(f, "modulus {modulus} is not prime"),
            Error::InvalidDegree { degree, min, max } => write!(
                f,
                "ring degree {degree} is not a power of two in [{min}, {max}]"
            ),
            Error::NotNttFriendly { modulus, degree } => write!(
                f,
                "modulus {modulus} is not 1 mod 2N for N = {degree}: no negacyclic NTT exists"
            ),
            Error::LengthMismatch { expected, actual } => {
                write!(
                    f,
                    "slice length {actual} does not match expected {expected}"
                )
            }
            Error::NoSuchPrime { bits, degree } => write!(
                f,
                "not enough {bits}-bit primes congruent to 1 mod 2N for N = {degree}"
            ),
            Error::BackendUnavailable {
                backend,
                modulus_bits,
            } => write!(
                f,
                "NTT backend {backend} is not available for a {modulus_bits}-bit modulus on this machine"
            ),
            Error::InvalidBitSize { bits, max_bits } => {
                write!(f, "bit size {bits} is outside [2, {max_bits}]")
            }
            Error::Engine { kind, code } => {
                write!(f, "NTT engine failure: {kind:?} (code {code})")
            }
            Error::NoInverseTables { modulus, degree } => write!(
                f,
                "the NTT plan for q = {modulus}, N = {degree} is forward-only (no inverse tables)"
            ),
            Error::InvalidTables { modulus, reason } => {
                write!(f, "invalid NTT tables for q = {modulus}: {reason}")
            }
        }
    }
}

impl core::error::Error for Error {}
