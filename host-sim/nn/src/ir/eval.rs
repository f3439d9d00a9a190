//! Plaintext evaluation of a [`Network`] in `f64`: each node applied to the
//! values it reads, straight from the ops' definitions ([`super::ops`]).

use super::{numel, Network, Node, Op};
use crate::error::{Error, Result};
use crate::model::argmax;

impl Network {
    /// Every value of one sample: `out[0]` the input, `out[i + 1]` node `i`'s
    /// output. Errors when `x` does not have the input shape's size.
    pub fn trace(&self, x: &[f64]) -> Result<Vec<Vec<f64>>> {
        if x.len() != numel(self.input_shape()) {
            return Err(Error::Network(format!(
                "input has {} values but the network's input shape {:?} holds {}",
                x.len(),
                self.input_shape(),
                numel(self.input_shape())
            )));
        }
        let mut values = Vec::with_capacity(self.nodes().len() + 1);
        values.push(x.to_vec());
        for node in self.nodes() {
            let y = self.apply(node, &values);
            values.push(y);
        }
        Ok(values)
    }

    /// The logits of one sample (row-major, of [`Network::input_shape`]).
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mut t = self.trace(x)?;
        Ok(t.pop().unwrap_or_default())
    }

    /// The predicted class (arg-max of the logits, first on ties).
    pub fn predict(&self, x: &[f64]) -> Result<usize> {
        Ok(argmax(&self.forward(x)?))
    }

    fn apply(&self, node: &Node, values: &[Vec<f64>]) -> Vec<f64> {
        let x = &values[node.inputs[0]];
        let shape = self.value_shape(node.inputs[0]).unwrap_or_default();
        let map = |f: &dyn Fn(f64) -> f64| x.iter().map(|&v| f(v)).collect();
        match &node.op {
            Op::Dense(d) => d.apply(x),
            Op::Conv2d(c) => c.apply(x, shape[1], shape[2], &node.shape),
            Op::AvgPool(p) => p.apply(x, shape[1], shape[2], &node.shape),
            Op::GlobalAvgPool => {
                let per = shape[1] * shape[2];
                x.chunks_exact(per)
                    .map(|c| c.iter().sum::<f64>() / per as f64)
                    .collect()
            }
            Op::Affine(a) => a.apply(x, shape[0]),
            Op::Reshape => x.clone(),
            Op::Add => x
                .iter()
                .zip(&values[node.inputs[1]])
                .map(|(a, b)| a + b)
                .collect(),
            Op::Square => map(&|v| v * v),
            Op::Poly(p) => map(&|v| p.eval(v)),
            Op::Relu => map(&|v| v.max(0.0)),
        }
    }
}
