//! [`ParamsDesc`]: the one serializable description of a CKKS parameter
//! set, used by the key and ciphertext files ([`crate::container`]) and by
//! the encrypted stream's model description ([`crate::stream::records`]).
//!
//! A parameter set is defined by `log2 N`, the bit sizes of its chain and
//! special primes, and the scale `Δ = 2^scale_bits`; the primes are the
//! kernels' deterministic choice for those sizes, and the key-switching
//! digits follow from the counts ([`super::hybrid_dnum`]: one digit per as
//! many chain primes as there are special primes). Loading a description checks every
//! field against its range before anything is sized from it, then builds
//! the parameters with the HomomorphicEncryption.org 128-bit check
//! (`CkksParams::new`): no stored description can select the kernels'
//! insecure test parameters.

use super::Selection;
use crate::error::{Error, Result};
use hearth_kernels::ckks::CkksParams;
use serde::{Deserialize, Serialize};

/// `log2 N` accepted: `2^10 …2^17`, the ring degrees the security table covers.
pub const LOG_N: (u32, u32) = (10, 17);
/// Bit sizes accepted for a prime (the kernels find NTT primes up to 62 bits).
pub const PRIME_BITS: (u32, u32) = (20, 62);
/// The most chain primes (and special primes) a description may name.
pub const MAX_PRIMES: usize = 64;
/// Scale bits accepted.
pub const SCALE_BITS: (u32, u32) = (10, 60);

/// A CKKS parameter set by its defining numbers (primes follow from them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamsDesc {
    /// `log2 N`.
    pub log_n: u32,
    /// Chain prime sizes, `q_0` first.
    pub chain_bits: Vec<u32>,
    /// Special prime sizes.
    pub special_bits: Vec<u32>,
    /// Scale bits (`Δ = 2^scale_bits`).
    pub scale_bits: u32,
}

fn range(field: &'static str, value: u64, (min, max): (u64, u64)) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::ParamRange {
            field,
            value,
            min,
            max,
        })
    }
}

fn widen((a, b): (u32, u32)) -> (u64, u64) {
    (u64::from(a), u64::from(b))
}

impl ParamsDesc {
    /// The description of `params`, whose scale must be a power of two and
    /// whose key-switching digits must be those [`super::hybrid_dnum`]
    /// gives for its prime counts (as every parameter set
    /// [`super::select_for_depth`] chooses has).
    pub fn of(params: &CkksParams) -> Result<Self> {
        let scale = params.scale();
        let bits = scale.log2().round();
        if !(0.0..=f64::from(SCALE_BITS.1)).contains(&bits) || 2f64.powi(bits as i32) != scale {
            return Err(Error::ParamRange {
                field: "scale (a power of two)",
                value: scale as u64,
                min: 1 << SCALE_BITS.0,
                max: 1 << SCALE_BITS.1,
            });
        }
        let dnum = super::hybrid_dnum(params.chain().len(), params.special().len()) as u64;
        range(
            "dnum (one digit per special-prime count of chain primes)",
            params.dnum() as u64,
            (dnum, dnum),
        )?;
        let d = ParamsDesc {
            log_n: params.log_degree(),
            chain_bits: params.chain_bits().to_vec(),
            special_bits: params.special_bits().to_vec(),
            scale_bits: bits as u32,
        };
        d.validate()?;
        Ok(d)
    }

    /// Checks every field against its range (before anything is sized
    /// from it).
    pub fn validate(&self) -> Result<()> {
        range("log_n", u64::from(self.log_n), widen(LOG_N))?;
        range(
            "number of chain primes",
            self.chain_bits.len() as u64,
            (1, MAX_PRIMES as u64),
        )?;
        range(
            "number of special primes",
            self.special_bits.len() as u64,
            (1, MAX_PRIMES as u64),
        )?;
        for &b in self.chain_bits.iter().chain(&self.special_bits) {
            range("prime bits", u64::from(b), widen(PRIME_BITS))?;
        }
        range("scale_bits", u64::from(self.scale_bits), widen(SCALE_BITS))
    }

    /// Rescales the chain allows (`L`, one per prime above `q_0`).
    #[must_use]
    pub fn depth(&self) -> usize {
        self.chain_bits.len().saturating_sub(1)
    }

    /// The parameters, validated and checked for 128-bit security.
    pub fn params(&self) -> Result<CkksParams> {
        self.validate()?;
        Ok(CkksParams::new(
            self.log_n,
            &self.chain_bits,
            &self.special_bits,
            2f64.powi(self.scale_bits as i32),
            super::hybrid_dnum(self.chain_bits.len(), self.special_bits.len()),
        )?)
    }

    /// The parameters as a [`Selection`] (headroom of `q_0` above the scale).
    pub fn selection(&self) -> Result<Selection> {
        let params = self.params()?;
        Ok(Selection {
            params,
            scale_bits: self.scale_bits,
            headroom_bits: self
                .chain_bits
                .first()
                .copied()
                .unwrap_or(0)
                .saturating_sub(self.scale_bits),
            depth: self.depth(),
            bootstrap: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> ParamsDesc {
        ParamsDesc {
            log_n: 13,
            chain_bits: vec![50, 39, 39, 39],
            special_bits: vec![50],
            scale_bits: 39,
        }
    }

    #[test]
    fn round_trips_through_params() {
        let d = bundled();
        let p = d.params().unwrap();
        assert!(p.is_secure());
        assert_eq!(p.scale(), 2f64.powi(39));
        assert_eq!(ParamsDesc::of(&p).unwrap(), d);
        assert_eq!(d.selection().unwrap().depth, 3);
    }

    #[test]
    fn every_field_is_range_checked() {
        type Case = (&'static str, fn(&mut ParamsDesc));
        let cases: [Case; 7] = [
            ("log_n", |d| d.log_n = 40),
            ("log_n", |d| d.log_n = 3),
            ("number of chain primes", |d| d.chain_bits.clear()),
            ("number of special primes", |d| {
                d.special_bits = vec![50; 65]
            }),
            ("prime bits", |d| d.chain_bits[1] = 63),
            ("prime bits", |d| d.special_bits[0] = 0),
            ("scale_bits", |d| d.scale_bits = 4000),
        ];
        for (field, break_it) in cases {
            let mut d = bundled();
            break_it(&mut d);
            let e = d.params().unwrap_err();
            assert!(
                matches!(e, Error::ParamRange { field: f, .. } if f == field),
                "{field}: {e}"
            );
        }
    }

    #[test]
    fn an_insecure_description_is_refused() {
        let mut d = bundled();
        d.chain_bits = vec![60; 8];
        let e = d.params().unwrap_err().to_string();
        assert!(e.contains("CKKS"), "{e}");
    }
}
