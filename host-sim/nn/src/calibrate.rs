//! Calibration: the largest magnitude each stage of the network reaches on a
//! data set (the standardised input, then each layer's pre-activation
//! output). The encrypted runtime sizes its scales and checks its moduli
//! against these bounds, times a safety margin.

use super::model::Mlp;

/// `out[s]` = max over rows of max |value| at stage `s` (see [`Mlp::trace`]).
pub fn ranges(mlp: &Mlp, rows: &[Vec<f64>]) -> Vec<f64> {
    let mut out = vec![0.0f64; mlp.layers.len() + 1];
    for r in rows {
        for (o, stage) in out.iter_mut().zip(mlp.trace(r)) {
            *o = stage.iter().fold(*o, |m, v| m.max(v.abs()));
        }
    }
    out
}
