//! The store records of a compiled encrypted model and their byte formats.
//!
//! Under `stream/<model>/he/`:
//! - `meta`: the description format ([`META_FORMAT`]), the CKKS parameters
//!   ([`ParamsDesc`], shared with the key files) and their primes, the
//!   network's shape and the evaluation geometry ([`Meta`], postcard). It
//!   is written last, so a crash during compilation leaves no runnable
//!   model; every field is checked when it is read back ([`Meta::check`]);
//! - `key/relin` and `key/galois`: the evaluation keys (postcard of the
//!   kernels' serde types), checked against the context when read;
//! - `l<i>/d<g>_<b>`: the encoded diagonal of giant step `g`, baby step `b`
//!   of layer `i` (a [`Plaintext`] in the NTT domain at the level and scale
//!   the layer runs at);
//! - `l<i>/bias`: the layer's bias plaintext.
//!
//! Every record read back is validated (basis, residues below their primes,
//! level and scale as the evaluation requests), so a stale or tampered
//! record is a typed error, never a wrong result.

use super::eval::geometry;
use crate::error::{Error, Result};
use crate::linear::Geometry;
use crate::params::ParamsDesc;
use hearth_kernels::ckks::{CkksContext, CkksParams, GaloisKeys, Plaintext, RelinKey};
use hearth_kernels::poly::Domain;
use serde::{Deserialize, Serialize};

/// The version of [`Meta`]'s layout; a store compiled by a version with
/// another layout is refused with the advice to recompile. (Version 1 put
/// the parameters first, so its first word is `log2 N` ≥ 10.)
pub const META_FORMAT: u32 = 2;
/// The deepest compiled stream accepted.
pub const MAX_LAYERS: usize = 1 << 12;

/// The description of a compiled model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// [`META_FORMAT`].
    pub format: u32,
    /// The CKKS parameters.
    pub params: ParamsDesc,
    /// The chain primes (checked on load against the ones `params` yields).
    pub chain: Vec<u64>,
    /// Layers.
    pub layers: usize,
    /// Width of every layer.
    pub width: usize,
    /// Padded vector length (power of two).
    pub n: usize,
    /// Baby steps per layer.
    pub baby: usize,
    /// Giant steps per layer.
    pub giant: usize,
}

impl Meta {
    /// The description of `layers` layers `width` wide compiled under
    /// `params` with `geo`.
    pub fn new(params: &CkksParams, layers: usize, width: usize, geo: Geometry) -> Result<Self> {
        Ok(Meta {
            format: META_FORMAT,
            params: ParamsDesc::of(params)?,
            chain: params.chain().to_vec(),
            layers,
            width,
            n: geo.n,
            baby: geo.baby,
            giant: geo.giant,
        })
    }

    /// Checks every field of a description read from the store of `model`
    /// and returns the parameters (128-bit secure) and the geometry: the
    /// format, the parameters' ranges and security, the primes, a depth
    /// the chain holds, a width the slots hold, and the geometry this
    /// version evaluates.
    pub fn check(&self, model: &str) -> Result<(CkksParams, Geometry)> {
        if self.format != META_FORMAT {
            return Err(Error::Stale {
                model: model.to_string(),
                found: format!("with description format {}", self.format),
                needed: format!("format {META_FORMAT}"),
            });
        }
        let params = self.params.params()?;
        if params.chain() != self.chain.as_slice() {
            return Err(Error::record(
                "model description",
                "its primes differ from the ones its parameters generate",
            ));
        }
        if !(1..=MAX_LAYERS).contains(&self.layers) {
            return Err(Error::ParamRange {
                field: "layers",
                value: self.layers as u64,
                min: 1,
                max: MAX_LAYERS as u64,
            });
        }
        let needed = super::depth(self.layers);
        if needed > self.params.depth() {
            return Err(Error::DepthExceeded {
                needed,
                available: self.params.depth(),
            });
        }
        let slots = params.slots();
        if !(1..=slots).contains(&self.width) {
            return Err(Error::ParamRange {
                field: "width",
                value: self.width as u64,
                min: 1,
                max: slots as u64,
            });
        }
        let geo = geometry(self.width);
        if (geo.n, geo.baby, geo.giant) != (self.n, self.baby, self.giant) {
            return Err(Error::Stale {
                model: model.to_string(),
                found: format!("for a {}×{} evaluation", self.baby, self.giant),
                needed: format!("{}×{}", geo.baby, geo.giant),
            });
        }
        Ok((params, geo))
    }
}

/// `stream/<model>/he/<rest>`.
#[must_use]
pub fn name(model: &str, rest: &str) -> String {
    format!("stream/{model}/he/{rest}")
}

