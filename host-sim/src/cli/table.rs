//! The summary table of `hearth demo` and `hearth infer`.

use hearth_he::report::RunReport;

type Cell = Box<dyn Fn(&RunReport) -> String>;

/// Prints one column per report.
pub fn print(reports: &[RunReport], names: &[String]) {
    let pct = |x: Option<f64>| x.map_or("-".into(), |a| format!("{:.2} %", 100.0 * a));
    let rows: Vec<(&str, Cell)> = vec![
        (
            "mode",
            Box::new(|r| {
                if r.encrypted {
                    "ENCRYPTED (CKKS)".into()
                } else {
                    "PLAINTEXT ONLY".into()
                }
            }),
        ),
        ("model", Box::new(|r| r.model.clone())),
        (
            "engine / packing",
            Box::new(|r| format!("{} / {}", r.engine, r.packing)),
        ),
        (
            "HE parameters",
            Box::new(|r| r.parameters.clone().unwrap_or("-".into())),
        ),
        ("test samples", Box::new(|r| r.samples.to_string())),
        (
            "accuracy, encrypted",
            Box::new(move |r| {
                if r.encrypted {
                    pct(r.accuracy)
                } else {
                    "-".into()
                }
            }),
        ),
        (
            "accuracy, plaintext",
            Box::new(move |r| pct(r.plain_accuracy)),
        ),
        (
            "agreement enc = plain",
            Box::new(|r| {
                format!(
                    "{}/{} ({:.2} %)",
                    r.agreeing,
                    r.samples,
                    100.0 * r.agreement
                )
            }),
        ),
        (
            "largest logit difference",
            Box::new(|r| format!("{:.2e}", r.max_logit_diff)),
        ),
        (
            "key generation",
            Box::new(|r| format!("{:.3} s", r.keygen_seconds)),
        ),
        (
            "latency (one ciphertext)",
            Box::new(|r| {
                format!(
                    "{:.1} ms (CPU {:.1} ms)",
                    1e3 * r.latency_seconds,
                    1e3 * r.latency_cpu_seconds
                )
            }),
        ),
        (
            "total time (wall / CPU)",
            Box::new(|r| {
                format!(
                    "{:.3} s / {}",
                    r.seconds,
                    r.cpu_seconds.map_or("-".into(), |c| format!("{c:.3} s"))
                )
            }),
        ),
        (
            "throughput",
            Box::new(|r| format!("{:.1} samples/s", r.throughput)),
        ),
        ("NTTs", Box::new(|r| r.ntts.to_string())),
        ("device cycles", Box::new(|r| r.device_cycles.to_string())),
        (
            "device time at RTL clock",
            Box::new(|r| format!("{:.3} ms", 1e3 * r.device_seconds)),
        ),
        (
            "PMEM bytes moved",
            Box::new(|r| {
                format!(
                    "{} B ({} media)",
                    r.pmem.bytes_read + r.pmem.bytes_written,
                    r.pmem.media_bytes()
                )
            }),
        ),
        (
            "PMEM modelled time",
            Box::new(|r| format!("{:.3} ms", r.pmem.modelled_ns / 1e6)),
        ),
        (
            "peak RSS",
            Box::new(|r| {
                r.peak_rss_kb
                    .map_or("-".into(), |k| format!("{:.1} MB", k as f64 / 1024.0))
            }),
        ),
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(_, f)| reports.iter().map(f).collect())
        .collect();
    let w0 = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..reports.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .chain([names[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |label: &str, vals: &[String]| {
        let mut s = format!("{label:<w0$}");
        for (v, w) in vals.iter().zip(&widths) {
            s += &format!(" │ {v:<w$}");
        }
        println!("{}", s.trim_end());
    };
    line("", names);
    println!(
        "{}",
        "─".repeat(w0 + widths.iter().map(|w| w + 3).sum::<usize>())
    );
    for ((label, _), vals) in rows.iter().zip(&cells) {
        line(label, vals);
    }
}
