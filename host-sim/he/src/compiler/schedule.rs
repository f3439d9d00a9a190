//! The order in which the throughput packing evaluates a [`Program`], so
//! that its memory stays bounded however wide its layers.
//!
//! In the throughput packing every value of a sample is a ciphertext, and
//! an activation after a wide layer holds its powers of every value at
//! once: `mnist_c`'s first convolution and pool have 1,568 outputs, and
//! the linear step after its cubic reads `x`, `x²` and `x³` of all of them
//! — with its inputs and outputs 10,976 polynomials, about 40 GiB at
//! `N = 2^15` and 15 primes.
//!
//! Those powers are element-wise: value `i`'s powers need value `i` alone.
//! A [`Region`] is a linear step (its *sum*) together with the steps that
//! produce the element-wise values it reads and nothing else reads (the
//! products, and the linear step defining their base when only the region
//! reads it). Its values are produced a slice of `chunk` indices at a time
//! and each slice is summed into the sum step's outputs
//! ([`hearth_kernels::ckks::Evaluator::mul_const_sums_into`]), then
//! dropped: the region holds its outputs' sums and one slice, not the
//! layer (a region of at most two slices' values runs whole). Each output is the canonical residue of the same exact sum, so
//! the ciphertexts are bit for bit those of evaluating step by step (the
//! tests check it). This is the loop fusion of an element-wise map into the
//! reduction that consumes it (Kennedy and Allen, *Optimizing Compilers for
//! Modern Architectures*, 2001, ch. 8), applied to ciphertexts.

use super::{encrypted::unrelinearized_sources, Program, Step};

/// Ciphertexts a region's slice may hold: its chunk is this divided by
/// the steps producing values per index (384 ciphertexts at `N = 2^15`
/// and 15 primes: at most 1.4 GiB).
pub const SLICE_CIPHERTEXTS: usize = 384;

/// A linear step and the element-wise steps evaluated a slice at a time
/// with it (module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The index of the linear step the region's values are summed by.
    pub sum: usize,
    /// The indices of the steps producing the values per slice, in program
    /// order: a linear step whose outputs only the region reads (first,
    /// when there is one), then products.
    pub members: Vec<usize>,
    /// The number of element-wise indices (the width of every value the
    /// region produces).
    pub width: usize,
    /// Indices per slice.
    pub chunk: usize,
}

/// What the evaluation does at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Evaluated whole, in program order.
    Alone,
    /// Produced a slice at a time by region `r` when its sum step is
    /// reached.
    Member(usize),
    /// The sum step of region `r`: the region is evaluated here.
    Sum(usize),
}

/// The regions of a program and the role of each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    regions: Vec<Region>,
    roles: Vec<Role>,
}

impl Schedule {
    /// Every step evaluated whole, in program order.
    pub fn whole(program: &Program) -> Self {
        Schedule {
            regions: Vec::new(),
            roles: vec![Role::Alone; program.steps().len()],
        }
    }

    /// The schedule with slices of at most [`SLICE_CIPHERTEXTS`].
    pub fn new(program: &Program) -> Self {
        Self::with_slice(program, SLICE_CIPHERTEXTS)
    }

    /// The regions holding more than two slices' worth of values, each in
    /// slices of at most `slice` ciphertexts (a smaller region is evaluated
    /// whole: the same work in the same order).
    pub fn with_slice(program: &Program, slice: usize) -> Self {
        let mut schedule = Self::whole(program);
        let readers = readers(program);
        let lazy = unrelinearized_sources(program);
        for (j, step) in program.steps().iter().enumerate() {
            if !matches!(step, Step::Linear { .. }) {
                continue;
            }
            let Some((members, width)) = schedule.members(program, &readers, &lazy, j) else {
                continue;
            };
            // A region of at most two slices' values runs whole: slicing
            // it would save little memory and re-read its base's inputs.
            if members.len() * width <= 2 * slice {
                continue;
            }
            let chunk = (slice / members.len()).max(1);
            let r = schedule.regions.len();
            for &m in &members {
                schedule.roles[m] = Role::Member(r);
            }
            schedule.roles[j] = Role::Sum(r);
            schedule.regions.push(Region {
                sum: j,
                members,
                width,
                chunk,
            });
        }
        schedule
    }

