//! The program run in plaintext `f64`: the check that lowering kept the
//! network's meaning (tests compare it with [`hearth_nn::ir::Network::forward`])
//! and the calibration of value ranges that sizes the parameters.

use super::{Program, Step};

impl Program {
    /// Every source's values for one sample (`x`: the input, of
    /// [`Program::inputs`] values).
    pub fn trace(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut sources: Vec<Vec<f64>> = Vec::with_capacity(self.widths.len());
        sources.push(x.to_vec());
        for step in &self.steps {
            let y = match step {
                Step::Linear { parts, bias, .. } => {
                    let mut y = bias.clone();
                    for (s, m) in parts {
                        for (yo, v) in y.iter_mut().zip(m.apply(&sources[*s])) {
                            *yo += v;
                        }
                    }
                    y
                }
                Step::Product { left, right, .. } => sources[*left]
                    .iter()
                    .zip(&sources[*right])
                    .map(|(a, b)| a * b)
                    .collect(),
                Step::Bootstrap { source, .. } => sources[*source].clone(),
            };
            sources.push(y);
        }
        sources
    }

    /// The logits of one sample.
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.trace(x).swap_remove(self.output)
    }

    /// Over `samples`: the largest |value| of any computed source (what the
    /// ciphertext moduli above `q_0` must hold) and the largest |logit|
    /// (what `q_0` must hold), each at least 1.
    pub fn ranges(&self, samples: &[Vec<f64>]) -> (f64, f64) {
        let per_source = self.source_ranges(samples);
        let largest = per_source.iter().skip(1).fold(1.0f64, |m, &r| m.max(r));
        (largest, per_source[self.output].max(1.0))
    }

    /// Over `samples`: the largest |value| of each source (0 for none).
    pub fn source_ranges(&self, samples: &[Vec<f64>]) -> Vec<f64> {
        let mut ranges = vec![0.0f64; self.widths.len()];
        for x in samples {
            for (r, v) in ranges.iter_mut().zip(self.trace(x)) {
                *r = v.iter().fold(*r, |m, a| m.max(a.abs()));
            }
        }
        ranges
    }
}
