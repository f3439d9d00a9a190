//! Sparse linear maps stored by rows: the form every linear layer of a
//! network takes once lowered (a convolution over a 28×28 image touches at
//! most `C·k_h·k_w` inputs per output), and their composition.

/// `y = M·x` for an `rows × cols` matrix `M` stored row by row, each row a
/// list of `(column, value)` in increasing column order with no zero value.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseMap {
    cols: usize,
    rows: Vec<Vec<(u32, f64)>>,
}

impl SparseMap {
    /// The `n × n` identity scaled by `c` (empty rows when `c` is 0).
    pub fn scaled_identity(n: usize, c: f64) -> Self {
        let rows = (0..n)
            .map(|i| {
                if c == 0.0 {
                    Vec::new()
                } else {
                    vec![(i as u32, c)]
                }
            })
            .collect();
        SparseMap { cols: n, rows }
    }

    /// A map from explicit rows; zero entries are dropped and each row is
    /// sorted by column. `None` when a column is `≥ cols` or `cols` exceeds
    /// `u32::MAX`.
    pub fn from_rows(cols: usize, rows: Vec<Vec<(u32, f64)>>) -> Option<Self> {
        if u32::try_from(cols).is_err() {
            return None;
        }
        let mut out = Vec::with_capacity(rows.len());
        for mut row in rows {
            if row.iter().any(|&(c, _)| c as usize >= cols) {
                return None;
            }
            row.retain(|&(_, v)| v != 0.0);
            row.sort_by_key(|&(c, _)| c);
            out.push(row);
        }
        Some(SparseMap { cols, rows: out })
    }

    /// Number of outputs.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Number of inputs.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i`: its non-zero `(column, value)` pairs.
    pub fn row(&self, i: usize) -> &[(u32, f64)] {
        &self.rows[i]
    }

    /// The number of non-zero entries (the plaintext products the map costs
    /// under encryption in the throughput packing).
    pub fn nnz(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Whether this is the `n × n` identity.
    pub fn is_identity(&self) -> bool {
        self.rows.len() == self.cols
            && self
                .rows
                .iter()
                .enumerate()
                .all(|(i, r)| r.len() == 1 && r[0] == (i as u32, 1.0))
    }

    /// `M·x`; `x` must have [`SparseMap::cols`] values.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.rows
            .iter()
            .map(|r| r.iter().map(|&(c, v)| v * x[c as usize]).sum())
            .collect()
    }

    /// The product `self · inner` (apply `inner`, then `self`); `None` when
    /// `self.cols() != inner.rows()`.
    pub fn compose(&self, inner: &SparseMap) -> Option<SparseMap> {
        if self.cols != inner.rows.len() {
            return None;
        }
        let mut acc = vec![0.0f64; inner.cols];
        let mut seen = vec![false; inner.cols];
        let mut touched: Vec<u32> = Vec::new();
        let rows = self
            .rows
            .iter()
            .map(|row| {
                for &(k, a) in row {
                    for &(j, w) in &inner.rows[k as usize] {
                        if !seen[j as usize] {
                            seen[j as usize] = true;
                            touched.push(j);
                        }
                        acc[j as usize] += a * w;
                    }
                }
                touched.sort_unstable();
                let out: Vec<(u32, f64)> = touched
                    .iter()
                    .map(|&j| (j, acc[j as usize]))
                    .filter(|&(_, v)| v != 0.0)
                    .collect();
                for &j in &touched {
                    acc[j as usize] = 0.0;
                    seen[j as usize] = false;
                }
                touched.clear();
                out
            })
            .collect();
        Some(SparseMap {
            cols: inner.cols,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(m: &SparseMap) -> Vec<Vec<f64>> {
        (0..m.rows())
            .map(|i| {
                let mut r = vec![0.0; m.cols()];
                for &(c, v) in m.row(i) {
                    r[c as usize] = v;
                }
                r
            })
            .collect()
    }

    #[test]
    fn composition_is_the_schoolbook_matrix_product() {
        let a = SparseMap::from_rows(3, vec![vec![(0, 2.0), (2, -1.0)], vec![], vec![(1, 0.5)]])
            .unwrap();
        let b = SparseMap::from_rows(
            4,
            vec![vec![(3, 1.0)], vec![(0, 4.0), (1, 1.0)], vec![(3, 2.0), (0, 1.0)]],
        )
        .unwrap();
        let ab = a.compose(&b).unwrap();
        let (da, db) = (dense(&a), dense(&b));
        let mut want = vec![vec![0.0; 4]; 3];
        for i in 0..3 {
            for j in 0..4 {
                for (k, dbk) in db.iter().enumerate() {
                    want[i][j] += da[i][k] * dbk[j];
                }
            }
        }
        assert_eq!(dense(&ab), want);
        // Cancelling entries are dropped: row 0 is 2·[0,0,0,1] − [1,0,0,2].
        assert_eq!(ab.row(0), &[(0, -1.0)]);
        let x = [1.0, -2.0, 3.0, 0.25];
        assert_eq!(ab.apply(&x), a.apply(&b.apply(&x)));
        assert!(b.compose(&a).is_none());
    }

    #[test]
    fn identities_and_bad_columns() {
        assert!(SparseMap::scaled_identity(5, 1.0).is_identity());
        assert!(!SparseMap::scaled_identity(5, 2.0).is_identity());
        assert_eq!(SparseMap::scaled_identity(3, 0.0).nnz(), 0);
        assert!(SparseMap::from_rows(2, vec![vec![(2, 1.0)]]).is_none());
    }
}