/// The record of diagonal `(g, b)` of layer `layer`.
#[must_use]
pub fn diagonal_name(model: &str, layer: usize, g: usize, b: usize) -> String {
    name(model, &format!("l{layer}/d{g}_{b}"))
}

/// The record of the bias of layer `layer`.
#[must_use]
pub fn bias_name(model: &str, layer: usize) -> String {
    name(model, &format!("l{layer}/bias"))
}

/// Serializes anything the kernels derive `serde` for.
pub fn to_bytes<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(v).map_err(|cause| Error::Serialize {
        what: "a store record",
        cause,
    })
}

fn from_bytes<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| Error::record(what, format!("malformed: {e}")))
}

/// Reads the model description.
pub fn meta_from_bytes(bytes: &[u8]) -> Result<Meta> {
    from_bytes("model description", bytes)
}

/// Checks a plaintext read from the store against what the evaluation asks
/// for: NTT domain over the first `level + 1` primes, residues reduced,
/// scale bit-identical to `scale`.
pub fn check_plaintext(
    ctx: &CkksContext<u64>,
    what: &str,
    pt: &Plaintext<u64>,
    level: usize,
    scale: f64,
) -> Result<()> {
    pt.poly()
        .validate(ctx.ring(), ctx.level_basis(level), Domain::Ntt)
        .map_err(|e| Error::record(what, format!("{e} (expected level {level})")))?;
    if pt.scale().to_bits() != scale.to_bits() {
        return Err(Error::RecordScale {
            name: what.to_string(),
            stored: pt.scale(),
            needed: scale,
        });
    }
    Ok(())
}

/// Reads a plaintext (unchecked: see [`check_plaintext`]).
pub fn plaintext_from_bytes(what: &str, bytes: &[u8]) -> Result<Plaintext<u64>> {
    from_bytes(what, bytes)
}

/// Reads and validates the relinearization key.
pub fn relin_from_bytes(ctx: &CkksContext<u64>, bytes: &[u8]) -> Result<RelinKey<u64>> {
    let k: RelinKey<u64> = from_bytes("relinearization key", bytes)?;
    k.0.validate(ctx)?;
    Ok(k)
}

/// Reads and validates the Galois keys.
pub fn galois_from_bytes(ctx: &CkksContext<u64>, bytes: &[u8]) -> Result<GaloisKeys<u64>> {
    let k: GaloisKeys<u64> = from_bytes("Galois keys", bytes)?;
    k.validate(ctx)?;
    Ok(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Meta {
        let params = ParamsDesc {
            log_n: 13,
            chain_bits: vec![50, 39, 39, 39],
            special_bits: vec![50],
            scale_bits: 39,
        }
        .params()
        .unwrap();
        Meta::new(&params, 2, 16, geometry(16)).unwrap()
    }

    #[test]
    fn a_sound_description_gives_its_parameters_and_geometry() {
        let (p, geo) = good().check("m").unwrap();
        assert!(p.is_secure());
        assert_eq!((geo.n, geo.baby, geo.giant), (16, 4, 4));
    }

    #[test]
    fn every_inconsistent_field_is_refused_by_name() {
        type Case = (fn(&mut Meta), fn(&Error) -> bool);
        let cases: [Case; 8] = [
            (|m| m.format = 1, |e| matches!(e, Error::Stale { .. })),
            (
                |m| m.params.log_n = 40,
                |e| matches!(e, Error::ParamRange { field: "log_n", .. }),
            ),
            (|m| m.chain[1] += 2, |e| matches!(e, Error::Record { .. })),
            (
                |m| m.layers = 0,
                |e| {
                    matches!(
                        e,
                        Error::ParamRange {
                            field: "layers",
                            ..
                        }
                    )
                },
            ),
            (
                |m| m.layers = 3,
                |e| {
                    matches!(
                        e,
                        Error::DepthExceeded {
                            needed: 5,
                            available: 3
                        }
                    )
                },
            ),
            (
                |m| m.width = 0,
                |e| matches!(e, Error::ParamRange { field: "width", .. }),
            ),
            (
                |m| m.width = usize::MAX,
                |e| {
                    matches!(
                        e,
                        Error::ParamRange {
                            field: "width",
                            max: 4096,
                            ..
                        }
                    )
                },
            ),
            (|m| m.baby = 8, |e| matches!(e, Error::Stale { .. })),
        ];
        for (i, (break_it, expected)) in cases.into_iter().enumerate() {
            let mut m = good();
            break_it(&mut m);
            let e = m.check("m").unwrap_err();
            assert!(expected(&e), "case {i}: {e}");
        }
    }

    #[test]
    fn a_description_round_trips_through_its_bytes() {
        let m = good();
        assert_eq!(meta_from_bytes(&to_bytes(&m).unwrap()).unwrap(), m);
    }
}
