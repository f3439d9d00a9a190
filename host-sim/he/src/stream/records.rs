//! The store records of a compiled encrypted model and their byte formats.
//!
//! Under `stream/<model>/he/`:
//! - `meta`: the CKKS parameters (bit sizes, primes, scale, digits), the
//!   network's shape and the evaluation geometry ([`Meta`], postcard). It is
//!   written last, so a crash during compilation leaves no runnable model;
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

use crate::error::{Error, Result};
use hearth_kernels::ckks::{CkksContext, CkksParams, GaloisKeys, Plaintext, RelinKey};
use hearth_kernels::poly::Domain;
use serde::{Deserialize, Serialize};

/// The description of a compiled model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// `log2 N`.
    pub log_n: u32,
    /// Bit sizes of the chain primes.
    pub chain_bits: Vec<u32>,
    /// Bit sizes of the special primes.
    pub special_bits: Vec<u32>,
    /// The chain primes (checked on load).
    pub chain: Vec<u64>,
    /// The encoding scale Δ.
    pub scale: f64,
    /// Key-switching digits.
    pub dnum: usize,
    /// Whether the parameters passed the 128-bit security check.
    pub secure: bool,
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
    /// The CKKS parameters, rebuilt and checked against the stored primes.
    pub fn params(&self) -> Result<CkksParams> {
        let p = if self.secure {
            CkksParams::new(
                self.log_n,
                &self.chain_bits,
                &self.special_bits,
                self.scale,
                self.dnum,
            )
        } else {
            CkksParams::insecure_for_tests(
                self.log_n,
                &self.chain_bits,
                &self.special_bits,
                self.scale,
                self.dnum,
            )
        }?;
        if p.chain() != self.chain.as_slice() {
            return Err(Error::Invalid(
                "compiled model's primes differ from the ones its parameters generate".into(),
            ));
        }
        Ok(p)
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
    postcard::to_allocvec(v).map_err(|e| Error::Invalid(format!("serializing a record: {e}")))
}

fn from_bytes<'a, T: Deserialize<'a>>(what: &str, bytes: &'a [u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| Error::Invalid(format!("{what} is malformed: {e}")))
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
        .map_err(|e| Error::Invalid(format!("{what}: {e} (expected level {level})")))?;
    if pt.scale().to_bits() != scale.to_bits() {
        return Err(Error::Invalid(format!(
            "{what} was encoded at scale {:e}, the evaluation needs {scale:e}; recompile the model",
            pt.scale()
        )));
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
