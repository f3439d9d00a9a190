//! Named bootstrapping parameter sets.
//!
//! A preset fixes the ring, the chain (from the bottom: `q_0`, the levels
//! left to the user after a bootstrap, SlotsToCoeffs, EvalMod,
//! CoeffsToSlots), the special primes, the secret's Hamming weight and the
//! [`BootConfig`]. EvalMod's depth comes from its shape, so the chain is
//! built here rather than written out.
//!
//! ## Security
//! Bootstrapping needs a sparse secret (Hamming weight `h`), so the bound on
//! `log2(Q·P)` is the one published for sparse secrets, not the uniform
//! ternary row of [`crate::ckks::params`]: at `N = 2^16`, `h = 192`, 1546
//! bits, the budget of Lattigo's default bootstrapping parameters
//! (`N16QP1546H192H32`, estimated at 128 bits with the lattice estimator).
//! The `N16_*` presets stay below it and are checked against it and against
//! the uniform bound. The `TOY_*` presets are **insecure** (small `N`) and
//! can only be built through [`BootPreset::insecure_for_tests`].

use alloc::vec::Vec;

use super::{BootConfig, EvalModShape};
use crate::ckks::{CkksError, CkksParams};

/// The 128-bit bound on `log2(Q·P)` at `N = 2^16` for a secret of Hamming
/// weight 192 (see the module docs).
pub const MAX_LOG_QP_N16_H192: u32 = 1546;

/// A named bootstrapping parameter set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootPreset {
    /// The name.
    pub name: &'static str,
    /// `log2 N`.
    pub log_n: u32,
    /// Bits of `q_0`.
    pub q0_bits: u32,
    /// Bits of each user level left after a bootstrap, and how many.
    pub user_bits: u32,
    /// Number of user levels.
    pub user_levels: usize,
    /// Bits of the SlotsToCoeffs primes.
    pub stc_bits: u32,
    /// Bits of the EvalMod and CoeffsToSlots primes (equal to `q_0`'s, so
    /// the scale stays near the primes through EvalMod).
    pub evalmod_bits: u32,
    /// Bits of each special prime.
    pub special_bits: u32,
    /// Key-switching digits.
    pub dnum: usize,
    /// Hamming weight of the secret.
    pub hamming_weight: usize,
    /// Whether the set is meant to be 128-bit secure.
    pub secure: bool,
    /// The bootstrap shape.
    pub boot: BootConfig,
}

const fn shape(k_range: u32, double_angle: u32, arcsine_degree: usize) -> EvalModShape {
    EvalModShape {
        k_range,
        double_angle,
        arcsine_degree,
    }
}

