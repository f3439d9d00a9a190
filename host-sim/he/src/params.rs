//! Parameter selection for a network: the multiplicative depth it needs and
//! the value ranges a calibration pass measured decide the ring degree and
//! the prime chain.
//!
//! A value `v` encoded at scale `Δ` is the integer `v·Δ`; after the last
//! rescale it lives modulo `q_0` alone, so decryption is exact only while
//! `|v|·Δ < q_0/2`. With `h = ⌈log2(2·margin·B)⌉` headroom bits for the
//! largest logit magnitude `B`, the chain is `q_0` of `s + h` bits, `D` primes
//! of `s` bits (one per rescale; `Δ ≈ 2^s`), and one special prime of
//! `s + h` bits (≥ every chain prime, so hybrid key switching with one prime
//! per digit keeps its noise below the scale). The total `2(s+h) + D·s` must
//! stay within the HomomorphicEncryption.org 128-bit bound for `N`
//! (`hearth_kernels::ckks::params`); we take the smallest `N` that leaves at
//! least [`MIN_SCALE_BITS`] of precision, and the largest `s` up to
//! [`MAX_SCALE_BITS`] it allows. Intermediate values only need
//! `|v|·Δ < Q_(l−1)/2`, which the larger moduli above `q_0` give with room
//! to spare once the logits fit (checked all the same).

pub mod desc;

use crate::error::{Error, Result};
pub use desc::ParamsDesc;
use hearth_kernels::ckks::boot::presets::BootPreset;
use hearth_kernels::ckks::params::max_log_qp;
use hearth_kernels::ckks::CkksParams;
use hearth_nn::Mlp;

/// The fewest scale bits accepted (below this, CKKS noise reaches the logits).
pub const MIN_SCALE_BITS: u32 = 28;
/// The most scale bits used (more buys no accuracy for f32 models).
pub const MAX_SCALE_BITS: u32 = 40;
/// Safety factor on the calibrated ranges (unseen data may exceed them).
pub const MARGIN: f64 = 4.0;

/// Rescales needed by one activation.
pub fn activation_depth(mlp: &Mlp) -> usize {
    if mlp.activation.degree() >= 3 {
        2
    } else {
        1
    }
}

/// Total rescales: one per layer, plus each activation's.
pub fn depth(mlp: &Mlp) -> usize {
    mlp.layers.len() + (mlp.layers.len() - 1) * activation_depth(mlp)
}

/// The chosen parameters and why.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The CKKS parameter set.
    pub params: CkksParams,
    /// Scale bits `s`.
    pub scale_bits: u32,
    /// Headroom bits `h` of `q_0` above the scale.
    pub headroom_bits: u32,
    /// Rescales the network consumes (between two refreshes when it is
    /// bootstrapped).
    pub depth: usize,
    /// The bootstrapping preset whose chain this is, when the ciphertexts
    /// are refreshed by bootstrapping (they then live on its user levels).
    pub bootstrap: Option<BootPreset>,
}

impl Selection {
    /// The level fresh ciphertexts are encrypted at: the top of the chain,
    /// or of the user levels when bootstrapping.
    pub fn encrypt_level(&self) -> usize {
        match &self.bootstrap {
            Some(preset) => preset.user_levels,
            None => self.params.chain().len() - 1,
        }
    }

    /// A one-line summary, e.g. `N=2^13, log Q·P=203 (q0 49 + 3×39 + P 49), Δ=2^39`.
    pub fn summary(&self) -> String {
        let p = &self.params;
        let total: u32 = p.chain_bits().iter().chain(p.special_bits()).sum();
        if let Some(preset) = &self.bootstrap {
            return format!(
                "N=2^{}, log2 QP={}, bootstrapping preset {} ({} user levels, h={}), Δ=2^{}",
                p.log_degree(),
                total,
                preset.name,
                preset.user_levels,
                preset.hamming_weight,
                self.scale_bits
            );
        }
        format!(
            "N=2^{}, log2 QP={} (q0 {} + {}×{} + P {}), Δ=2^{}",
            p.log_degree(),
            total,
            p.chain_bits()[0],
            self.depth,
            self.scale_bits,
            p.special_bits()[0],
            self.scale_bits
        )
    }
}

