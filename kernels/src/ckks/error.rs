//! The error type of the RNS, polynomial and CKKS layers.

use core::fmt;

use crate::poly::{Basis, Domain};

/// Everything that can go wrong in RNS-CKKS. Operations check their operands
/// and refuse mismatches with one of these; they never compute garbage.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum CkksError {
    /// An error of the underlying arithmetic or NTT.
    Kernel(crate::Error),
    /// A polynomial is in the wrong domain.
    DomainMismatch {
        /// The domain the operation needs.
        expected: Domain,
        /// The domain it was given.
        actual: Domain,
    },
    /// Two polynomials live on different RNS bases.
    BasisMismatch {
        /// Basis of the left operand.
        left: Basis,
        /// Basis of the right operand.
        right: Basis,
    },
    /// Two ciphertexts or plaintexts are at different levels.
    LevelMismatch {
        /// Level of the left operand.
        left: usize,
        /// Level of the right operand.
        right: usize,
    },
    /// Two operands carry different scales.
    ScaleMismatch {
        /// Scale of the left operand.
        left: f64,
        /// Scale of the right operand.
        right: f64,
    },
    /// The parameters exceed the 128-bit security bound of the
    /// HomomorphicEncryption.org standard.
    Insecure {
        /// `log2 N`.
        log_degree: u32,
        /// `log2(Q·P)` of the requested parameters (rounded up).
        log_qp: u32,
        /// The largest `log2(Q·P)` allowed for this `N`.
        max_log_qp: u32,
    },
    /// A parameter is outside what the scheme supports.
    InvalidParameters(&'static str),
    /// More values than slots.
    TooManyValues {
        /// Values given.
        given: usize,
        /// Slots available (`N/2`).
        slots: usize,
    },
    /// A value (times the scale) does not fit the fixed-point range.
    ValueOutOfRange,
    /// The scale is not finite, not positive or too large.
    InvalidScale,
    /// A ciphertext's or plaintext's scale is outside what the decoder
    /// handles: not finite, below 1 or at least 2^192
    /// ([`super::encoding::check_scale`]).
    ScaleOutOfRange {
        /// The scale found.
        scale: f64,
    },
    /// The ciphertext is at level 0 and cannot be rescaled or dropped further.
    LevelExhausted,
    /// No Galois key for this automorphism.
    MissingGaloisKey {
        /// The Galois element `k` of `X → X^k`.
        galois_element: usize,
    },
    /// No relinearization key was given.
    MissingRelinKey,
    /// A ciphertext or key belongs to a different parameter set.
    ParameterMismatch,
    /// Serialized bytes are malformed.
    Malformed(&'static str),
    /// A ciphertext handed to bootstrapping is at a level it cannot gain
    /// from: bootstrapping outputs `output_level`.
    BootstrapLevel {
        /// The ciphertext's level.
        level: usize,
        /// The level a bootstrapped ciphertext comes out at.
        output_level: usize,
    },
    /// A ciphertext handed to bootstrapping has a scale above what its
    /// EvalMod takes (`q_0/2^ratio`, see `BootConfig::log_message_ratio`)
    /// or below 1.
    BootstrapScale {
        /// The ciphertext's scale.
        scale: f64,
        /// The largest scale the bootstrapper takes.
        max: f64,
    },
    /// A named preset below 128-bit security was requested without the
    /// explicit insecure opt-in.
    InsecurePreset {
        /// The preset's name.
        preset: &'static str,
    },
    /// The ciphertext is marked as encrypted with seeded (reproducible)
    /// randomness, which is insecure; only an explicit test mode reads it
    /// (`Ciphertext::from_le_bytes_with_randomness`).
    SeededCiphertext,
    /// Serialized bytes are not as long as their header and the context
    /// say: shorter (truncated) or longer (trailing bytes).
    WrongLength {
        /// The length the header and the context call for (the header's
        /// own length when even that is missing).
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// Serialized bytes are not of the format (or version) the reader
    /// expects: another object, another format, or a newer version.
    UnknownFormat {
        /// The first four bytes found.
        magic: [u8; 4],
        /// The version byte found.
        version: u8,
    },
    /// Serialized bytes name a number of limbs the context has no level
    /// for (zero, or more than its chain primes).
    LevelOutOfRange {
        /// The limbs named (level + 1).
        limbs: usize,
        /// The chain primes of the context (its top level + 1).
        max_limbs: usize,
    },
}

impl From<crate::Error> for CkksError {
    fn from(e: crate::Error) -> Self {
        CkksError::Kernel(e)
    }
}

impl fmt::Display for CkksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CkksError::Kernel(e) => write!(f, "{e}"),
            CkksError::DomainMismatch { expected, actual } => {
                write!(f, "polynomial is in the {actual:?} domain, expected {expected:?}")
            }
            CkksError::BasisMismatch { left, right } => {
                write!(f, "RNS bases differ: {left:?} vs {right:?}")
            }
            CkksError::LevelMismatch { left, right } => {
                write!(f, "operands are at levels {left} and {right}; drop one first")
            }
            CkksError::ScaleMismatch { left, right } => {
                write!(f, "operands have scales {left} and {right}")
            }
            CkksError::Insecure {
                log_degree,
                log_qp,
                max_log_qp,
            } => write!(
                f,
                "log2(QP) = {log_qp} exceeds {max_log_qp}, the 128-bit limit for N = 2^{log_degree} \
                 (HomomorphicEncryption.org standard, ternary secret)"
            ),
            CkksError::InvalidParameters(why) => write!(f, "invalid parameters: {why}"),
            CkksError::TooManyValues { given, slots } => {
                write!(f, "{given} values do not fit {slots} slots")
            }
            CkksError::ValueOutOfRange => write!(f, "value times scale is out of range"),
            CkksError::InvalidScale => write!(f, "scale must be finite, at least 1 and below 2^100"),
            CkksError::ScaleOutOfRange { scale } => write!(
                f,
                "scale {scale:e} is outside [1, 2^192): not a ciphertext or plaintext this \
                 decoder can read"
            ),
            CkksError::LevelExhausted => write!(f, "ciphertext is at level 0"),
            CkksError::MissingGaloisKey { galois_element } => {
                write!(f, "no Galois key for X -> X^{galois_element}")
            }
            CkksError::MissingRelinKey => write!(f, "no relinearization key"),
            CkksError::ParameterMismatch => write!(f, "object belongs to other parameters"),
            CkksError::Malformed(why) => write!(f, "malformed bytes: {why}"),
            CkksError::BootstrapLevel {
                level,
                output_level,
            } => write!(
                f,
                "ciphertext at level {level}: bootstrapping outputs level {output_level}, \
                 so it takes ciphertexts below that level"
            ),
            CkksError::BootstrapScale { scale, max } => write!(
                f,
                "ciphertext scale {scale} is outside [1, {max}], the scales bootstrapping takes"
            ),
            CkksError::InsecurePreset { preset } => write!(
                f,
                "preset {preset} is below 128-bit security; use its insecure_for_tests constructor"
            ),
            CkksError::SeededCiphertext => write!(
                f,
                "ciphertext was encrypted with a seeded (insecure, test-only) generator"
            ),
            CkksError::WrongLength { expected, actual } if actual < expected => {
                write!(f, "truncated: {actual} bytes, expected {expected}")
            }
            CkksError::WrongLength { expected, actual } => {
                write!(f, "{actual} bytes, expected {expected}: trailing bytes")
            }
            CkksError::UnknownFormat { magic, version } => write!(
                f,
                "unknown format: magic {:02x}{:02x}{:02x}{:02x}, version {version}",
                magic[0], magic[1], magic[2], magic[3]
            ),
            CkksError::LevelOutOfRange { limbs, max_limbs } => write!(
                f,
                "{limbs} limbs: the parameters have levels for 1 to {max_limbs}"
            ),
        }
    }
}

impl core::error::Error for CkksError {}
