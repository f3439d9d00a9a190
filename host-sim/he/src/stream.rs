//! Encrypted streaming: a network whose encoded weights and evaluation keys
//! exceed the memory budget runs on a CKKS ciphertext straight from the
//! PMEM store, one plaintext at a time.
//!
//! 1. [`model::generate`] writes a plain network (square layers, square
//!    activation) into the store; [`model::reference`] is its `f64`
//!    forward pass.
//! 2. The client chooses parameters ([`selection`]), generates its keys
//!    ([`client`]: the secret key stays with it; the relinearization key
//!    and the two Galois keys are the server's) and encrypts a sample
//!    ([`encrypt_input`]).
//! 3. [`compile::compile`] stores the evaluation keys and every diagonal
//!    and bias encoded at the level and scale it will be used at, one
//!    record each.
//! 4. [`run::run`] evaluates the model from the store under
//!    `--mem-budget`, prefetching the next plaintext while the current one
//!    is multiplied in, and reports peak `RssAnon` and PMEM bytes read
//!    against the minimum (every record once).
//! 5. The client decrypts ([`decrypt_output`]).
//!
//! Why the budget holds: the encoded model is `Σ_layers n·(l+1)·N·8` bytes
//! (each of the `n` diagonals of a layer at level `l` is a full RNS
//! polynomial), which grows with the width, while the run's working set
//! ([`run::working_set`]) — two keys, `G + 5` ciphertexts, key-switching
//! scratch, three plaintexts — does not depend on the width or the depth.

pub mod compile;
pub mod eval;
pub mod model;
pub mod process;
pub mod records;
pub mod run;

use crate::error::{Error, Result};
use crate::layers::Ct;
use crate::params::{select_for_depth, Selection};
use crate::session::Session;
use eval::Geometry;
use hearth_kernels::ntt::NttEngine;
use model::Ranges;

/// Rescales a `layers`-deep network with square activations consumes: one
/// per layer and one per activation.
#[must_use]
pub fn depth(layers: usize) -> usize {
    2 * layers - 1
}

/// 128-bit secure parameters for `layers` layers `width` wide with the
/// calibrated `ranges` (see [`crate::params`]).
pub fn selection(layers: usize, width: usize, ranges: Ranges) -> Result<Selection> {
    if layers == 0 {
        return Err(Error::Invalid("the network has no layers".into()));
    }
    let geo = Geometry::of(width);
    select_for_depth(depth(layers), ranges.logits, ranges.largest, geo.n)
}

/// The client's keys: secret key, relinearization key and the Galois keys
/// of the two rotations the evaluation uses; seeded when `seed` is given.
pub fn client<E: NttEngine<u64>>(
    selection: Selection,
    width: usize,
    seed: Option<u64>,
    engine: &mut E,
) -> Result<Session> {
    Session::new(selection, seed, &Geometry::of(width).rotations(), engine)
}

/// Encrypts one sample, zero-padded to the geometry and repeated across the
/// slots, at the top level.
pub fn encrypt_input<E: NttEngine<u64>>(
    session: &mut Session,
    engine: &mut E,
    width: usize,
    x: &[f32],
) -> Result<Ct> {
    let n = Geometry::of(width).n;
    if x.len() > n {
        return Err(Error::Invalid(format!(
            "a sample of {} values does not fit a {width}-wide network",
            x.len()
        )));
    }
    let v: Vec<f64> = (0..session.slots())
        .map(|j| x.get(j % n).map_or(0.0, |&a| f64::from(a)))
        .collect();
    session.encrypt(engine, &v)
}

/// Decrypts the network's output: slots `0..width`.
pub fn decrypt_output<E: NttEngine<u64>>(
    session: &Session,
    engine: &mut E,
    ct: &Ct,
    width: usize,
) -> Result<Vec<f64>> {
    let mut v = session.decrypt(engine, ct)?;
    v.truncate(width);
    Ok(v)
}
