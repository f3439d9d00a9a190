//! `cargo xtask test`: the one command that passes every test.
//!
//! Installs missing prerequisites (rustup targets, Debian packages), then
//! runs, in order: format check, clippy with warnings denied, the workspace
//! tests, `hearth server` driven by the Python clients `tritonclient` and
//! `kserve` (in a venv it creates), the `no_std` cross-builds for the
//! RISC-V targets, the firmware under qemu (`cargo xtask firmware`), and a
//! bounded run of every fuzz target (installs cargo-fuzz; `cargo xtask
//! fuzz`).

use crate::tools::{cargo_run, ensure_debian_tools, ensure_python_venv, ensure_rust_targets, root};

/// The soft-core targets every `no_std` crate must build for.
pub const RISCV_TARGETS: [&str; 2] = ["riscv32imac-unknown-none-elf", "riscv64gc-unknown-none-elf"];

/// Debian packages the tests need: `(binary, package)`.
const DEBIAN_TOOLS: &[(&str, &str)] = &[];

/// The real Open Inference Protocol clients the server tests drive, from
/// PyPI, pinned (installed into a venv under `target/`).
const PYTHON_CLIENTS: &[&str] = &["tritonclient[http]==2.73.0", "kserve==0.21.0", "numpy<3"];

/// Crates that must build without `std` for the soft-core.
const NO_STD_CRATES: [&str; 2] = ["hearth-kernels", "hearth-hal"];

/// Wall-clock time of each stage of the run, printed at the end (and when
/// a stage fails) so the slow stages of a CI run are visible.
#[derive(Default)]
struct Stages(Vec<(&'static str, std::time::Duration)>);

impl Stages {
    /// Runs one stage and records its time.
    fn run(
        &mut self,
        name: &'static str,
        stage: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let t = std::time::Instant::now();
        let result = stage();
        self.0.push((name, t.elapsed()));
        if result.is_err() {
            self.print();
        }
        result
    }

    fn print(&self) {
        eprintln!("\nxtask test: time per stage");
        let mut total = 0.0;
        for (name, d) in &self.0 {
            let s = d.as_secs_f64();
            total += s;
            eprintln!("  {name:<34} {:>5.0} s", s);
        }
        eprintln!("  {:<34} {:>5.0} s", "total", total);
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("`xtask test` takes no arguments (got `{a}`)"));
    }
    // A one-shot run gains nothing from incremental caches, which would add
    // gigabytes to the target directory.
    std::env::set_var("CARGO_INCREMENTAL", "0");
    let mut stages = Stages::default();
    stages.run("prerequisites, register map", || {
        ensure_rust_targets(&RISCV_TARGETS)?;
        ensure_debian_tools(DEBIAN_TOOLS)?;
        crate::regmap::run(&["--check".to_string()])
    })?;
    stages.run("fmt", || {
        cargo_run(&["fmt", "--all", "--", "--check"])
            .map_err(|e| format!("{e}\nfix: run `cargo fmt --all`"))
    })?;
    stages.run("clippy", || {
        cargo_run(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    stages.run("workspace tests", || cargo_run(&["test", "--workspace"]))?;
    // `hearth server` driven by tritonclient and the kserve client (the
    // tests are `#[ignore]`d without the venv this step makes). Selected
    // from the whole workspace, so that features resolve as for the run
    // above and nothing is rebuilt.
    stages.run("server with Python clients", || {
        let venv = ensure_python_venv(&root().join("target").join("py-clients"), PYTHON_CLIENTS)?;
        std::env::set_var("HEARTH_PYTHON", &venv);
        cargo_run(&[
            "test",
            "--workspace",
            "--test",
            "server_clients",
            "--",
            "--ignored",
        ])
    })?;
    stages.run("RTL under Verilator", crate::rtl::test)?;
    // `--engine rtl`: soft, sim and the Verilated RTL agree (ciphertexts,
    // cycles); the workspace's features plus `rtl`.
    stages.run("engine rtl end to end", || {
        cargo_run(&[
            "test",
            "--workspace",
            "--features",
            "hearth-tests/rtl",
            "--test",
            "sim_rtl_engine",
        ])
    })?;
    stages.run("no_std cross-builds", cross_builds)?;
    // The firmware under qemu, compared with the host (installs qemu).
    stages.run("firmware under qemu", || crate::firmware::run_command(&[]))?;
    // Every fuzz target for a few seconds from its seeds (installs cargo-fuzz).
    stages.run("fuzz smoke", crate::fuzz::smoke)?;
    stages.print();
    eprintln!("\nxtask test: all checks passed");
    Ok(())
}

/// The `no_std` crates for every soft-core target, the firmware's
/// configuration, their lints and `hal`'s `defmt` feature.
fn cross_builds() -> Result<(), String> {
    for target in RISCV_TARGETS {
        for krate in NO_STD_CRATES {
            cargo_run(&[
                "build",
                "-p",
                krate,
                "--no-default-features",
                "--target",
                target,
            ])?;
        }
        // The firmware's configuration: no std, but an allocator for CKKS.
        cargo_run(&[
            "build",
            "-p",
            "hearth-kernels",
            "--no-default-features",
            "--features",
            "alloc",
            "--target",
            target,
        ])?;
    }
    // Lints of the soft-core build (different cfgs from the host's).
    cargo_run(&[
        "clippy",
        "-p",
        "hearth-kernels",
        "-p",
        "hearth-hal",
        "--no-default-features",
        "--features",
        "hearth-kernels/alloc",
        "--target",
        RISCV_TARGETS[0],
        "--",
        "-D",
        "warnings",
    ])?;
    // The `defmt` feature of hal builds for the soft-core.
    cargo_run(&[
        "build",
        "-p",
        "hearth-hal",
        "--features",
        "defmt",
        "--target",
        RISCV_TARGETS[0],
    ])?;
    Ok(())
}
