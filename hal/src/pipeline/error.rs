//! The pipeline driver's error type.

use crate::regmap::ErrorCode;
use core::fmt;

/// What a request asked for that the device cannot do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Limit {
    /// log2 N outside `[LOG_N_MIN, LOG_N_MAX]`.
    LogN,
    /// Modulus bit length above `WORD_BITS - 2`.
    ModulusBits,
    /// A limb of `N` words does not fit the driver's data region.
    DataWords,
}

/// Everything the pipeline driver can report. `B` is the register bus's
/// error, `M` the device memory's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error<B, M> {
    /// A register access failed.
    Bus(B),
    /// A device-memory access failed.
    Memory(M),
    /// The job did not finish within the time-out; the device was reset.
    Timeout {
        /// Microseconds waited.
        waited_us: u32,
    },
    /// The device refused or failed the job (`STATUS.ERROR`).
    Device {
        /// The decoded code, `None` if the register map does not define it.
        code: Option<ErrorCode>,
        /// The raw `STATUS.ERR_CODE`.
        raw: u8,
        /// `STATUS.ERR_LIMB`: the limb of the (sub-)batch concerned.
        limb: u16,
    },
    /// `ID` did not hold the magic number: no pipeline at this address.
    BadIdentity {
        /// The value read.
        id: u32,
    },
    /// The device's register-map major version is not the driver's.
    UnsupportedVersion {
        /// Major version read.
        major: u16,
        /// Minor version read.
        minor: u16,
    },
    /// The request exceeds what the device supports; refused before it
    /// reached the device.
    Unsupported {
        /// Which limit.
        limit: Limit,
        /// The requested value.
        requested: u64,
        /// The largest (or, for log N, the accepted range's upper) value.
        max: u64,
    },
    /// The request's word type differs from the device word.
    WordSize {
        /// `CAPS0.WORD_BITS`.
        device: u32,
        /// The word type's bits.
        requested: u32,
    },
    /// The batch's slice lengths are inconsistent.
    LengthMismatch {
        /// The length needed.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// Device memory cannot hold the driver's layout.
    OutOfDeviceMemory {
        /// Words needed.
        needed: u64,
        /// `DEVMEM_WORDS`.
        available: u64,
    },
    /// An output word read back was not reduced (`≥ q`): corrupted data.
    CorruptOutput {
        /// Limb of the batch.
        limb: usize,
        /// Index in the limb.
        index: usize,
    },
    /// A forward-only plan (`NttPlan::from_forward_tables`): a twiddle slot
    /// holds both directions, so the driver needs the inverse tables too.
    ForwardOnlyPlan {
        /// The plan's modulus.
        modulus: u64,
    },
}

impl<B: fmt::Debug, M: fmt::Debug> fmt::Display for Error<B, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bus(e) => write!(f, "register bus error: {e:?}"),
            Error::ForwardOnlyPlan { modulus } => write!(
                f,
                "the plan for q = {modulus} is forward-only; the pipeline needs both twiddle tables"
            ),
            Error::Memory(e) => write!(f, "device memory error: {e:?}"),
            Error::Timeout { waited_us } => {
                write!(f, "pipeline job timed out after {waited_us} us")
            }
            Error::Device { code, raw, limb } => match code {
                Some(c) => write!(f, "device error {} (code {raw}) at limb {limb}", c.name()),
                None => write!(f, "device error with unknown code {raw} at limb {limb}"),
            },
            Error::BadIdentity { id } => {
                write!(f, "no hearth pipeline: ID reads {id:#010x}")
            }
            Error::UnsupportedVersion { major, minor } => write!(
                f,
                "register map version {major}.{minor} is not supported (driver: {}.x)",
                crate::regmap::VERSION_MAJOR
            ),
            Error::Unsupported {
                limit,
                requested,
                max,
            } => write!(f, "{limit:?} {requested} exceeds the device's {max}"),
            Error::WordSize { device, requested } => write!(
                f,
                "the device computes on {device}-bit words, the request on {requested}-bit words"
            ),
            Error::LengthMismatch { expected, actual } => {
                write!(f, "batch of {actual} words, expected {expected}")
            }
            Error::OutOfDeviceMemory { needed, available } => write!(
                f,
                "driver layout needs {needed} device words, the device has {available}"
            ),
            Error::CorruptOutput { limb, index } => write!(
                f,
                "output word {index} of limb {limb} is not reduced: corrupted result"
            ),
        }
    }
}

impl<B: fmt::Debug, M: fmt::Debug> core::error::Error for Error<B, M> {}
