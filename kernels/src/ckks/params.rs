//! CKKS parameter sets and their security check.
//!
//! A parameter set is `(N, chain prime bit sizes, special prime bit sizes,
//! scale, dnum)`. Primes are generated deterministically from the bit sizes
//! ([`crate::arith::prime::NttPrimes`]): bit sizes are served in the order
//! they appear in `chain ++ special`, and each size takes the next prime of
//! exactly that many bits, largest first. So `(N, sizes)` alone fixes the
//! primes on every target.
//!
//! ## Choosing P and dnum
//! Hybrid key switching adds an error of about `√N·σ·Q_j/P` (`Q_j` the
//! largest digit's modulus). Keep `P ≥ Q_j`, or at most a few bits below:
//! the error is then negligible at the message's scale. After a
//! multiplication, the error is added at scale `Δ²` and divided by the
//! rescale, so a smaller `P` is tolerated there; rotations have no such
//! margin. This is not enforced.
//!
//! ## Security
//! [`CkksParams::new`] refuses any set with `log2(Q·P)` above the 128-bit
//! classical bound for a ternary secret: the HomomorphicEncryption.org
//! standard (Albrecht et al., "Homomorphic Encryption Security Standard",
//! v1.1, 2018, Table 1: 27, 54, 109, 218, 438, 881 bits for
//! `N = 2^10 … 2^15`). For `N = 2^16` and `2^17` the standard has no row; we
//! use 1770 and 3576 bits, the figures its maintained successors (the
//! lattice-estimator based tables shipped with OpenFHE and Lattigo) publish
//! for the same distribution and level, rounded down. Smaller `N` (down to
//! the NTT's minimum of 16) or larger moduli need
//! [`CkksParams::insecure_for_tests`], whose name says what it is.

use alloc::vec::Vec;

use super::CkksError;
use crate::arith::prime::NttPrimes;

/// Largest `log2(Q·P)` for 128-bit classical security, ternary secret, by
/// `log2 N` (see the module docs for the sources).
pub const MAX_LOG_QP_128: [(u32, u32); 8] = [
    (10, 27),
    (11, 54),
    (12, 109),
    (13, 218),
    (14, 438),
    (15, 881),
    (16, 1770),
    (17, 3576),
];

/// The 128-bit bound on `log2(Q·P)` for `N = 2^log_n`, if the table has it.
pub fn max_log_qp(log_n: u32) -> Option<u32> {
    MAX_LOG_QP_128
        .iter()
        .find(|(l, _)| *l == log_n)
        .map(|&(_, b)| b)
}

/// A validated CKKS parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct CkksParams {
    log_n: u32,
    chain_bits: Vec<u32>,
    special_bits: Vec<u32>,
    scale: f64,
    dnum: usize,
    secure: bool,
    chain: Vec<u64>,
    special: Vec<u64>,
}

impl CkksParams {
    /// A 128-bit secure parameter set. `chain_bits` are the sizes of
    /// `q_0, …, q_L` (`q_0` first), `special_bits` those of the special
    /// primes `p_j`, `scale` the default encoding scale, `dnum` the number of
    /// key-switching digits (`1 ≤ dnum ≤ L + 1`).
    ///
    /// Errors with [`CkksError::Insecure`] naming the limit when
    /// `log2(Q·P)` is too large for `N`.
    pub fn new(
        log_n: u32,
        chain_bits: &[u32],
        special_bits: &[u32],
        scale: f64,
        dnum: usize,
    ) -> Result<Self, CkksError> {
        let p = Self::build(log_n, chain_bits, special_bits, scale, dnum, true)?;
        let log_qp: u32 = p
            .chain
            .iter()
            .chain(&p.special)
            .map(|&q| 64 - q.leading_zeros())
            .sum();
        let max = max_log_qp(log_n).ok_or(CkksError::Insecure {
            log_degree: log_n,
            log_qp,
            max_log_qp: 0,
        })?;
        // log2 of a product is at most the sum of the bit lengths.
        if log_qp > max {
            return Err(CkksError::Insecure {
                log_degree: log_n,
                log_qp,
                max_log_qp: max,
            });
        }
        Ok(p)
    }

