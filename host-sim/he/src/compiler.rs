//! The HE compiler: lowers a network of the IR ([`hearth_nn::ir`]) to a
//! [`Program`] of CKKS steps for the throughput packing (sample `j` of a
//! batch in slot `j` of every ciphertext, one ciphertext per value of the
//! sample: the layout of CryptoNets, Gilad-Bachrach et al., ICML 2016).
//!
//! ## Linear layers are fused, then paid for once
//! Every linear op of the IR — dense, 2-D convolution, average pooling,
//! per-channel affine maps, reshapes, the sum of two branches — is an affine
//! map `x ↦ A·x + a` of the sample's values. In the throughput packing such a
//! map costs no rotation: output `o` is `Σ_k A[o][k]·x_k`, plaintext
//! products of whole ciphertexts. The compiler keeps each value symbolically
//! as `Σ_t M_t·s_t + b`, sparse matrices `M_t` over ciphertext vectors `s_t`
//! already computed (its *sources*), and composes every following linear op
//! into it (`A·M_t`, `A·b + a`). Only a non-linear op makes it compute: one
//! [`Step::Linear`] — the products encoded so that all land on the scale
//! `Δ·q_l`, summed, one rescale, the bias added at `Δ` — so a chain
//! `conv → pool → flatten → dense` costs one level, not four.
//!
//! The same program runs in the latency packing too (one sample per
//! ciphertext, [`latency`]): a linear step is then a diagonal
//! matrix–vector product per source, a product one ciphertext product.
//!
//! A convolution's matrix is sparse (an output reads `C·k_h·k_w` inputs);
//! its rows are found by applying the IR's own definition of the op
//! ([`hearth_nn::ir::Network::forward`] on a one-node network) to the unit
//! vectors, so the lowering has no second copy of the convolution formula.
//!
//! ## Activations are powers, their coefficients folded forward
//! `p(x) = Σ_k c_k x^k` is computed as its powers `x^k` ([`Step::Product`],
//! `x^k = x^a·x^(k−a)` with `a` the largest power of two below `k`, so `x^k`
//! sits `⌈log₂ k⌉` levels down), and the value becomes `Σ_k c_k·I·x^k + c_0`:
//! the coefficients join the next linear step's plaintext constants, as in
//! [`crate::layers`]. A square costs one level, a cubic two.
//!
//! ## Levels, parameters, memory
//! [`Program::depth`] is the longest chain of rescales from the input to the
//! output; [`Program::ranges`] runs the program in plaintext on calibration
//! samples for the largest intermediate and output magnitudes;
//! [`crate::params::select_for_depth`] turns both into CKKS parameters up to
//! `N = 2^16` at 128-bit security, or refuses naming the depth.
//! [`schedule::Schedule`] orders the throughput packing's work so that a
//! wide layer's powers are produced and summed a slice at a time, and
//! counts the ciphertexts alive at once (a source freed after its last
//! use), which sizes the evaluation's memory.
//!
//! ## Deeper than one chain: bootstrapping placed by the compiler
//! A network whose depth no chain at 128-bit security holds runs on a
//! bootstrapping preset's chain: its ciphertexts live on the preset's user
//! levels, and [`Program::with_bootstraps`] inserts a [`Step::Bootstrap`]
//! wherever a source would be read with no level left ([`bootstrap`] has
//! the placement rule and the scaling of the refreshed values).

pub mod bootstrap;
mod encrypted;
pub mod latency;
pub mod layout;
mod lower;
mod plain;
pub mod schedule;
pub mod sparse;
pub mod streamed;
#[cfg(test)]
mod tests;

pub use bootstrap::{NoRefresh, Refresh};
pub use encrypted::{evaluate, evaluate_scheduled};
pub use lower::compile;
pub use sparse::SparseMap;

/// One step of a [`Program`]; sources are numbered, source 0 the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `out = Σ_t M_t·source_t + bias`, one rescale.
    Linear {
        /// `(source, M_t)`: every `M_t` has `bias.len()` rows and the
        /// source's width as columns.
        parts: Vec<(usize, SparseMap)>,
        /// The constant added to each output.
        bias: Vec<f64>,
        /// The source this step defines.
        out: usize,
    },
    /// `out = left ⊙ right` element-wise (a square when they are equal),
    /// one relinearization and one rescale per element.
    Product {
        /// The left factor.
        left: usize,
        /// The right factor (of the same width).
        right: usize,
        /// The source this step defines.
        out: usize,
    },
    /// `out = source`, refreshed by a bootstrap to the top user level
    /// (each of the source's ciphertexts in the throughput packing, its one
    /// ciphertext in the latency packing); no rescale.
    Bootstrap {
        /// The source refreshed.
        source: usize,
        /// A power of two at least the calibrated largest |value| of the
        /// source times the margin: the values are divided by it for the
        /// bootstrap (whose input must lie in [−1, 1]) and multiplied back.
        range: f64,
        /// The source this step defines.
        out: usize,
    },
}

