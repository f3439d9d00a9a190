//! Polynomial activations and their evaluation plan.
//!
//! Plaintext evaluation uses Horner's rule in `f64`. Under encryption a
//! degree-`d` polynomial costs multiplicative depth, so it is evaluated with
//! the Paterson–Stockmeyer scheme (M. S. Paterson and L. J. Stockmeyer, "On
//! the number of nonscalar multiplications necessary to evaluate
//! polynomials", SIAM J. Comput. 2(1), 1973), in the depth-friendly
//! recursive form used for CKKS (J. H. Cheon et al., "Improved bootstrapping
//! for approximate homomorphic encryption", Eurocrypt 2019, §4.2):
//!
//! - baby steps: the powers `x, x², …, x^k` for `k` a power of two near
//!   `√(d + 1)`, each `x^i = x^a · x^(i−a)` with `a` the largest power of two
//!   below `i`, so `x^i` sits at depth `⌈log₂ i⌉`;
//! - the coefficients cut into blocks of `k`, each block
//!   `q_j(x) = Σ_{i<k} c_{jk+i} x^i` a sum of scalar products (one level);
//! - giant steps `y_m = x^(k·2^m)` by squaring, and the blocks joined
//!   pairwise: `p = q_low + y_m · q_high`.
//!
//! [`Plan`] records `k`, the depth and the number of ciphertext products;
//! [`Plan::evaluate`] runs the same recursion in `f64`, so the plan the
//! encrypted evaluator follows is tested against Horner's rule.

/// A polynomial `Σ c_k x^k`, coefficients lowest degree first.
#[derive(Debug, Clone, PartialEq)]
pub struct Polynomial {
    coefficients: Vec<f64>,
}

impl Polynomial {
    /// The polynomial with these coefficients (lowest degree first); trailing
    /// zeros are dropped, the zero polynomial keeps one coefficient.
    pub fn new(mut coefficients: Vec<f64>) -> Self {
        while coefficients.len() > 1 && coefficients.last() == Some(&0.0) {
            coefficients.pop();
        }
        if coefficients.is_empty() {
            coefficients.push(0.0);
        }
        Polynomial { coefficients }
    }

    /// The coefficients, lowest degree first.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// The degree (0 for a constant).
    pub fn degree(&self) -> usize {
        self.coefficients.len() - 1
    }

    /// `p(x)` by Horner's rule.
    pub fn eval(&self, x: f64) -> f64 {
        self.coefficients
            .iter()
            .rev()
            .fold(0.0, |acc, &c| acc * x + c)
    }

    /// `p + q`.
    pub fn add(&self, q: &Polynomial) -> Polynomial {
        let n = self.coefficients.len().max(q.coefficients.len());
        let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
        Polynomial::new(
            (0..n)
                .map(|i| at(&self.coefficients, i) + at(&q.coefficients, i))
                .collect(),
        )
    }

    /// `p · q`.
    pub fn mul(&self, q: &Polynomial) -> Polynomial {
        let mut out = vec![0.0; self.coefficients.len() + q.coefficients.len() - 1];
        for (i, a) in self.coefficients.iter().enumerate() {
            for (j, b) in q.coefficients.iter().enumerate() {
                out[i + j] += a * b;
            }
        }
        Polynomial::new(out)
    }

    /// `s · p`.
    pub fn scale(&self, s: f64) -> Polynomial {
        Polynomial::new(self.coefficients.iter().map(|c| c * s).collect())
    }

    /// The Paterson–Stockmeyer plan for this polynomial.
    pub fn plan(&self) -> Plan {
        Plan::new(self.degree())
    }
}

/// How a polynomial of a given degree is evaluated under encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The degree.
    pub degree: usize,
    /// The baby-step size `k` (a power of two).
    pub baby: usize,
    /// The multiplicative depth, counting a scalar product as one level.
    pub depth: u32,
    /// The number of ciphertext-by-ciphertext products.
    pub products: usize,
}

/// A value of the recursion: its depth (`None` for a plain constant) and the
/// `f64` it stands for.
#[derive(Clone, Copy)]
struct Val {
    depth: Option<u32>,
    value: f64,
}

fn product(a: Val, b: Val, products: &mut usize) -> Val {
    let depth = match (a.depth, b.depth) {
        (Some(x), Some(y)) => {
            *products += 1;
            Some(x.max(y) + 1)
        }
        (Some(x), None) | (None, Some(x)) => Some(x + 1),
        (None, None) => None,
    };
    Val {
        depth,
        value: a.value * b.value,
    }
}