    /// The same without the security check: **insecure** parameters for
    /// tests and small demonstrations on the soft-core. Never use for data.
    pub fn insecure_for_tests(
        log_n: u32,
        chain_bits: &[u32],
        special_bits: &[u32],
        scale: f64,
        dnum: usize,
    ) -> Result<Self, CkksError> {
        Self::build(log_n, chain_bits, special_bits, scale, dnum, false)
    }

    fn build(
        log_n: u32,
        chain_bits: &[u32],
        special_bits: &[u32],
        scale: f64,
        dnum: usize,
        secure: bool,
    ) -> Result<Self, CkksError> {
        if !(4..=17).contains(&log_n) {
            return Err(crate::Error::InvalidDegree {
                degree: 1usize.checked_shl(log_n).unwrap_or(0),
                min: crate::ntt::MIN_DEGREE,
                max: crate::ntt::MAX_DEGREE,
            }
            .into());
        }
        if chain_bits.is_empty() || special_bits.is_empty() {
            return Err(CkksError::InvalidParameters(
                "need at least one chain prime and one special prime",
            ));
        }
        if dnum == 0 || dnum > chain_bits.len() {
            return Err(CkksError::InvalidParameters("dnum must be in [1, L + 1]"));
        }
        if !(1.0..1.267_650_600_228_229_4e30).contains(&scale) {
            return Err(CkksError::InvalidScale);
        }
        let n = 1usize << log_n;
        let all: Vec<u32> = chain_bits.iter().chain(special_bits).copied().collect();
        let mut primes = alloc::vec![0u64; all.len()];
        let mut sizes: Vec<u32> = all.clone();
        sizes.sort_unstable();
        sizes.dedup();
        for b in sizes {
            let mut it = NttPrimes::new(b, n)?;
            for (slot, _) in primes.iter_mut().zip(&all).filter(|(_, &x)| x == b) {
                match it.next() {
                    Some(q) if q >> (b - 1) == 1 => *slot = q,
                    _ => return Err(crate::Error::NoSuchPrime { bits: b, degree: n }.into()),
                }
            }
        }
        let special = primes.split_off(chain_bits.len());
        Ok(Self {
            log_n,
            chain_bits: chain_bits.to_vec(),
            special_bits: special_bits.to_vec(),
            scale,
            dnum,
            secure,
            chain: primes,
            special,
        })
    }

    /// `log2 N`.
    pub fn log_degree(&self) -> u32 {
        self.log_n
    }
    /// `N`.
    pub fn degree(&self) -> usize {
        1 << self.log_n
    }
    /// Number of slots, `N/2`.
    pub fn slots(&self) -> usize {
        self.degree() / 2
    }
    /// The chain primes `q_0, …, q_L`.
    pub fn chain(&self) -> &[u64] {
        &self.chain
    }
    /// The special primes.
    pub fn special(&self) -> &[u64] {
        &self.special
    }
    /// Bit sizes of the chain primes.
    pub fn chain_bits(&self) -> &[u32] {
        &self.chain_bits
    }
    /// Bit sizes of the special primes.
    pub fn special_bits(&self) -> &[u32] {
        &self.special_bits
    }
    /// The top level `L`.
    pub fn max_level(&self) -> usize {
        self.chain.len() - 1
    }
    /// Default encoding scale.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// Number of key-switching digits.
    pub fn dnum(&self) -> usize {
        self.dnum
    }
    /// Chain primes per digit, `α = ⌈(L+1)/dnum⌉`.
    pub fn alpha(&self) -> usize {
        self.chain.len().div_ceil(self.dnum)
    }
    /// Whether the set passed the 128-bit check.
    pub fn is_secure(&self) -> bool {
        self.secure
    }
}
