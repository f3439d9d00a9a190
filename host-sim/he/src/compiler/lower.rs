//! Lowering the IR to a [`Program`]: values kept as affine forms over the
//! sources, linear ops composed into them, non-linear ops computing (see the
//! parent module's docs).

use super::layout::Grid;
use super::sparse::SparseMap;
use super::{Program, Step};
use crate::error::{Error, Result};
use hearth_nn::ir::{numel, Network, Node, Op, Polynomial};

/// A value as `Σ_t M_t·source_t + bias`.
#[derive(Debug, Clone)]
struct Form {
    parts: Vec<(usize, SparseMap)>,
    bias: Vec<f64>,
}

impl Form {
    /// The value of a source as it is.
    fn source(s: usize, width: usize) -> Form {
        Form {
            parts: vec![(s, SparseMap::scaled_identity(width, 1.0))],
            bias: vec![0.0; width],
        }
    }

    /// The source this form is, when it is one unchanged.
    fn as_source(&self) -> Option<usize> {
        match self.parts.as_slice() {
            [(s, m)] if m.is_identity() && self.bias.iter().all(|&b| b == 0.0) => Some(*s),
            _ => None,
        }
    }

    /// `A·self + a`.
    fn then(&self, a: &SparseMap, shift: &[f64]) -> Option<Form> {
        let parts = self
            .parts
            .iter()
            .map(|(s, m)| a.compose(m).map(|am| (*s, am)))
            .collect::<Option<Vec<_>>>()?;
        let bias = a
            .apply(&self.bias)
            .iter()
            .zip(shift)
            .map(|(x, y)| x + y)
            .collect();
        Some(Form { parts, bias })
    }

    /// `self + other`, parts over the same source merged.
    fn plus(&self, other: &Form) -> Form {
        let mut parts = self.parts.clone();
        for (s, m) in &other.parts {
            parts.push((*s, m.clone()));
        }
        let bias = self
            .bias
            .iter()
            .zip(&other.bias)
            .map(|(a, b)| a + b)
            .collect();
        Form { parts, bias }
    }
}

struct Lowering {
    widths: Vec<usize>,
    grids: Vec<Option<Grid>>,
    steps: Vec<Step>,
}

impl Lowering {
    fn define(
        &mut self,
        width: usize,
        grid: Option<Grid>,
        step: impl FnOnce(usize) -> Step,
    ) -> usize {
        let out = self.widths.len();
        self.widths.push(width);
        self.grids.push(grid);
        self.steps.push(step(out));
        out
    }

    /// The source holding `form`'s value (whose positions sit on `grid`),
    /// computing it if it is not one.
    fn materialize(&mut self, node: &str, form: &Form, grid: Option<Grid>) -> Result<usize> {
        if let Some(s) = form.as_source() {
            return Ok(s);
        }
        if form.parts.iter().all(|(_, m)| m.nnz() == 0) {
            return Err(Error::Network(hearth_nn::Error::Network(format!(
                "node `{node}`: its value does not depend on the input"
            ))));
        }
        let width = form.bias.len();
        let (parts, bias) = (form.parts.clone(), form.bias.clone());
        Ok(self.define(width, grid, |out| Step::Linear { parts, bias, out }))
    }

    /// `p(x)` for `x = form`: the powers of `x` computed, the coefficients
    /// left in the returned form.
    fn polynomial(
        &mut self,
        node: &str,
        form: &Form,
        grid: Option<Grid>,
        p: &Polynomial,
    ) -> Result<Form> {
        let x = self.materialize(node, form, grid)?;
        let width = form.bias.len();
        let c = p.coefficients();
        let degree = p.degree();
        let mut powers = vec![usize::MAX, x];
        for k in 2..=degree {
            let a = 1usize << (usize::BITS - 1 - (k - 1).leading_zeros());
            let (left, right) = (powers[a], powers[k - a]);
            powers.push(self.define(width, grid, |out| Step::Product { left, right, out }));
        }
        let parts: Vec<(usize, SparseMap)> = (1..=degree)
            .filter(|&k| c[k] != 0.0)
            .map(|k| (powers[k], SparseMap::scaled_identity(width, c[k])))
            .collect();
        if parts.is_empty() {
            return Err(Error::Network(hearth_nn::Error::Network(format!(
                "node `{node}`: a constant activation makes the output independent of the input"
            ))));
        }
        Ok(Form {
            parts,
            bias: vec![c[0]; width],
        })
    }
}