fn sum(a: Val, b: Val) -> Val {
    let depth = match (a.depth, b.depth) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    };
    Val {
        depth,
        value: a.value + b.value,
    }
}

impl Plan {
    /// The plan for degree `degree`.
    pub fn new(degree: usize) -> Plan {
        let mut coefficients = vec![1.0; degree + 1];
        coefficients[0] = 0.5;
        let (plan, _) = Self::run(&coefficients, 0.5);
        plan
    }

    fn baby_size(degree: usize) -> usize {
        let mut k = 1;
        while k * k < degree + 1 {
            k *= 2;
        }
        k.max(2)
    }

    /// `p(x)` evaluated the way the plan prescribes (the same products and
    /// sums, in the same order), in `f64`.
    pub fn evaluate(p: &Polynomial, x: f64) -> f64 {
        Self::run(p.coefficients(), x).1
    }

    fn run(c: &[f64], x: f64) -> (Plan, f64) {
        let degree = c.len() - 1;
        let k = Self::baby_size(degree);
        let mut products = 0;
        let mut pow = vec![Val {
            depth: None,
            value: 1.0,
        }];
        pow.push(Val {
            depth: Some(0),
            value: x,
        });
        for i in 2..=k {
            let a = if i.is_power_of_two() {
                i / 2
            } else {
                1 << i.ilog2()
            };
            let v = product(pow[a], pow[i - a], &mut products);
            pow.push(v);
        }
        let blocks: Vec<Option<Val>> = c
            .chunks(k)
            .map(|block| {
                let mut acc: Option<Val> = None;
                for (i, &ci) in block.iter().enumerate() {
                    if ci == 0.0 {
                        continue;
                    }
                    let coeff = Val {
                        depth: None,
                        value: ci,
                    };
                    let term = product(coeff, pow[i], &mut products);
                    acc = Some(acc.map_or(term, |a| sum(a, term)));
                }
                acc
            })
            .collect();
        let mut giant = vec![pow[k]];
        while (k << giant.len()) < c.len() {
            let g = giant[giant.len() - 1];
            giant.push(product(g, g, &mut products));
        }
        let top = Self::join(&blocks, &giant, &mut products).unwrap_or(Val {
            depth: None,
            value: 0.0,
        });
        let plan = Plan {
            degree,
            baby: k,
            depth: top.depth.unwrap_or(0),
            products,
        };
        (plan, top.value)
    }

    /// `Σ_j blocks[j] · x^(jk)`, halving: low half + y_m · high half.
    fn join(blocks: &[Option<Val>], giant: &[Val], products: &mut usize) -> Option<Val> {
        if blocks.len() <= 1 {
            return blocks.first().copied().flatten();
        }
        let m = (blocks.len() - 1).ilog2() as usize;
        let half = 1 << m;
        let low = Self::join(&blocks[..half], giant, products);
        let high =
            Self::join(&blocks[half..], giant, products).map(|h| product(giant[m], h, products));
        match (low, high) {
            (Some(l), Some(h)) => Some(sum(l, h)),
            (l, h) => l.or(h),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_matches_horner_and_has_logarithmic_depth() {
        for degree in 0..=16usize {
            let c: Vec<f64> = (0..=degree)
                .map(|i| ((i * 7 + 3) % 11) as f64 - 5.0)
                .collect();
            let p = Polynomial::new(c);
            for &x in &[-1.3, -0.2, 0.0, 0.7, 1.9] {
                let (h, ps) = (p.eval(x), Plan::evaluate(&p, x));
                assert!(
                    (h - ps).abs() <= 1e-9 * (1.0 + h.abs()),
                    "deg {degree} x {x}: {h} vs {ps}"
                );
            }
            let plan = Plan::new(degree);
            if degree >= 1 {
                let log = usize::BITS - degree.leading_zeros();
                assert!(
                    plan.depth <= log + 1,
                    "degree {degree}: depth {}",
                    plan.depth
                );
                assert!(plan.depth >= log, "degree {degree}: depth {}", plan.depth);
            }
        }
        assert_eq!(Plan::new(3).depth, 2);
    }

    #[test]
    fn arithmetic() {
        let p = Polynomial::new(vec![1.0, 2.0]);
        let q = Polynomial::new(vec![0.0, 0.0, 3.0]);
        assert_eq!(p.mul(&q).coefficients(), &[0.0, 0.0, 3.0, 6.0]);
        assert_eq!(p.add(&q).coefficients(), &[1.0, 2.0, 3.0]);
        assert_eq!(p.scale(0.0).coefficients(), &[0.0]);
        assert_eq!(Polynomial::new(vec![2.0, 0.0, 0.0]).degree(), 0);
    }
}
