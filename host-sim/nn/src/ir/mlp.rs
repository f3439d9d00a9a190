//! `hearth-mlp-v1` models as IR networks: the optional standardisation
//! becomes an [`Op::Affine`] (`x' = x/scale − mean/scale`), each layer an
//! [`Op::Dense`], the activation between layers an [`Op::Square`] or
//! [`Op::Poly`]. The network computes the same logits as [`Mlp::forward`].

use super::{Affine, Dense, Network, Op, Polynomial};
use crate::error::Result;
use crate::model::{Activation, Mlp};

impl Network {
    /// The IR form of a `hearth-mlp-v1` model.
    pub fn from_mlp(mlp: &Mlp) -> Result<Network> {
        let mut net = Network::new(vec![mlp.inputs()])?;
        let mut v = 0;
        if let Some((mean, scale)) = &mlp.standardise {
            let affine = Affine {
                scale: scale.iter().map(|s| 1.0 / s).collect(),
                shift: mean.iter().zip(scale).map(|(m, s)| -m / s).collect(),
            };
            v = net.push("input.standardise", Op::Affine(affine), &[v], None)?;
        }
        let act = match &mlp.activation {
            Activation::Square => Op::Square,
            Activation::Poly(c) => Op::Poly(Polynomial::new(c.clone())),
        };
        for (i, l) in mlp.layers.iter().enumerate() {
            let dense = Dense {
                weight: l.weight.clone(),
                bias: l.bias.clone(),
                inputs: l.inputs,
                outputs: l.outputs,
            };
            v = net.push(format!("layers.{i}"), Op::Dense(dense), &[v], None)?;
            if i + 1 < mlp.layers.len() {
                v = net.push(format!("layers.{i}.activation"), act.clone(), &[v], None)?;
            }
        }
        Ok(net)
    }
}

#[cfg(test)]
mod tests {
    use crate::bundled::CASES;
    use crate::ir::Network;
    use crate::model::Mlp;
    use crate::Dataset;
    use std::path::Path;

    #[test]
    fn bundled_mlps_give_the_same_logits_as_the_ir() {
        for case in CASES {
            let mlp = Mlp::from_bytes(case.name, case.model).unwrap();
            let net = Network::from_mlp(&mlp).unwrap();
            assert_eq!(net.input_shape(), [mlp.inputs()]);
            assert_eq!(net.output_shape(), [mlp.outputs()]);
            let data = Dataset::parse(Path::new(case.name), case.csv).unwrap();
            for x in data.rows.iter().take(200) {
                let (a, b) = (mlp.forward(x), net.forward(x).unwrap());
                let scale = a.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                for (a, b) in a.iter().zip(&b) {
                    assert!((a - b).abs() <= 1e-9 * scale, "{}: {a} vs {b}", case.name);
                }
            }
        }
    }
}
