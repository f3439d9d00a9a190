//! Tabular data: CSV files with a header row, numeric feature columns and an
//! optional integer `label` column (`docs/architecture.md`, "Data
//! and model formats"), plain or gzip-compressed (`.gz`), and a deterministic
//! seeded train/test split. Images are rows too: [`Dataset::check_shape`]
//! checks that each row holds one sample of a network's input shape (784
//! pixels `p0 … p783` for `[1, 28, 28]`, row-major).

use crate::error::{Error, Result};
use crate::limits::{read_capped, MAX_CLASSES, MAX_CSV_BYTES};
use crate::rng::Prng;
use std::path::{Path, PathBuf};

/// A loaded data set: one row of `f64` features per sample.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Where the data came from (for messages).
    pub path: PathBuf,
    /// The feature column names, in order.
    pub feature_names: Vec<String>,
    /// `rows[i]` holds the features of sample `i`.
    pub rows: Vec<Vec<f64>>,
    /// The labels, when the file has a `label` column.
    pub labels: Option<Vec<usize>>,
}

impl Dataset {
    /// Reads a CSV file of at most [`MAX_CSV_BYTES`], gunzipped first when
    /// its name ends in `.gz`. Every cell must parse as a finite number;
    /// labels must be integers below [`MAX_CLASSES`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = read_capped(path, MAX_CSV_BYTES)?;
        if path.extension().is_some_and(|e| e == "gz") {
            return Self::parse_gz(path, &text);
        }
        Self::parse(path, &text)
    }

    /// Parses gzip-compressed CSV bytes; `path` is used in messages only.
    pub fn parse_gz(path: &Path, bytes: &[u8]) -> Result<Self> {
        Self::parse(path, &gunzip(path, bytes)?)
    }

    /// Ok when each row holds exactly one sample of `shape` (a network's
    /// per-sample input shape); otherwise a [`Error::Csv`] naming the header
    /// line (every data row has the header's length, or parsing failed at
    /// its line already).
    pub fn check_shape(&self, shape: &[usize]) -> Result<()> {
        let need: usize = shape.iter().product();
        if self.num_features() == need {
            return Ok(());
        }
        Err(Error::Csv {
            path: self.path.clone(),
            line: 1,
            message: format!(
                "each row has {} value columns but the model's input shape {shape:?} holds {need}",
                self.num_features()
            ),
            fix: "give one column per input value (e.g. p0 … p783 for a 28×28 image, row-major) and `label`",
        })
    }

    /// Parses CSV bytes; `path` is used in messages only.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self> {
        let csv_err = |line: u64, message: String, fix: &'static str| Error::Csv {
            path: path.to_path_buf(),
            line,
            message,
            fix,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| csv_err(1, format!("cannot read the header row: {e}"), HEADER_FIX))?;
        let headers: Vec<String> = headers.iter().map(str::to_string).collect();
        if headers.iter().all(String::is_empty) {
            return Err(csv_err(1, "the file is empty".into(), HEADER_FIX));
        }
        let label_col = headers.iter().position(|h| h == "label");
        let feature_names: Vec<String> = headers
            .iter()
            .enumerate()
            .filter(|&(i, _)| Some(i) != label_col)
            .map(|(_, h)| h.clone())
            .collect();
        if feature_names.is_empty() {
            return Err(csv_err(1, "no feature columns".into(), HEADER_FIX));
        }
        let mut rows = Vec::new();
        let mut labels = label_col.map(|_| Vec::new());
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                csv_err(line, format!("{e}"), ROW_FIX)
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let mut row = Vec::with_capacity(feature_names.len());
            for (col, cell) in record.iter().enumerate() {
                let name = &headers[col];
                if Some(col) == label_col {
                    let label: usize =
                        cell.parse()
                            .ok()
                            .filter(|&l| l < MAX_CLASSES)
                            .ok_or_else(|| {
                                csv_err(
                                    line,
                                    format!(
                                        "column `label`: `{cell}` is not a class index \
                                     (an integer from 0 to {})",
                                        MAX_CLASSES - 1
                                    ),
                                    "labels are class indices 0, 1, 2, …",
                                )
                            })?;
                    if let Some(l) = labels.as_mut() {
                        l.push(label);
                    }
                } else {
                    let v: f64 = cell
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| {
                            csv_err(
                                line,
                                format!(
                                    "column {} (`{name}`): `{cell}` is not a finite number",
                                    col + 1
                                ),
                                "every feature cell must be a number such as 3.25 or -1e-3",
                            )
                        })?;
                    row.push(v);
                }
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(csv_err(
                2,
                "the file has a header but no data rows".into(),
                ROW_FIX,
            ));
        }
        Ok(Dataset {
            path: path.to_path_buf(),
            feature_names,
            rows,
            labels,
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of feature columns.
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The samples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        Dataset {
            path: self.path.clone(),
            feature_names: self.feature_names.clone(),
            rows: indices.iter().map(|&i| self.rows[i].clone()).collect(),
            labels: self
                .labels
                .as_ref()
                .map(|l| indices.iter().map(|&i| l[i]).collect()),
        }
    }

    /// A deterministic split: a seeded Fisher–Yates shuffle of the row
    /// indices, the first `round(test_fraction·len)` of which form the test
    /// set. Returns `(train, test)`.
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
        if !(0.0..1.0).contains(&test_fraction) {
            return Err(Error::OutOfRange {
                what: "test fraction",
                value: test_fraction.to_string(),
                range: "in [0, 1)",
            });
        }
        let (train, test) = split_indices(self.len(), test_fraction, seed);
        Ok((self.subset(&train), self.subset(&test)))
    }
}