const fn pow2(e: i32) -> f64 {
    // Exact powers of two for the scales (e in [0, 1023)).
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// Insecure, `N = 2^10`, 512 slots (full), `h = 32`.
pub const TOY_N10_FULL: BootPreset = BootPreset {
    name: "toy-n10-full (INSECURE)",
    log_n: 10,
    q0_bits: 60,
    user_bits: 45,
    user_levels: 1,
    stc_bits: 50,
    evalmod_bits: 60,
    special_bits: 61,
    dnum: 4,
    hamming_weight: 32,
    secure: false,
    boot: BootConfig {
        log_slots: 9,
        cts_levels: 2,
        stc_levels: 2,
        eval_mod: shape(12, 5, 1),
        input_scale: pow2(45),
        log_message_ratio: 11,
        output_scale: pow2(45),
    },
};

/// Insecure, `N = 2^11`, 64 slots (sparse), `h = 32`.
pub const TOY_N11_SPARSE: BootPreset = BootPreset {
    name: "toy-n11-sparse64 (INSECURE)",
    log_n: 11,
    boot: BootConfig {
        log_slots: 6,
        log_message_ratio: 13,
        ..TOY_N10_FULL.boot
    },
    ..TOY_N10_FULL
};

/// Insecure, `N = 2^12`, 2048 slots (full), `h = 64`, three DFT levels.
pub const TOY_N12_FULL: BootPreset = BootPreset {
    name: "toy-n12-full (INSECURE)",
    log_n: 12,
    hamming_weight: 64,
    boot: BootConfig {
        log_slots: 11,
        cts_levels: 3,
        stc_levels: 3,
        eval_mod: shape(16, 5, 1),
        log_message_ratio: 9,
        ..TOY_N10_FULL.boot
    },
    ..TOY_N10_FULL
};

/// Insecure, `N = 2^12`, full slots, six user levels: the chain a test
/// of a network refreshed by bootstrapping runs on (its ciphertexts live on
/// the user levels).
pub const TOY_N12_DEEP: BootPreset = BootPreset {
    name: "toy-n12-deep (INSECURE)",
    user_levels: 6,
    ..TOY_N12_FULL
};

/// 128-bit (`h = 192`), `N = 2^16`, 2^15 slots (full).
pub const N16_FULL: BootPreset = BootPreset {
    name: "n16-full",
    log_n: 16,
    q0_bits: 60,
    user_bits: 45,
    user_levels: 2,
    stc_bits: 50,
    evalmod_bits: 60,
    special_bits: 61,
    dnum: 6,
    hamming_weight: 192,
    secure: true,
    boot: BootConfig {
        log_slots: 15,
        cts_levels: 3,
        stc_levels: 3,
        eval_mod: shape(24, 6, 3),
        input_scale: pow2(45),
        log_message_ratio: 5,
        output_scale: pow2(45),
    },
};

/// 128-bit (`h = 192`), `N = 2^16`, 2^12 slots (sparse).
pub const N16_SPARSE: BootPreset = BootPreset {
    name: "n16-sparse4096",
    boot: BootConfig {
        log_slots: 12,
        log_message_ratio: 6,
        ..N16_FULL.boot
    },
    ..N16_FULL
};

/// Every preset.
pub const ALL: [BootPreset; 6] = [
    TOY_N10_FULL,
    TOY_N11_SPARSE,
    TOY_N12_FULL,
    TOY_N12_DEEP,
    N16_FULL,
    N16_SPARSE,
];

impl BootPreset {
    /// The chain's bit sizes, `q_0` first.
    pub fn chain_bits(&self) -> Vec<u32> {
        let mut c = alloc::vec![self.q0_bits];
        c.extend(core::iter::repeat_n(self.user_bits, self.user_levels));
        c.extend(core::iter::repeat_n(self.stc_bits, self.boot.stc_levels));
        let evalmod = self.boot.eval_mod.depth() + self.boot.cts_levels;
        c.extend(core::iter::repeat_n(self.evalmod_bits, evalmod));
        c
    }

    /// The special primes' bit sizes: enough for `P ≥ Q_j`, the largest
    /// digit.
    pub fn special_primes(&self) -> Vec<u32> {
        let chain = self.chain_bits();
        let alpha = chain.len().div_ceil(self.dnum);
        let digit_bits = chain
            .chunks(alpha)
            .map(|c| c.iter().sum::<u32>())
            .max()
            .unwrap_or(0);
        alloc::vec![self.special_bits; digit_bits.div_ceil(self.special_bits) as usize]
    }

    /// `log2(Q·P)` rounded up (the sum of the bit sizes).
    pub fn log_qp(&self) -> u32 {
        self.chain_bits().iter().sum::<u32>() + self.special_primes().iter().sum::<u32>()
    }

    /// The parameters of a 128-bit preset. Errors with
    /// [`CkksError::InsecurePreset`] for the insecure ones and with
    /// [`CkksError::Insecure`] if the set exceeds the sparse-secret bound.
    pub fn params(&self) -> Result<CkksParams, CkksError> {
        if !self.secure {
            return Err(CkksError::InsecurePreset { preset: self.name });
        }
        let log_qp = self.log_qp();
        if self.log_n != 16 || self.hamming_weight < 192 || log_qp > MAX_LOG_QP_N16_H192 {
            return Err(CkksError::Insecure {
                log_degree: self.log_n,
                log_qp,
                max_log_qp: MAX_LOG_QP_N16_H192,
            });
        }
        CkksParams::new(
            self.log_n,
            &self.chain_bits(),
            &self.special_primes(),
            self.boot.output_scale,
            self.dnum,
        )
    }

    /// The parameters without any security check: **insecure** sets for
    /// tests (every preset can be built this way).
    pub fn insecure_for_tests(&self) -> Result<CkksParams, CkksError> {
        CkksParams::insecure_for_tests(
            self.log_n,
            &self.chain_bits(),
            &self.special_primes(),
            self.boot.output_scale,
            self.dnum,
        )
    }
}
