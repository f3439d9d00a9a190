//! The firmware's report lines and their comparison with the host.
//!
//! ```text
//! result <kind> <name> <pass|fail> <sha256-hex>
//! measure <name> instret=<n> cycles=<n> heap_base=<bytes> heap_peak=<bytes> heap_extent=<bytes> stack_peak=<bytes> static=<bytes>
//! image text=<bytes> rodata=<bytes> static=<bytes>
//! done <passed> <failed>
//! ```

/// A `result` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: String,
    pub name: String,
    pub passed: bool,
    pub digest: String,
}

/// What the host expects of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub kind: String,
    pub name: String,
    pub digest: String,
}

/// Everything the firmware reported.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<Outcome>,
    pub measures: Vec<String>,
    pub image: Option<String>,
    pub done: Option<(u32, u32)>,
}

/// Parses a decoded transcript (lines may carry a log-level prefix).
pub fn parse(log: &str) -> Report {
    let mut r = Report::default();
    for line in log.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(start) = words
            .iter()
            .take(2)
            .position(|w| matches!(*w, "result" | "measure" | "image" | "done"))
        else {
            continue;
        };
        match &words[start..] {
            ["result", kind, name, verdict, digest] => r.results.push(Outcome {
                kind: kind.to_string(),
                name: name.to_string(),
                passed: *verdict == "pass",
                digest: digest.to_string(),
            }),
            ["measure", rest @ ..] => r.measures.push(rest.join(" ")),
            ["image", rest @ ..] => r.image = Some(rest.join(" ")),
            ["done", p, f] => r.done = p.parse().ok().zip(f.parse().ok()),
            _ => {}
        }
    }
    r
}

/// Checks the run: exit status 0, a `done` line with no failure, and for
/// every expectation a passing result with the host's digest. Returns the
/// number of results checked.
pub fn check(report: &Report, expected: &[Expected], status: i32) -> Result<usize, String> {
    let mut errors = Vec::new();
    if status != 0 {
        errors.push(format!("the firmware exited with status {status}"));
    }
    match report.done {
        Some((_, 0)) => {}
        Some((_, failed)) => errors.push(format!("the firmware reports {failed} failed checks")),
        None => errors.push("the firmware did not finish (no `done` line)".into()),
    }
    for e in expected {
        let found = report
            .results
            .iter()
            .find(|r| r.kind == e.kind && r.name == e.name);
        match found {
            None => errors.push(format!("no result for {} {}", e.kind, e.name)),
            Some(r) if !r.passed => {
                errors.push(format!("{} {} failed on the firmware", e.kind, e.name))
            }
            Some(r) if r.digest != e.digest => errors.push(format!(
                "{} {}: firmware digest {} != host digest {}",
                e.kind, e.name, r.digest, e.digest
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(expected.len())
    } else {
        Err(errors.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "INFO  hearth firmware\n result kat a pass 00ff\nresult kat b fail 0000\n\
                       measure a instret=5 cycles=5\ndone 1 1\n";

    fn exp(name: &str, digest: &str) -> Expected {
        Expected {
            kind: "kat".into(),
            name: name.into(),
            digest: digest.into(),
        }
    }

    #[test]
    fn parses_results_measures_and_done() {
        let r = parse(LOG);
        assert_eq!(r.results.len(), 2);
        assert!(r.results[0].passed && !r.results[1].passed);
        assert_eq!(r.measures, ["a instret=5 cycles=5"]);
        assert_eq!(r.done, Some((1, 1)));
    }

    #[test]
    fn check_rejects_failures_mismatches_and_missing_results() {
        let r = parse(LOG);
        assert!(
            check(&r, &[exp("a", "00ff")], 1).is_err(),
            "failed done line"
        );
        let ok = parse("result kat a pass 00ff\ndone 1 0\n");
        assert_eq!(check(&ok, &[exp("a", "00ff")], 0), Ok(1));
        assert!(
            check(&ok, &[exp("a", "00fe")], 0).is_err(),
            "digest mismatch"
        );
        assert!(
            check(&ok, &[exp("c", "00ff")], 0).is_err(),
            "missing result"
        );
        assert!(check(&ok, &[exp("a", "00ff")], 3).is_err(), "non-zero exit");
        assert!(check(&parse("result kat a pass 00ff\n"), &[exp("a", "00ff")], 0).is_err());
    }
}
