//! Where the latency packing puts each value of a source in the slots.
//!
//! A linear step of the latency packing costs one plaintext per non-zero
//! generalized diagonal of its matrix *in slot coordinates*: an entry
//! `M[r][c]` lies on diagonal `(slot(c) − slot(r)) mod m` ([`crate::linear`]).
//! Which diagonals a convolution fills therefore depends on the layouts of
//! its input and output, not only on its weights:
//!
//! - laid out compactly (value `i` in slot `i`), the output of a strided
//!   convolution or a pooling sits closer together than the inputs it
//!   reads, so `slot(c) − slot(r)` changes with the output's position and
//!   almost every diagonal is used (`m` plaintexts for `m` outputs);
//! - laid out on the input's grid — output `(y, x)` of a stride-`s` op in
//!   the slot of input position `(s·y, s·x)` — every output reads the same
//!   offsets from its own slot, so a `k×k` kernel fills `k²` diagonals per
//!   pair of channel origins, whatever the image size.
//!
//! A grid left sparse by a stride has holes, and the channels of the next
//! layer are placed in them (each channel at the first origin where all its
//! positions are free): the multiplexed packing of Lee et al. ("Low-Complexity
//! Deep Convolutional Neural Networks on Fully Homomorphic Encryption Using
//! Multiplexed Parallel Convolutions", ICML 2022), found here by a greedy
//! search over origins rather than by a formula, so any stride and padding
//! fit. [`Grid`] records where a value's positions sit (tracked through the
//! IR by the lowering); [`SlotLayout`] is a source's placement, chosen per
//! step by [`super::latency::LatencyPlan`] (the grid's when it needs fewer
//! diagonals and no more slots, the compact one otherwise).

use hearth_nn::ir::Op;

/// Where the spatial positions of a `[C, H, W]` value sit, in slots of the
/// input image's row-major layout: position `(y, x)` of every channel lies
/// `y·row_stride + x·col_stride` slots after its channel's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Channels `C`.
    pub channels: usize,
    /// Rows `H`.
    pub height: usize,
    /// Columns `W`.
    pub width: usize,
    /// Slots between two rows.
    pub row_stride: usize,
    /// Slots between two columns.
    pub col_stride: usize,
}

impl Grid {
    /// The grid of an input of `shape`: row-major, when it is `[C, H, W]`.
    #[must_use]
    pub fn of_input(shape: &[usize]) -> Option<Grid> {
        match *shape {
            [channels, height, width] => Some(Grid {
                channels,
                height,
                width,
                row_stride: width,
                col_stride: 1,
            }),
            _ => None,
        }
    }

    /// The grid of `op`'s output of shape `out`, given its first input's
    /// grid (`second`: an addition's other input): a window op's output
    /// `(y, x)` is anchored at its input position `(s_v·y, s_h·x)`; element-wise
    /// ops keep the grid; dense layers and reshapes have none.
    #[must_use]
    pub fn after(
        op: &Op,
        input: Option<Grid>,
        second: Option<Grid>,
        out: &[usize],
    ) -> Option<Grid> {
        let g = input?;
        let strided = |stride: (usize, usize)| match *out {
            [channels, height, width] => Some(Grid {
                channels,
                height,
                width,
                row_stride: g.row_stride.checked_mul(stride.0)?,
                col_stride: g.col_stride.checked_mul(stride.1)?,
            }),
            _ => None,
        };
        match op {
            Op::Conv2d(c) => strided(c.stride),
            Op::AvgPool(p) => strided(p.stride),
            Op::GlobalAvgPool => strided((1, 1)),
            Op::Affine(_) | Op::Square | Op::Poly(_) | Op::Relu => Some(g),
            Op::Add => (second == Some(g)).then_some(g),
            Op::Dense(_) | Op::Reshape => None,
        }
    }

    /// The offsets of one channel's positions from its origin, in
    /// row-major order of `(y, x)`.
    fn offsets(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.height).flat_map(move |y| {
            (0..self.width).map(move |x| y * self.row_stride + x * self.col_stride)
        })
    }
}

/// A source's values in the slots: value `i` in slot `slot(i)` of a period
/// of `period` slots (a power of two), repeated across the ciphertext;
/// slots holding no value hold zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotLayout {
    slots: Vec<u32>,
    period: usize,
}

impl SlotLayout {
    /// Value `i` in slot `i`.
    #[must_use]
    pub fn compact(width: usize) -> Self {
        SlotLayout {
            slots: (0..width).map(|i| i as u32).collect(),
            period: width.max(1).next_power_of_two(),
        }
    }

    /// The values of a `[C, H, W]` source on `grid`: channel by channel,
    /// each at the smallest origin where all its positions are free, all
    /// within `limit` slots; `None` when they do not fit.
    #[must_use]
    pub fn on_grid(grid: &Grid, limit: usize) -> Option<Self> {
        let offsets: Vec<usize> = grid.offsets().collect();
        let span = offsets.iter().max().map_or(0, |m| m + 1);
        if span > limit || u32::try_from(limit).is_err() {
            return None;
        }
        let mut taken = vec![false; limit];
        let mut slots = Vec::with_capacity(grid.channels * offsets.len());
        let mut origin = 0;
        for _ in 0..grid.channels {
            // Channels are placed in order, so the next one's origin is
            // never below the previous one's.
            while origin + span <= limit && offsets.iter().any(|&o| taken[origin + o]) {
                origin += 1;
            }
            if origin + span > limit {
                return None;
            }
            for &o in &offsets {
                taken[origin + o] = true;
                slots.push((origin + o) as u32);
            }
        }
        let used = slots.iter().max().map_or(0, |&s| s as usize + 1);
        Some(SlotLayout {
            slots,
            period: used.max(1).next_power_of_two(),
        })
    }

    /// The slot of value `i`.
    #[must_use]
    pub fn slot(&self, i: usize) -> usize {
        self.slots[i] as usize
    }

    /// The number of values placed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no value is placed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The period: slots one copy of the values spans.
    #[must_use]
    pub fn period(&self) -> usize {
        self.period
    }

    /// Whether value `i` sits in slot `i` for every `i`.
    #[must_use]
    pub fn is_compact(&self) -> bool {
        self.slots.iter().enumerate().all(|(i, &s)| s as usize == i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_fill_the_holes_a_stride_leaves() {
        // 28×28 pooled by 2: 14×14 positions on every other row and column
        // of the input's grid; four channels fit one 28×28 block.
        let g = Grid {
            channels: 6,
            height: 14,
            width: 14,
            row_stride: 56,
            col_stride: 2,
        };
        let l = SlotLayout::on_grid(&g, 4096).unwrap();
        let origin = |c: usize| l.slot(c * 196);
        assert_eq!(
            (0..6).map(origin).collect::<Vec<_>>(),
            [0, 1, 28, 29, 784, 785]
        );
        let mut seen = std::collections::HashSet::new();
        assert!((0..6 * 196).all(|i| seen.insert(l.slot(i))));
        assert_eq!(l.slot(196 + 14 + 3), 1 + 56 + 6);
        assert_eq!(l.period(), 2048);
        assert!(SlotLayout::on_grid(&g, 1024).is_none());
    }

    #[test]
    fn a_dense_grid_is_the_compact_layout() {
        let g = Grid::of_input(&[3, 5, 7]).unwrap();
        let l = SlotLayout::on_grid(&g, 128).unwrap();
        assert_eq!(l, SlotLayout::compact(105));
        assert!(l.is_compact());
        assert_eq!(l.period(), 128);
    }
}