impl Step {
    /// The source the step defines.
    pub fn out(&self) -> usize {
        match self {
            Step::Linear { out, .. } | Step::Product { out, .. } | Step::Bootstrap { out, .. } => {
                *out
            }
        }
    }

    /// The sources the step reads.
    pub fn reads(&self) -> Vec<usize> {
        match self {
            Step::Linear { parts, .. } => parts.iter().map(|(s, _)| *s).collect(),
            Step::Product { left, right, .. } => vec![*left, *right],
            Step::Bootstrap { source, .. } => vec![*source],
        }
    }
}

/// A network lowered to CKKS steps (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The width of each source (source 0: the input).
    widths: Vec<usize>,
    /// Where each source's spatial positions sit, for `[C, H, W]` sources
    /// ([`layout::Grid`]; the latency packing's layouts start from it).
    grids: Vec<Option<layout::Grid>>,
    /// The steps, in order; step `i` defines source `i + 1`.
    steps: Vec<Step>,
    /// The source holding the logits.
    output: usize,
}

impl Program {
    /// The number of input values per sample.
    pub fn inputs(&self) -> usize {
        self.widths[0]
    }

    /// The number of logits.
    pub fn outputs(&self) -> usize {
        self.widths[self.output]
    }

    /// The steps, in evaluation order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The width of `source`.
    pub fn width(&self, source: usize) -> usize {
        self.widths[source]
    }

    /// The grid of `source`'s spatial positions, when it has one.
    pub fn grid(&self, source: usize) -> Option<layout::Grid> {
        self.grids[source]
    }

    /// The step defining `source` (`None` for the input).
    pub fn defining_step(&self, source: usize) -> Option<usize> {
        source.checked_sub(1)
    }

    /// The source holding the logits.
    pub fn output(&self) -> usize {
        self.output
    }

    /// The rescales on the longest path from the input or the last
    /// bootstrap to each source: the levels each source has consumed.
    pub fn levels_used(&self) -> Vec<usize> {
        self.rescales(true)
    }

    /// The multiplicative depth of the network: rescales from the input to
    /// the logits, bootstraps or not.
    pub fn depth(&self) -> usize {
        self.rescales(false)[self.output]
    }

    /// The levels a chain must give between refreshes: the most any source
    /// consumes since the input or its last bootstrap ([`Program::depth`]
    /// for a program without bootstraps).
    pub fn chain_depth(&self) -> usize {
        self.levels_used().into_iter().max().unwrap_or(0)
    }

    /// Rescales on the longest path to each source, counted from the last
    /// bootstrap when `from_refresh`, from the input otherwise.
    fn rescales(&self, from_refresh: bool) -> Vec<usize> {
        let mut used = vec![0usize; self.widths.len()];
        for step in &self.steps {
            let deepest = step.reads().iter().map(|&s| used[s]).max().unwrap_or(0);
            used[step.out()] = match step {
                Step::Bootstrap { .. } if from_refresh => 0,
                Step::Bootstrap { .. } => deepest,
                _ => deepest + 1,
            };
        }
        used
    }

    /// The bootstrap steps, and the ciphertexts they refresh per batch in
    /// the throughput packing (per sample in the latency packing: the
    /// steps).
    pub fn bootstraps(&self) -> (usize, usize) {
        self.steps
            .iter()
            .filter_map(|step| match step {
                Step::Bootstrap { out, .. } => Some(self.widths[*out]),
                _ => None,
            })
            .fold((0, 0), |(n, w), width| (n + 1, w + width))
    }

    /// For each source, the index of the last step that reads it (`None`
    /// for the output and for sources nothing reads).
    pub fn last_uses(&self) -> Vec<Option<usize>> {
        let mut last = vec![None; self.widths.len()];
        for (i, step) in self.steps.iter().enumerate() {
            for s in step.reads() {
                last[s] = Some(i);
            }
        }
        last[self.output] = None;
        last
    }

    /// The most sources alive at once: the ciphertexts per sample in the
    /// latency packing, which evaluates every step whole.
    pub fn peak_sources(&self) -> usize {
        schedule::Schedule::whole(self).peak_by(self, |_, _| 1)
    }

    /// The plaintext products of all linear steps (their cost under
    /// encryption), and the ciphertext products of all product steps.
    pub fn counts(&self) -> (usize, usize) {
        let mut products = (0, 0);
        for step in &self.steps {
            match step {
                Step::Linear { parts, .. } => {
                    products.0 += parts.iter().map(|(_, m)| m.nnz()).sum::<usize>()
                }
                Step::Product { out, .. } => products.1 += self.widths[*out],
                Step::Bootstrap { .. } => {}
            }
        }
        products
    }
}
