//! `hearth server` driven by Open Inference Protocol clients nobody here
//! wrote: `tritonclient[http]` and `kserve` from PyPI
//! (`host-sim/server/tests/python/clients_test.py`): both tensor
//! encodings, answers byte-identical with the offline `hearth evaluate`,
//! predictions equal to the plaintext model's, bad input refused with 4xx
//! while the server keeps serving, two servers over one store, and
//! `kill -9` under load with every acknowledged upload there after a
//! restart.
//!
//! Ignored by a bare `cargo test`: it needs the clients' venv, which
//! `cargo xtask test` creates and names in `HEARTH_PYTHON` before running
//! it with `--ignored`.

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "needs the Python clients' venv; `cargo xtask test` creates it and runs this test"]
fn tritonclient_and_kserve_drive_hearth_server() {
    let python = std::env::var("HEARTH_PYTHON")
        .expect("HEARTH_PYTHON must name the venv's python (`cargo xtask test` sets it)");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("server/tests/python/clients_test.py");
    let status = Command::new(python)
        .arg(&script)
        .env("HEARTH", env!("CARGO_BIN_EXE_hearth"))
        .status()
        .expect("starting python");
    assert!(status.success(), "{} failed", script.display());
}
