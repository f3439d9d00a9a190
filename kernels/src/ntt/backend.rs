//! Which implementation runs a plan's transforms.
//!
//! Every backend computes exactly the same words: the transform's fully
//! reduced output is unique, and each backend is tested against
//! [`Backend::Portable`]. The portable path is the reference that every target
//! (the RISC-V soft-core included) runs; the x86_64 paths exist only with the
//! `std` feature, which detects CPU features at run time.

use crate::arith::Word;

/// An NTT implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Scalar Harvey butterflies in portable Rust: the reference.
    Portable,
    /// Four `u64` lanes (AVX2), any modulus below `2^62`.
    Avx2,
    /// Eight `u64` lanes (AVX-512F/DQ), any modulus below `2^62`.
    Avx512,
    /// Eight `u64` lanes with 52-bit multiply-add (AVX-512 IFMA), moduli
    /// below `2^50`.
    Avx512Ifma,
}

impl Backend {
    /// Every backend, slowest first.
    pub const ALL: [Backend; 4] = [
        Backend::Portable,
        Backend::Avx2,
        Backend::Avx512,
        Backend::Avx512Ifma,
    ];

    /// Whether this backend can run transforms for word `W` and a modulus of
    /// `modulus_bits` bits on this CPU.
    pub fn is_supported<W: Word>(self, modulus_bits: u32) -> bool {
        match self {
            Backend::Portable => true,
            _ => simd_supported::<W>(self, modulus_bits),
        }
    }

    /// The fastest supported backend for word `W` and a modulus of
    /// `modulus_bits` bits.
    pub fn fastest<W: Word>(modulus_bits: u32) -> Backend {
        Backend::ALL
            .into_iter()
            .rev()
            .find(|b| b.is_supported::<W>(modulus_bits))
            .unwrap_or(Backend::Portable)
    }

    /// A short lower-case name (`portable`, `avx2`, `avx512`, `avx512-ifma`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            Backend::Avx512Ifma => "avx512-ifma",
        }
    }
}

/// Whether the SIMD backend `b` runs on this CPU for word `W` and
/// `modulus_bits` (the x86_64 paths of `ntt/x86.rs` rely on this check).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn simd_supported<W: Word>(b: Backend, modulus_bits: u32) -> bool {
    use std::is_x86_feature_detected;
    let avx512 = || is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512dq");
    match b {
        Backend::Portable => true,
        Backend::Avx2 => W::BITS == 64 && is_x86_feature_detected!("avx2"),
        Backend::Avx512 => avx512(),
        Backend::Avx512Ifma => {
            W::BITS == 64
                && modulus_bits <= 50
                && avx512()
                && is_x86_feature_detected!("avx512ifma")
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
#[allow(clippy::extra_unused_type_parameters)] // same signature as the x86 variant
fn simd_supported<W: Word>(_: Backend, _: u32) -> bool {
    false
}
