//! Serving many tenants' models at once: each tenant has its own keys. The
//! scheduler takes tenants in waves of two per CPU core, in order (first
//! come, first served), and within a wave runs one stage (encrypt,
//! evaluate, decrypt) of every tenant per round on rayon's pool, so no
//! tenant of a wave starts its next stage before the others finish the
//! current one. Waves bound the ciphertexts in flight (all tenants' inputs
//! at once would not fit in memory at 256 models). The figures are
//! throughput and the anonymous memory each model's keys and state add.

use super::tenant::{Tenant, TenantCt};
use crate::error::Result;
use crate::nn::Mlp;
use crate::stream::rss_anon_kb;
use hearth_kernels::ntt::SoftwareNtt;
use rayon::prelude::*;
use std::time::Instant;

/// Figures for one number of models.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServeFigures {
    /// Models (tenants) served.
    pub models: usize,
    /// Samples per model.
    pub rows_per_model: usize,
    /// Key generation seconds (all tenants, parallel).
    pub keygen_seconds: f64,
    /// Anonymous memory per model (keys and context), KiB.
    pub per_model_kb: f64,
    /// Seconds to serve every model concurrently.
    pub concurrent_seconds: f64,
    /// Samples per second, concurrent.
    pub concurrent_throughput: f64,
    /// Seconds to serve the same models one after another on one thread.
    pub sequential_seconds: f64,
    /// `sequential_seconds / concurrent_seconds`.
    pub speedup: f64,
    /// Predictions that differ from the plaintext model's.
    pub disagreements: usize,
}

fn serve_one(t: &mut Tenant, mlp: &Mlp, rows: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let mut e = SoftwareNtt;
    let cts = t.encrypt(&mut e, mlp, rows)?;
    let out = t.evaluate(&mut e, mlp, cts)?;
    t.decrypt_logits(&mut e, &out, rows.len())
}

/// Serves `models` tenants (each its own keys, the same network `mlp` and
/// `rows`), concurrently by rounds, then sequentially, and measures both.
pub fn serve(mlp: &Mlp, rows: &[Vec<f64>], models: usize) -> Result<ServeFigures> {
    let rss0 = rss_anon_kb().unwrap_or(0);
    let t = Instant::now();
    let mut tenants: Vec<Tenant> = (0..models)
        .into_par_iter()
        .map(|i| {
            Tenant::new(
                &format!("tenant{i}"),
                mlp,
                rows,
                Some(i as u64),
                &mut SoftwareNtt,
            )
        })
        .collect::<Result<_>>()?;
    let keygen_seconds = t.elapsed().as_secs_f64();
    let per_model_kb = rss_anon_kb().unwrap_or(0).saturating_sub(rss0) as f64 / models as f64;

    // Concurrent: waves of a few tenants per core; within a wave, round 1
    // encrypts for all, round 2 evaluates all, round 3 decrypts all. Waves
    // bound the ciphertexts in flight; rounds keep the wave's tenants in step.
    let t = Instant::now();
    let wave = 2 * rayon::current_num_threads().max(1);
    let mut logits: Vec<Vec<Vec<f64>>> = Vec::with_capacity(models);
    for group in tenants.chunks_mut(wave) {
        let enc: Vec<Vec<TenantCt>> = group
            .par_iter_mut()
            .map(|t| t.encrypt(&mut SoftwareNtt, mlp, rows))
            .collect::<Result<_>>()?;
        let out: Vec<Vec<TenantCt>> = group
            .par_iter()
            .zip(enc)
            .map(|(t, c)| t.evaluate(&mut SoftwareNtt, mlp, c))
            .collect::<Result<_>>()?;
        let l: Vec<Vec<Vec<f64>>> = group
            .par_iter()
            .zip(&out)
            .map(|(t, o)| t.decrypt_logits(&mut SoftwareNtt, o, rows.len()))
            .collect::<Result<_>>()?;
        logits.extend(l);
    }
    let concurrent_seconds = t.elapsed().as_secs_f64();

    let t = Instant::now();
    for tenant in tenants.iter_mut() {
        serve_one(tenant, mlp, rows)?;
    }
    let sequential_seconds = t.elapsed().as_secs_f64();

    let disagreements = logits
        .iter()
        .flat_map(|l| l.iter().zip(rows))
        .filter(|(l, r)| crate::nn::model::argmax(l) != mlp.predict(r))
        .count();
    Ok(ServeFigures {
        models,
        rows_per_model: rows.len(),
        keygen_seconds,
        per_model_kb,
        concurrent_seconds,
        concurrent_throughput: (models * rows.len()) as f64 / concurrent_seconds.max(1e-12),
        sequential_seconds,
        speedup: sequential_seconds / concurrent_seconds.max(1e-12),
        disagreements,
    })
}
