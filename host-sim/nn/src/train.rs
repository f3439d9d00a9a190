//! A small deterministic trainer for `hearth-mlp-v1` networks: softmax
//! cross-entropy, mini-batch Adam (Kingma & Ba, "Adam: A Method for Stochastic
//! Optimization", ICLR 2015) with decoupled weight decay (Loshchilov & Hutter,
//! ICLR 2019), all in f64 with a fixed summation order, seeded by
//! [`crate::rng::Prng`], so a run is reproducible bit for bit from its
//! configuration. Inputs are standardised by the training split's mean and
//! standard deviation (stored in the model). Weight decay and a small
//! initialisation keep hidden values in the tens, the range the encrypted
//! runtime is calibrated for.

use super::model::{argmax, Activation, Layer, Mlp};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::rng::Prng;

/// Training configuration.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Hidden-layer widths (e.g. `[16]` for in→16→out).
    pub hidden: Vec<usize>,
    /// The activation between layers.
    pub activation: Activation,
    /// Passes over the training data.
    pub epochs: usize,
    /// Adam step size.
    pub learning_rate: f64,
    /// Decoupled weight decay per step (multiplied by the step size).
    pub weight_decay: f64,
    /// Mini-batch size.
    pub batch: usize,
    /// Seed of the initialisation and the batch order.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            hidden: vec![16],
            activation: Activation::Square,
            epochs: 60,
            learning_rate: 0.01,
            weight_decay: 0.01,
            batch: 32,
            seed: 1,
        }
    }
}

/// Trains a network on a labelled data set; the result's parameters are
/// rounded to f32 (as stored), so its accuracy equals the saved file's.
pub fn train(data: &Dataset, cfg: &TrainConfig) -> Result<Mlp> {
    let labels = data.labels.as_ref().ok_or_else(|| Error::Mismatch {
        path: data.path.clone(),
        message: "training needs a `label` column".into(),
    })?;
    if cfg.batch == 0 || cfg.hidden.contains(&0) {
        return Err(Error::OutOfRange {
            what: "the batch size or a hidden width",
            value: "0".into(),
            range: "≥ 1",
        });
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1).max(2);
    let (mean, scale) = moments(&data.rows);
    let xs: Vec<Vec<f64>> = data
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&mean)
                .zip(&scale)
                .map(|((x, m), s)| (x - m) / s)
                .collect()
        })
        .collect();
    let mut rng = Prng::new(cfg.seed);
    let mut widths = vec![data.num_features()];
    widths.extend(&cfg.hidden);
    widths.push(classes);
    let mut layers: Vec<Layer> = widths
        .windows(2)
        .map(|w| {
            let std = (1.0 / w[0] as f64).sqrt();
            Layer {
                weight: (0..w[0] * w[1]).map(|_| rng.normal() * std).collect(),
                bias: vec![0.0; w[1]],
                inputs: w[0],
                outputs: w[1],
            }
        })
        .collect();
    let mut adam = Adam::new(&layers);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for chunk in order.chunks(cfg.batch) {
            let mut grads = zero_like(&layers);
            for &i in chunk {
                backprop(&layers, &cfg.activation, &xs[i], labels[i], &mut grads);
            }
            let inv = 1.0 / chunk.len() as f64;
            adam.step(&mut layers, &grads, inv, cfg);
        }
    }
    let mut mlp = Mlp {
        layers,
        activation: cfg.activation.clone(),
        standardise: Some((mean, scale)),
    };
    mlp.round_to_f32();
    Ok(mlp)
}

/// Fraction of `data`'s rows that `mlp` classifies correctly (None without labels).
pub fn accuracy(mlp: &Mlp, data: &Dataset) -> Option<f64> {
    let labels = data.labels.as_ref()?;
    let ok = data
        .rows
        .iter()
        .zip(labels)
        .filter(|(x, &y)| mlp.predict(x) == y)
        .count();
    Some(ok as f64 / data.len().max(1) as f64)
}

fn moments(rows: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let n = rows.len().max(1) as f64;
    let d = rows.first().map_or(0, Vec::len);
    let mean: Vec<f64> = (0..d)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let scale = (0..d)
        .map(|j| {
            let var = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
            if var > 1e-12 {
                var.sqrt()
            } else {
                1.0
            }
        })
        .collect();
    (mean, scale)
}

fn zero_like(layers: &[Layer]) -> Vec<Layer> {
    layers
        .iter()
        .map(|l| Layer {
            weight: vec![0.0; l.weight.len()],
            bias: vec![0.0; l.bias.len()],
            ..*l
        })
        .collect()
}

/// Adds the gradient of the cross-entropy of one sample to `grads`.
fn backprop(layers: &[Layer], act: &Activation, x: &[f64], y: usize, grads: &mut [Layer]) {
    let mut pre = Vec::with_capacity(layers.len());
    let mut post = vec![x.to_vec()];
    for (i, l) in layers.iter().enumerate() {
        let z = l.apply(post.last().map_or(x, Vec::as_slice));
        if i + 1 < layers.len() {
            post.push(z.iter().map(|&v| act.apply(v)).collect());
        }
        pre.push(z);
    }
    let logits = pre.last().cloned().unwrap_or_default();
    let m = logits[argmax(&logits)];
    let e: Vec<f64> = logits.iter().map(|&v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    let mut delta: Vec<f64> = e.iter().map(|v| v / s).collect();
    delta[y] -= 1.0;
    for i in (0..layers.len()).rev() {
        let (l, g, a) = (&layers[i], &mut grads[i], &post[i]);
        for (o, &d) in delta.iter().enumerate() {
            g.bias[o] += d;
            let row = &mut g.weight[o * l.inputs..(o + 1) * l.inputs];
            for (gw, &aj) in row.iter_mut().zip(a) {
                *gw += d * aj;
            }
        }
        if i > 0 {
            delta = (0..l.inputs)
                .map(|j| {
                    let back: f64 = (0..l.outputs).map(|o| l.w(o, j) * delta[o]).sum();
                    back * act.derivative(pre[i - 1][j])
                })
                .collect();
        }
    }
}

struct Adam {
    m: Vec<Layer>,
    v: Vec<Layer>,
    t: i32,
}

impl Adam {
    fn new(layers: &[Layer]) -> Self {
        Adam {
            m: zero_like(layers),
            v: zero_like(layers),
            t: 0,
        }
    }

    fn step(&mut self, layers: &mut [Layer], grads: &[Layer], inv: f64, cfg: &TrainConfig) {
        const B1: f64 = 0.9;
        const B2: f64 = 0.999;
        self.t += 1;
        let c1 = 1.0 - B1.powi(self.t);
        let c2 = 1.0 - B2.powi(self.t);
        let lr = cfg.learning_rate;
        for (((l, g), m), v) in layers
            .iter_mut()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            let update = |p: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], decay: f64| {
                for k in 0..p.len() {
                    let gk = g[k] * inv;
                    m[k] = B1 * m[k] + (1.0 - B1) * gk;
                    v[k] = B2 * v[k] + (1.0 - B2) * gk * gk;
                    p[k] -= lr * ((m[k] / c1) / ((v[k] / c2).sqrt() + 1e-8) + decay * p[k]);
                }
            };
            update(
                &mut l.weight,
                &g.weight,
                &mut m.weight,
                &mut v.weight,
                cfg.weight_decay,
            );
            update(&mut l.bias, &g.bias, &mut m.bias, &mut v.bias, 0.0);
        }
    }
}
