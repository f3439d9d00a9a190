//! The streamed network: `layers` dense layers with the square activation
//! between them, each [`crate::linear`]'s diagonal evaluation with
//! [`Plan::Chained`] — two Galois keys and a working set of `G + 5`
//! ciphertexts whatever the width, one plaintext in hand at a time — and
//! the order in which it consumes the store's records ([`schedule`]).

use super::records::{bias_name, diagonal_name};
use crate::error::Result;
use crate::layers::Ct;
use crate::linear::{linear, Geometry, Plan, WeightSource};
use hearth_kernels::ckks::{Evaluator, GaloisKeys, RelinKey};
use hearth_kernels::ntt::NttEngine;

/// The geometry of a stream `width` wide: [`Plan::Chained`].
#[must_use]
pub fn geometry(width: usize) -> Geometry {
    Geometry::of(width, Plan::Chained)
}

/// The records an evaluation of `layers` layers reads, in order (one input
/// term per layer: `b` outer, `g` inner, then the bias).
#[must_use]
pub fn schedule(model: &str, layers: usize, geo: Geometry) -> Vec<String> {
    let mut v = Vec::with_capacity(layers * (geo.n + 1));
    for l in 0..layers {
        for b in 0..geo.baby {
            for g in 0..geo.giant {
                v.push(diagonal_name(model, l, g, b));
            }
        }
        v.push(bias_name(model, l));
    }
    v
}

/// Evaluates `layers` layers (square activation between them) on `x`.
pub fn evaluate<E: NttEngine<u64>, S: WeightSource>(
    ev: &mut Evaluator<'_, u64, E>,
    rk: &RelinKey<u64>,
    gk: &GaloisKeys<u64>,
    geo: Geometry,
    layers: usize,
    source: &mut S,
    x: Ct,
) -> Result<Ct> {
    let mut x = x;
    for l in 0..layers {
        let y = linear(ev, &mut &*gk, geo, l, source, vec![(1.0, x)], 0.0)?;
        x = if l + 1 == layers {
            y
        } else {
            let sq = ev.square_relin(&y, rk)?;
            ev.rescale(&sq)?
        };
    }
    Ok(x)
}
