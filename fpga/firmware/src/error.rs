//! The firmware's errors.

use core::fmt;

/// What can go wrong in a firmware workload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A kernel refused its inputs.
    Kernel(hearth_kernels::Error),
    /// A CKKS operation failed.
    #[cfg(feature = "ckks")]
    Ckks(hearth_kernels::ckks::CkksError),
    /// An encoded coefficient does not fit 64 bits.
    CoefficientOverflow,
    /// The heap could not provide `bytes` more bytes.
    OutOfMemory {
        /// The size of the refused allocation.
        bytes: usize,
    },
    /// Data provisioned in flash is misaligned or missing.
    BadProvisionedData,
    /// A known-answer vector's modulus fits neither word size.
    UnsupportedModulus {
        /// The modulus.
        modulus: u64,
    },
}

impl From<hearth_kernels::Error> for Error {
    fn from(e: hearth_kernels::Error) -> Self {
        Self::Kernel(e)
    }
}

#[cfg(feature = "ckks")]
impl From<hearth_kernels::ckks::CkksError> for Error {
    fn from(e: hearth_kernels::ckks::CkksError) -> Self {
        Self::Ckks(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kernel(e) => write!(f, "kernel error: {e}"),
            #[cfg(feature = "ckks")]
            Self::Ckks(e) => write!(f, "CKKS error: {e}"),
            Self::CoefficientOverflow => f.write_str("an encoded coefficient exceeds 64 bits"),
            Self::BadProvisionedData => {
                f.write_str("provisioned flash data is misaligned or missing")
            }
            Self::OutOfMemory { bytes } => write!(f, "out of memory allocating {bytes} bytes"),
            Self::UnsupportedModulus { modulus } => {
                write!(
                    f,
                    "modulus {modulus} fits neither u32 (< 2^30) nor u64 (< 2^62) words"
                )
            }
        }
    }
}

impl core::error::Error for Error {}
