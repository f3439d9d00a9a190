//! What the host expects of the firmware's bootstrap image: the bootstrap
//! known answer (`hearth_firmware::boot_kat`, the procedure the image runs)
//! run here on the host, its result checked by decryption before its
//! digest is trusted, and that digest checked against the kernels'
//! committed one (`DIGEST_TOY_N10_SEED7` in `kernels/tests/ckks_boot.rs`,
//! read from that file).

use super::kat::hex;
use super::report::Expected;
use hearth_firmware::boot_kat::{bootstrap_kat, MAX_ERROR, RESULT_NAME};
use std::path::Path;

/// The kernels' test that holds the committed digest.
const KERNELS_TEST: &str = "kernels/tests/ckks_boot.rs";
/// The name of the committed digest's constant in [`KERNELS_TEST`].
const COMMITTED_CONST: &str = "DIGEST_TOY_N10_SEED7";

/// The host's digest for `result ckks bootstrap-toy-n10`.
pub fn expected() -> Result<Vec<Expected>, String> {
    let err = |e: hearth_firmware::Error| format!("host bootstrap known answer: {e}");
    let outcome = bootstrap_kat().map_err(err)?;
    let worst = outcome.worst_error().map_err(err)?;
    if worst >= MAX_ERROR {
        return Err(format!(
            "the host's bootstrap decrypts with error {worst} (≥ {MAX_ERROR}): refusing its digest"
        ));
    }
    let digest = hex(&outcome.digest());
    let path = crate::tools::root().join(KERNELS_TEST);
    let committed = committed_digest(&path)?;
    if digest != committed {
        return Err(format!(
            "the host's bootstrap digest {digest} != {COMMITTED_CONST} {committed} of {KERNELS_TEST}: \
             the firmware's procedure (fpga/firmware/src/boot_kat.rs) and the kernels' test differ"
        ));
    }
    Ok(vec![Expected {
        kind: "ckks".into(),
        name: RESULT_NAME.into(),
        digest,
    }])
}

/// The string literal assigned to [`COMMITTED_CONST`] in `path`.
fn committed_digest(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_committed(&text).ok_or_else(|| {
        format!(
            "{}: no `const {COMMITTED_CONST}: &str = \"<64 hex digits>\";`",
            path.display()
        )
    })
}

/// The 64 hexadecimal digits of `const DIGEST_TOY_N10_SEED7: &str = "…";`
/// in `source` (the literal may be on the next line).
fn parse_committed(source: &str) -> Option<String> {
    let decl = format!("const {COMMITTED_CONST}: &str =");
    let rest = &source[source.find(&decl)? + decl.len()..];
    let rest = rest.trim_start().strip_prefix('"')?;
    let literal = &rest[..rest.find('"')?];
    let ok = literal.len() == 64 && literal.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| literal.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_committed_constant_over_a_line_break() {
        let d = "ab".repeat(32);
        let src = format!("/// doc\nconst {COMMITTED_CONST}: &str =\n    \"{d}\";\n");
        assert_eq!(parse_committed(&src), Some(d));
        assert_eq!(parse_committed("const X: &str = \"00\";"), None);
        let short = format!("const {COMMITTED_CONST}: &str = \"abcd\";");
        assert_eq!(parse_committed(&short), None);
    }

    #[test]
    fn the_kernels_test_holds_a_committed_digest() {
        let path = crate::tools::root().join(KERNELS_TEST);
        assert!(committed_digest(&path).is_ok());
    }
}
