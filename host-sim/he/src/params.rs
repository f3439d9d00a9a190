//! Parameter selection for a network: the multiplicative depth it needs and
//! the value ranges a calibration pass measured decide the ring degree and
//! the prime chain.
//!
//! A value `v` encoded at scale `Δ` is the integer `v·Δ`; after the last
//! rescale it lives modulo `q_0` alone, so decryption is exact only while
//! `|v|·Δ < q_0/2`. With `h = ⌈log2(2·margin·B)⌉` headroom bits for the
//! largest logit magnitude `B`, the chain is `q_0` of `s + h` bits, `D` primes
//! of `s` bits (one per rescale; `Δ ≈ 2^s`), and `k ≥ 1` special primes of
//! `s + h` bits. The total `(s+h) + D·s + k·(s+h)` must stay within the
//! HomomorphicEncryption.org 128-bit bound for `N`
//! (`hearth_kernels::ckks::params`); we take the smallest `N` that leaves at
//! least [`MIN_SCALE_BITS`] of precision, and the largest `s` up to
//! [`MAX_SCALE_BITS`] it allows. Intermediate values only need
//! `|v|·Δ < Q_(l−1)/2`, which the larger moduli above `q_0` give with room
//! to spare once the logits fit (checked all the same).
//!
//! ## Key-switching digits
//! Hybrid key switching (Han and Ki, CT-RSA 2020) cuts a polynomial over
//! the `D + 1` chain primes into `dnum` digits of `α` primes each and
//! extends every digit to the special primes `P`; its error stays far below
//! the scale while `P` is at least a digit's modulus. Every special prime
//! is at least every chain prime, so `k` special primes carry digits of
//! `α = k` chain primes: `dnum = ⌈(D+1)/k⌉` ([`hybrid_dnum`], the one place
//! this rule lives). A key-switching key holds `dnum` pairs over the
//! `D + 1 + k` primes, and a switch transforms about `(D+1)(dnum + 3) + 2k`
//! polynomials limb by limb, so fewer, wider digits make keys smaller and
//! rotations faster. The `s` above is chosen first; the bits the bound
//! leaves beyond it buy special primes: the selection takes the fewest
//! digits those bits allow, and the fewest special primes giving that
//! many. A chain that fills the bound keeps one special prime and one
//! digit per chain prime.

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

    /// A one-line summary, e.g. `N=2^13, log2 QP=203 (q0 49 + 3×39 + P 49), Δ=2^39`
    /// or, with several special primes, `… + P 5×49, 3 digits) …`.
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
        let special = match p.special_bits() {
            [one] => format!("P {one}"),
            many => format!("P {}×{}, {} digits", many.len(), many[0], p.dnum()),
        };
        format!(
            "N=2^{}, log2 QP={} (q0 {} + {}×{} + {special}), Δ=2^{}",
            p.log_degree(),
            total,
            p.chain_bits()[0],
            self.depth,
            self.scale_bits,
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
        let chain_total: u32 = chain.iter().sum();
        let special = special_primes(chain.len(), chain_total, s + h, max);
        let special = vec![s + h; special];
        let dnum = hybrid_dnum(chain.len(), special.len());
        let params = CkksParams::new(log_n, &chain, &special, 2f64.powi(s as i32), dnum)?;
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

/// Key-switching digits for `chain` chain primes and `special` special
/// primes, each special prime at least every chain prime: one digit per
/// `special` chain primes, `⌈chain/special⌉` (see the module docs).
#[must_use]
pub fn hybrid_dnum(chain: usize, special: usize) -> usize {
    chain.div_ceil(special.max(1))
}

/// How many special primes of `bits` bits to give a chain of `chain`
/// primes totalling `chain_total` bits under the bound `max`: the fewest
/// that reach the fewest digits the bound allows (at least one).
fn special_primes(chain: usize, chain_total: u32, bits: u32, max: u32) -> usize {
    let mut best = 1;
    for k in 2..=chain {
        if chain_total + k as u32 * bits > max {
            break;
        }
        if hybrid_dnum(chain, k) < hybrid_dnum(chain, best) {
            best = k;
        }
    }
    best
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotation::RotationKeys;
    use crate::session::Session;
    use hearth_kernels::ckks::Evaluator;
    use hearth_kernels::ntt::SoftwareNtt;

    /// `log2` of the product of `primes`.
    fn bits(primes: &[u64]) -> f64 {
        primes.iter().map(|&q| (q as f64).log2()).sum()
    }

    #[test]
    fn a_deep_chain_spends_the_bound_on_wider_digits() {
        // `mnist_c`'s shape: 14 rescales, 2^14 slots, logits of about 30.
        let sel = select_for_depth(14, 30.0, 30.0, 1 << 14).unwrap();
        let p = &sel.params;
        assert_eq!((p.log_degree(), sel.scale_bits), (15, 40));
        let total = p.chain_bits().iter().chain(p.special_bits()).sum::<u32>();
        assert!(total <= max_log_qp(15).unwrap(), "{total}");
        // 15 chain primes: 5 special primes give 3 digits of 5 (4 would
        // leave 4 digits, 8 for 2 digits pass the bound).
        assert_eq!((p.special().len(), p.dnum(), p.alpha()), (5, 3, 5));
        assert!(total + 3 * p.special_bits()[0] > max_log_qp(15).unwrap());
        // P is at least every digit's modulus, so the switching error stays
        // below one unit of the scale.
        for digit in p.chain().chunks(p.alpha()) {
            assert!(bits(p.special()) >= bits(digit), "{digit:?}");
        }
        assert!(
            sel.summary()
                .contains(&format!("P 5×{}, 3 digits)", p.special_bits()[0])),
            "{}",
            sel.summary()
        );
    }

    #[test]
    fn a_chain_that_fills_the_bound_keeps_one_digit_per_prime() {
        // Depth 3 at N = 2^13 fills 218 bits with one special prime.
        let sel = select_for_depth(3, 30.0, 30.0, 1 << 12).unwrap();
        let p = &sel.params;
        assert_eq!(p.log_degree(), 13);
        assert_eq!((p.special().len(), p.dnum()), (1, p.chain().len()));
        assert!(!sel.summary().contains("digits"), "{}", sel.summary());
    }

    #[test]
    fn hybrid_digits_cover_the_chain() {
        for chain in 1..=20 {
            for special in 1..=chain {
                let dnum = hybrid_dnum(chain, special);
                assert!(dnum * special >= chain && (dnum - 1) * special < chain);
            }
        }
    }

    #[test]
    fn rotations_under_wider_digits_decrypt_to_the_rotated_values() {
        // Depth 2 at N = 2^13 with small logits (q_0 of 43 bits) leaves
        // room for a second special prime: two digits, of two chain primes
        // and of one.
        let sel = select_for_depth(2, 1.0, 1.0, 1 << 12).unwrap();
        assert_eq!(
            (sel.params.special().len(), sel.params.dnum()),
            (2, 2),
            "{}",
            sel.summary()
        );
        let mut e = SoftwareNtt;
        let mut s = Session::new(sel, Some(3), &[1, 5, -7], &mut e).unwrap();
        let slots = s.slots();
        let v: Vec<f64> = (0..slots)
            .map(|i| ((i * 37) % 101) as f64 / 10.0 - 5.0)
            .collect();
        let ct = s.encrypt(&mut e, &v).unwrap();
        let level = ct.level();
        for step in [1i64, 5, -7] {
            let (plain, hoisted) = {
                let mut ev = Evaluator::new(&s.ctx, &mut e);
                let h = ev.hoist(&ct).unwrap();
                let mut keys = &s.gk;
                let plain = keys.rotate(&mut ev, &ct, step).unwrap();
                let hoisted = keys
                    .rotate_hoisted(&mut ev, &h, level, step.rem_euclid(slots as i64))
                    .unwrap();
                (plain, hoisted)
            };
            for r in [plain, hoisted] {
                let d = s.decrypt(&mut e, &r).unwrap();
                for (i, got) in d.iter().enumerate() {
                    let want = v[(i as i64 + step).rem_euclid(slots as i64) as usize];
                    assert!(
                        (got - want).abs() < 1e-6,
                        "step {step}, slot {i}: {got} vs {want}"
                    );
                }
            }
        }
    }
}