/// The index split behind [`Dataset::split`]: `(train, test)`.
pub fn split_indices(len: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..len).collect();
    Prng::new(seed).shuffle(&mut idx);
    let n_test = ((len as f64) * test_fraction).round() as usize;
    let test = idx[..n_test].to_vec();
    let train = idx[n_test..].to_vec();
    (train, test)
}

/// The most a `.gz` data file may expand to.
const MAX_GUNZIPPED: u64 = 1 << 30;

/// The decompressed bytes of a gzip file, refused past [`MAX_GUNZIPPED`].
fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_GUNZIPPED + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(path, e))?;
    if out.len() as u64 > MAX_GUNZIPPED {
        return Err(Error::Csv {
            path: path.to_path_buf(),
            line: 0,
            message: format!("the file expands to more than {MAX_GUNZIPPED} bytes"),
            fix: "split the data into smaller files",
        });
    }
    Ok(out)
}

const HEADER_FIX: &str =
    "the first line must name the columns, e.g. `f0,f1,label`; `label` is optional";
const ROW_FIX: &str = "every row needs exactly one cell per header column, separated by commas";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Dataset> {
        Dataset::parse(Path::new("t.csv"), s.as_bytes())
    }

    #[test]
    fn parses_features_and_labels() {
        let d = parse("a,label,b\n1,0,2\n3.5,1,-4\n").unwrap();
        assert_eq!(d.feature_names, ["a", "b"]);
        assert_eq!(d.rows, vec![vec![1.0, 2.0], vec![3.5, -4.0]]);
        assert_eq!(d.labels, Some(vec![0, 1]));
    }

    #[test]
    fn bad_cell_names_line_and_column() {
        let e = parse("a,b\n1,2\n3,x\n").unwrap_err().to_string();
        assert!(e.contains("t.csv:3"), "{e}");
        assert!(e.contains("column 2 (`b`)"), "{e}");
    }

    #[test]
    fn ragged_row_is_an_error() {
        let e = parse("a,b\n1,2\n3\n").unwrap_err().to_string();
        assert!(e.contains("t.csv:3"), "{e}");
    }

    #[test]
    fn bad_label_and_empty_files() {
        assert!(parse("a,label\n1,-1\n")
            .unwrap_err()
            .to_string()
            .contains("label"));
        // 2^64 − 1 and 10^12 are not class indices: refused at parse, never
        // wrapped (max + 1) or sized into a 10^12-class output layer.
        for big in [
            "18446744073709551615",
            "1000000000000",
            "65536",
            "18446744073709551616",
        ] {
            let e = parse(&format!("a,label\n1,0\n2,{big}\n")).unwrap_err();
            assert!(
                matches!(e, Error::Csv { line: 3, .. }) && e.to_string().contains("class index"),
                "{big}: {e}"
            );
        }
        assert_eq!(
            parse("a,label\n1,65535\n").unwrap().labels,
            Some(vec![65535])
        );
        assert!(parse("").is_err());
        assert!(parse("a,b\n").is_err());
        assert!(parse("a\nNaN\n").is_err());
    }

    #[test]
    fn split_is_a_seeded_permutation() {
        let (tr, te) = split_indices(100, 0.25, 7);
        assert_eq!(te.len(), 25);
        let mut all: Vec<usize> = tr.iter().chain(&te).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(split_indices(100, 0.25, 7), (tr, te.clone()));
        assert_ne!(split_indices(100, 0.25, 8).1, te);
    }
}