    /// The steps a region summed by step `j` would produce a slice at a
    /// time, and their width: the products its values come from (all of
    /// one width, read by no step outside), and the linear step defining
    /// their base when it has their width, nothing outside reads it and no
    /// earlier region holds it. `None` when there is no product to slice,
    /// or one is read outside. The step's other inputs are read whole.
    fn members(
        &self,
        program: &Program,
        readers: &[Vec<usize>],
        lazy: &[bool],
        j: usize,
    ) -> Option<(Vec<usize>, usize)> {
        let steps = program.steps();
        let mut products: Vec<usize> = Vec::new();
        let mut roots = Vec::new();
        let mut stack = steps[j].reads();
        while let Some(s) = stack.pop() {
            let defined = program.defining_step(s);
            match defined.map(|d| (d, &steps[d])) {
                Some((d, Step::Product { left, right, .. })) => {
                    let first = products.first().map(|&p| program.width(steps[p].out()));
                    if first.is_some_and(|w| w != program.width(s)) || self.roles[d] != Role::Alone
                    {
                        return None;
                    }
                    if !products.contains(&d) {
                        products.push(d);
                        stack.extend([*left, *right]);
                    }
                }
                _ => roots.push(s),
            }
        }
        let width = program.width(steps[*products.first()?].out());
        let inside = |d: usize| d == j || products.contains(&d);
        if products
            .iter()
            .any(|&d| !readers[steps[d].out()].iter().all(|&r| inside(r)))
        {
            return None;
        }
        let mut members = products.clone();
        for s in roots {
            let Some(d) = program.defining_step(s) else {
                continue;
            };
            // Its inputs are whole ciphertexts (an unrelinearized source
            // is summed whole by the step alone).
            let absorbed = matches!(steps[d], Step::Linear { .. })
                && program.width(s) == width
                && self.roles[d] == Role::Alone
                && readers[s].iter().all(|&r| inside(r))
                && steps[d].reads().iter().all(|&x| !lazy[x])
                && !members.contains(&d);
            if absorbed {
                members.push(d);
            }
        }
        members.sort_unstable();
        Some((members, width))
    }

    /// Whether this schedule has a role for each of `program`'s steps (it
    /// was made for a program of as many steps).
    pub fn fits(&self, program: &Program) -> bool {
        self.roles.len() == program.steps().len()
    }

    /// The regions, in program order of their sum steps.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The role of step `i`.
    pub fn role(&self, i: usize) -> Role {
        self.roles[i]
    }

    /// The step at which each source is last read (`None` for the output
    /// and for sources nothing reads), a region's members reading at its
    /// sum step.
    pub fn last_uses(&self, program: &Program) -> Vec<Option<usize>> {
        let mut last = vec![None; program.widths.len()];
        for (i, step) in program.steps().iter().enumerate() {
            let at = match self.roles[i] {
                Role::Member(r) => self.regions[r].sum,
                _ => i,
            };
            for s in step.reads() {
                last[s] = Some(last[s].map_or(at, |l: usize| l.max(at)));
            }
        }
        last[program.output()] = None;
        last
    }

    /// The most polynomials alive at once (per batch): two per ciphertext,
    /// three per product kept unrelinearized ([`super::evaluate`]); a
    /// region holds its sums and one slice of its members' values.
    pub fn peak_polys(&self, program: &Program) -> usize {
        let lazy = unrelinearized_sources(program);
        self.peak_by(program, |s, values| values * if lazy[s] { 3 } else { 2 })
    }

    /// The most ciphertexts (per batch) alive at once.
    pub fn peak_live(&self, program: &Program) -> usize {
        self.peak_by(program, |_, values| values)
    }

    /// The largest sum of `size(source, values)` over what is alive at
    /// once: each source alive with its width as `values`, a region's sums
    /// (as many as its outputs, sized as its first part's values) and one
    /// slice of each member's values.
    pub(super) fn peak_by(&self, program: &Program, size: impl Fn(usize, usize) -> usize) -> usize {
        let last = self.last_uses(program);
        let whole = |s: usize| size(s, program.width(s));
        let mut live = whole(0);
        let mut peak = live;
        for (i, step) in program.steps().iter().enumerate() {
            match self.roles[i] {
                Role::Member(_) => continue,
                Role::Alone => live += whole(step.out()),
                Role::Sum(r) => {
                    let region = &self.regions[r];
                    let outputs = program.width(step.out());
                    let first = step.reads()[0];
                    let sums = size(first, outputs).max(size(step.out(), outputs));
                    let slice: usize = region
                        .members
                        .iter()
                        .map(|&m| size(program.steps()[m].out(), region.chunk))
                        .sum();
                    peak = peak.max(live + sums + slice);
                    live += whole(step.out());
                }
            }
            peak = peak.max(live);
            for (s, l) in last.iter().enumerate() {
                let made_by_member = program
                    .defining_step(s)
                    .is_some_and(|d| matches!(self.roles[d], Role::Member(_)));
                if *l == Some(i) && !made_by_member {
                    live -= whole(s);
                }
            }
        }
        peak
    }
}

/// For each source, the steps that read it.
fn readers(program: &Program) -> Vec<Vec<usize>> {
    let mut readers = vec![Vec::new(); program.widths.len()];
    for (i, step) in program.steps().iter().enumerate() {
        for s in step.reads() {
            if !readers[s].contains(&i) {
                readers[s].push(i);
            }
        }
    }
    readers
}
