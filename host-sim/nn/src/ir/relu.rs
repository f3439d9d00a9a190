//! Replacing ReLU by a polynomial fitted on the calibrated range.
//!
//! For each [`Op::Relu`] node the plaintext network is run on calibration
//! samples (earlier ReLUs already replaced, so later ranges see the
//! approximation they will get) and `r` is the largest |input| the node
//! sees. The replacement is the least-squares polynomial of the requested
//! degree fitted to `max(x, 0)` on 2,001 evenly spaced points of `[−r, r]`,
//! solved in the Chebyshev basis of `t = x/r` (well conditioned: the basis
//! is orthogonal for this sampling up to O(1/n)), then expanded to monomial
//! coefficients in `x`. The report gives the largest and the root-mean-square
//! error on those points (L. N. Trefethen, *Approximation Theory and
//! Approximation Practice*, SIAM 2013, ch. 3 and 11).

use super::{Network, Op, Polynomial};
use crate::error::{Error, Result};

/// How one ReLU was replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct ReluFit {
    /// The node's name.
    pub node: String,
    /// The calibrated half-width `r` of the fitted range `[−r, r]`.
    pub range: f64,
    /// The fitted polynomial (in `x`, lowest degree first).
    pub polynomial: Polynomial,
    /// The largest |p(x) − max(x, 0)| on the fitting grid.
    pub max_error: f64,
    /// The root-mean-square error on the fitting grid.
    pub rms_error: f64,
}

/// The number of fitting points.
const POINTS: usize = 2001;
/// The highest degree accepted.
pub const MAX_DEGREE: usize = 31;

impl Network {
    /// Replaces every [`Op::Relu`] by its degree-`degree` least-squares fit
    /// on the range `samples` reach there; returns one [`ReluFit`] per node.
    pub fn approximate_relu(
        &mut self,
        degree: usize,
        samples: &[Vec<f64>],
    ) -> Result<Vec<ReluFit>> {
        if !(2..=MAX_DEGREE).contains(&degree) {
            return Err(Error::OutOfRange {
                what: "the ReLU approximation degree",
                value: degree.to_string(),
                range: "from 2 to 31",
            });
        }
        if samples.is_empty() {
            return Err(Error::Network(
                "replacing ReLU needs calibration samples; none were given".into(),
            ));
        }
        let mut fits = Vec::new();
        while let Some(i) = self.nodes().iter().position(|n| n.op == Op::Relu) {
            let src = self.nodes()[i].inputs[0];
            let mut range = 0.0f64;
            for s in samples {
                let t = self.trace(s)?;
                range = t[src].iter().fold(range, |m, v| m.max(v.abs()));
            }
            let range = if range > 0.0 { range } else { 1.0 };
            let fit = fit(&self.nodes()[i].name, degree, range);
            self.replace_op(i, Op::Poly(fit.polynomial.clone()))?;
            fits.push(fit);
        }
        Ok(fits)
    }
}

/// The least-squares fit of `max(x, 0)` on `[−range, range]`.
pub fn fit(node: &str, degree: usize, range: f64) -> ReluFit {
    let n = degree + 1;
    let ts: Vec<f64> = (0..POINTS)
        .map(|i| -1.0 + 2.0 * i as f64 / (POINTS - 1) as f64)
        .collect();
    let cheb = |t: f64| {
        let mut v = vec![1.0, t];
        while v.len() < n {
            let k = v.len();
            v.push(2.0 * t * v[k - 1] - v[k - 2]);
        }
        v.truncate(n);
        v
    };
    // Normal equations A^T A c = A^T y in the Chebyshev basis.
    let mut ata = vec![vec![0.0; n]; n];
    let mut aty = vec![0.0; n];
    for &t in &ts {
        let row = cheb(t);
        let y = (t * range).max(0.0) / range;
        for i in 0..n {
            aty[i] += row[i] * y;
            for j in 0..n {
                ata[i][j] += row[i] * row[j];
            }
        }
    }
    let c = solve(ata, aty);
    // Chebyshev → monomials in t, then t = x/range and the output scaled back.
    let mut t_pow = vec![0.0; n];
    let (mut prev, mut cur) = (vec![1.0], vec![0.0, 1.0]);
    for (k, ck) in c.iter().enumerate() {
        let tk: &Vec<f64> = if k == 0 { &prev } else { &cur };
        for (i, a) in tk.iter().enumerate() {
            t_pow[i] += ck * a;
        }
        if k >= 1 {
            let mut next = vec![0.0; cur.len() + 1];
            for (i, a) in cur.iter().enumerate() {
                next[i + 1] += 2.0 * a;
            }
            for (i, a) in prev.iter().enumerate() {
                next[i] -= a;
            }
            prev = std::mem::replace(&mut cur, next);
        }
    }
    let x_pow: Vec<f64> = t_pow
        .iter()
        .enumerate()
        .map(|(i, a)| a * range / range.powi(i as i32))
        .collect();
    let polynomial = Polynomial::new(x_pow);
    let (mut max_error, mut sq) = (0.0f64, 0.0);
    for &t in &ts {
        let x = t * range;
        let e = (polynomial.eval(x) - x.max(0.0)).abs();
        max_error = max_error.max(e);
        sq += e * e;
    }
    ReluFit {
        node: node.to_string(),
        range,
        polynomial,
        max_error,
        rms_error: (sq / POINTS as f64).sqrt(),
    }
}

/// Gaussian elimination with partial pivoting on a small dense system.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let p = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, p);
        b.swap(col, p);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            let pivot = a[col].clone();
            for (x, p) in a[r].iter_mut().zip(&pivot).skip(col) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_approaches_relu_as_the_degree_grows() {
        let mut last = f64::INFINITY;
        for degree in [2, 4, 8, 16] {
            let f = fit("r", degree, 3.0);
            assert!(
                f.max_error < last,
                "degree {degree}: {} ≥ {last}",
                f.max_error
            );
            // Independent check on points off the fitting grid.
            for i in 0..97 {
                let x = -3.0 + 6.0 * (i as f64 + 0.37) / 97.0;
                let e = (f.polynomial.eval(x) - x.max(0.0)).abs();
                assert!(
                    e <= f.max_error * 1.01 + 1e-12,
                    "degree {degree} x {x}: {e}"
                );
            }
            last = f.max_error;
        }
        // Degree 2 least squares of |x|/2 + x/2 on [−1, 1] (scaled by 3):
        // |t| ≈ 3/16 + 15/16 t² (continuous L2 fit), so max(x,0) ≈ 3(t/2 + 3/32 + 15/32 t²).
        let f = fit("r", 2, 3.0);
        let c = f.polynomial.coefficients();
        assert!((c[0] - 9.0 / 32.0).abs() < 1e-2, "{c:?}");
        assert!((c[1] - 0.5).abs() < 1e-9, "{c:?}");
        assert!((c[2] - 15.0 / 96.0).abs() < 1e-2, "{c:?}");
    }
}
