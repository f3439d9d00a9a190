//! Replays the committed NTT known-answer vectors (`tests/kat/*.json`,
//! written by `cargo xtask kat ntt`, format in `tests/kat/README.md`)
//! through an engine: the forward transform of `input` must equal `forward`
//! word for word, `ψ` must match, and the inverse must give `input` back.

use crate::engine::{build, Engine};
use crate::error::{Error, Result};
use hearth_kernels::ntt::{NttEngine, OwnedNttPlan};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Kat {
    n: usize,
    q: u64,
    psi: u64,
    input: Vec<u64>,
    forward: Vec<u64>,
}

/// Checks one KAT file on `engine`; returns `N`.
pub fn replay(path: &Path, engine: Engine) -> Result<usize> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        cause: e,
    })?;
    let err = |m: String| Error::Kat {
        path: path.to_path_buf(),
        message: m,
    };
    let k: Kat = serde_json::from_str(&text).map_err(|e| err(format!("not a KAT file: {e}")))?;
    if k.input.len() != k.n || k.forward.len() != k.n {
        return Err(err(format!("vectors are not of length n = {}", k.n)));
    }
    let plan = OwnedNttPlan::<u64>::new(k.q, k.n)?;
    if plan.psi() != k.psi {
        return Err(err(format!(
            "ψ is {} here but {} in the file",
            plan.psi(),
            k.psi
        )));
    }
    let mut v = k.input.clone();
    let mut engine = build(engine)?;
    round_trip(&mut engine, &plan, &mut v, &k.forward, &k.input).map_err(err)?;
    Ok(k.n)
}

fn round_trip<E: NttEngine<u64>>(
    e: &mut E,
    plan: &OwnedNttPlan<u64>,
    v: &mut [u64],
    forward: &[u64],
    input: &[u64],
) -> core::result::Result<(), String> {
    e.forward(&[plan], v).map_err(|x| format!("forward: {x}"))?;
    if let Some(i) = v.iter().zip(forward).position(|(a, b)| a != b) {
        return Err(format!(
            "forward output word {i} is {} but the KAT says {}",
            v[i], forward[i]
        ));
    }
    e.inverse(&[plan], v).map_err(|x| format!("inverse: {x}"))?;
    if v != input {
        return Err("the inverse does not return the input".into());
    }
    Ok(())
}
