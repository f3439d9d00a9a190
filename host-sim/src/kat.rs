//! Replays the committed NTT known-answer vectors (`tests/kat/*.json`,
//! written by `cargo xtask kat ntt`, format in `tests/kat/README.md`)
//! through an engine: the forward transform of `input` must equal `forward`
//! word for word, `ψ` must match, and the inverse must give `input` back.

use crate::error::{Error, Result};
use crate::infer::Engine;
use hearth_kernels::ntt::{NttEngine, OwnedNttPlan, SoftwareNtt};
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
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let err = |m: String| Error::Container {
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
    match engine {
        Engine::Soft => round_trip(&mut SoftwareNtt, &plan, &mut v, &k.forward, &k.input),
        Engine::Sim => {
            use crate::device::{Params, SimDelay, SimDevice};
            let dev = SimDevice::new(Params::new(64, crate::he::SIM_LANES));
            let d = hearth_hal::Pipeline::probe(
                dev.clone(),
                dev,
                SimDelay::default(),
                hearth_hal::Config::default(),
            )
            .map_err(|e| format!("the simulated device did not probe: {e:?}"));
            d.and_then(|d| {
                let mut e = hearth_hal::PipelineEngine::new(d);
                round_trip(&mut e, &plan, &mut v, &k.forward, &k.input)
            })
        }
        #[cfg(feature = "rtl")]
        Engine::Rtl => crate::he::rtl::probe()
            .map_err(|e| e.to_string())
            .and_then(|(d, _)| {
                let mut e = hearth_hal::PipelineEngine::new(d);
                round_trip(&mut e, &plan, &mut v, &k.forward, &k.input)
            }),
        #[cfg(not(feature = "rtl"))]
        Engine::Rtl => Err(crate::he::RTL_NOT_BUILT.into()),
    }
    .map_err(err)?;
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
