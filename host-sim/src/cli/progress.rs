//! The progress bar of a run over many rows.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` samples, hidden when `show` is false (JSON output).
pub fn samples(show: bool, len: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "  {spinner} encrypted inference {bar:30} {pos}/{len} samples, {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