/// Chooses parameters for `mlp` given calibrated stage ranges (see
/// [`hearth_nn::calibrate::ranges`]) and the slots the packing needs.
pub fn select(mlp: &Mlp, ranges: &[f64], min_slots: usize) -> Result<Selection> {
    let logits = ranges.last().copied().unwrap_or(1.0);
    let largest = ranges
        .iter()
        .fold(1.0f64, |m, &r| m.max(r))
        .max(post_activation(mlp, ranges));
    select_for_depth(depth(mlp), logits, largest, min_slots)
}

/// Chooses parameters for a computation of `d` rescales whose outputs reach
/// `logits` in magnitude and whose intermediate values reach `largest`
/// (both before the [`MARGIN`]), with at least `min_slots` slots.
pub fn select_for_depth(
    d: usize,
    logits: f64,
    largest: f64,
    min_slots: usize,
) -> Result<Selection> {
    let logits = logits.max(1.0);
    let largest = largest.max(1.0);
    let h = (2.0 * MARGIN * logits).log2().ceil() as u32;
    for log_n in 12..=16u32 {
        if (1usize << (log_n - 1)) < min_slots {
            continue;
        }
        let Some(max) = max_log_qp(log_n) else {
            continue;
        };
        let room = max.saturating_sub(2 * h);
        let s = (room / (d as u32 + 2)).min(MAX_SCALE_BITS);
        if s < MIN_SCALE_BITS || s + h > 60 {
            continue;
        }
        // Intermediate check: |v|·Δ < Q_(l−1)/2 with Q_(l-1) ≥ q_0.
        if (2.0 * MARGIN * largest).log2() > f64::from(s + h + s) {
            continue;
        }
        let mut chain = vec![s + h];
        chain.extend(std::iter::repeat_n(s, d));
        let params = CkksParams::new(log_n, &chain, &[s + h], 2f64.powi(s as i32), chain.len())?;
        return Ok(Selection {
            params,
            scale_bits: s,
            headroom_bits: h,
            depth: d,
            bootstrap: None,
        });
    }
    Err(Error::NoParameters {
        depth: d,
        logits,
        margin: MARGIN,
        min_scale_bits: MIN_SCALE_BITS,
    })
}

/// The chain of bootstrapping preset `preset` for a computation whose
/// outputs reach `logits` in magnitude (before the [`MARGIN`]): its
/// ciphertexts live on the preset's user levels, at its output scale.
/// Insecure (toy) presets only when `allow_insecure`; errors with
/// [`Error::NoParameters`] when `q_0` cannot hold the logits.
pub fn select_for_bootstrap(
    preset: &BootPreset,
    allow_insecure: bool,
    logits: f64,
) -> Result<Selection> {
    let params = if allow_insecure && !preset.secure {
        preset.insecure_for_tests()?
    } else {
        preset.params()?
    };
    let logits = logits.max(1.0);
    let scale_bits = preset.boot.output_scale.log2().round() as u32;
    let headroom_bits = preset.q0_bits.saturating_sub(scale_bits);
    if (2.0 * MARGIN * logits).log2() > f64::from(headroom_bits) {
        return Err(Error::NoParameters {
            depth: preset.user_levels,
            logits,
            margin: MARGIN,
            min_scale_bits: scale_bits,
        });
    }
    Ok(Selection {
        params,
        scale_bits,
        headroom_bits,
        depth: preset.user_levels,
        bootstrap: Some(*preset),
    })
}

fn post_activation(mlp: &Mlp, ranges: &[f64]) -> f64 {
    let c = mlp.activation.coefficients();
    ranges[1..ranges.len().saturating_sub(1)]
        .iter()
        .map(|&r| {
            c.iter()
                .enumerate()
                .map(|(k, ck)| ck.abs() * r.powi(k as i32))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}
