//! `cargo xtask soak [ROUNDS]`: the SIGKILL crash test of the PMEM object
//! store (`tests/tests/prod_crash.rs`) with many more kill points than the
//! test suite runs (default 5000), optimised.

use std::process::Command;

/// Runs the soak.
pub fn run(args: &[String]) -> Result<(), String> {
    let rounds = match args.first() {
        Some(r) => r
            .parse::<u64>()
            .map_err(|_| format!("`{r}` is not a number of kill points"))?,
        None => 5000,
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("xtask soak: {rounds} SIGKILL points on the PMEM object store");
    let status = Command::new(cargo)
        .args([
            "test",
            "--release",
            "-p",
            "hearth-tests",
            "--test",
            "integration",
        ])
        .args(["--", "--nocapture", "prod_crash::sigkill_at_random_points"])
        .env("HEARTH_CRASH_ROUNDS", rounds.to_string())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("soak failed ({status})"))
    }
}