/// Lowers `net` to a [`Program`]; errors name the node that cannot be
/// lowered ([`Op::Relu`]: replace it first, see
/// [`Network::approximate_relu`]).
pub fn compile(net: &Network) -> Result<Program> {
    net.encryptable()?;
    let inputs = numel(net.input_shape());
    let input_grid = Grid::of_input(net.input_shape());
    let mut low = Lowering {
        widths: vec![inputs],
        grids: vec![input_grid],
        steps: Vec::new(),
    };
    let mut values: Vec<Form> = vec![Form::source(0, inputs)];
    let mut grids: Vec<Option<Grid>> = vec![input_grid];
    for node in net.nodes() {
        let x = &values[node.inputs[0]];
        let x_grid = grids[node.inputs[0]];
        let second = node.inputs.get(1).and_then(|&v| grids[v]);
        grids.push(Grid::after(&node.op, x_grid, second, &node.shape));
        let y = match &node.op {
            Op::Reshape => x.clone(),
            Op::Add => x.plus(&values[node.inputs[1]]),
            Op::Square => {
                let square = Polynomial::new(vec![0.0, 0.0, 1.0]);
                low.polynomial(&node.name, x, x_grid, &square)?
            }
            Op::Poly(p) => low.polynomial(&node.name, x, x_grid, p)?,
            Op::Relu => {
                return Err(Error::Network(hearth_nn::Error::Relu {
                    node: node.name.clone(),
                }))
            }
            _ => {
                let in_shape = net.value_shape(node.inputs[0]).unwrap_or_default();
                let (a, shift) = affine_map(node, in_shape)?;
                x.then(&a, &shift).ok_or_else(|| {
                    Error::Network(hearth_nn::Error::Network(format!(
                        "node `{}`: its matrix does not fit its input",
                        node.name
                    )))
                })?
            }
        };
        values.push(y);
    }
    let out = values.last().cloned().unwrap_or(Form::source(0, inputs));
    // The logits are read compactly by the client.
    let output = low.materialize("output", &out, None)?;
    Ok(Program {
        widths: low.widths,
        grids: low.grids,
        steps: low.steps,
        output,
    })
}

/// The affine map `x ↦ A·x + a` a linear node applies, from the IR's own
/// definition of it: `a` is the node on the zero vector, column `k` of `A`
/// the node on the unit vector `e_k` minus `a` (dense layers are read off
/// their weights).
fn affine_map(node: &Node, in_shape: &[usize]) -> Result<(SparseMap, Vec<f64>)> {
    let bad = || {
        Error::Network(hearth_nn::Error::Network(format!(
            "node `{}`: its weights do not fit its shapes",
            node.name
        )))
    };
    if let Op::Dense(d) = &node.op {
        let rows = d
            .weight
            .chunks_exact(d.inputs)
            .map(|r| (0..).zip(r.iter().copied()).collect())
            .collect();
        return Ok((
            SparseMap::from_rows(d.inputs, rows).ok_or_else(bad)?,
            d.bias.clone(),
        ));
    }
    let mut one = Network::new(in_shape.to_vec())?;
    one.push(
        node.name.clone(),
        node.op.clone(),
        &[0],
        Some(node.shape.clone()),
    )?;
    let n = numel(in_shape);
    let mut e = vec![0.0; n];
    let shift = one.forward(&e)?;
    let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); shift.len()];
    for k in 0..n {
        e[k] = 1.0;
        let y = one.forward(&e)?;
        e[k] = 0.0;
        let col = u32::try_from(k).map_err(|_| bad())?;
        for (r, (v, s)) in y.iter().zip(&shift).enumerate() {
            if v != s {
                rows[r].push((col, v - s));
            }
        }
    }
    Ok((SparseMap::from_rows(n, rows).ok_or_else(bad)?, shift))
}
