//! `cargo xtask test`: the one command that passes every test.
//!
//! Installs missing prerequisites (rustup targets, Debian packages, a
//! Python venv), then runs, in order: format check, clippy with warnings
//! denied, the workspace tests, `hearth server` driven by the Python
//! clients `tritonclient` and `kserve`, the RTL under Verilator, the
//! `no_std` cross-builds for the RISC-V targets, the firmware under qemu
//! (`cargo xtask firmware`), and a bounded run of every fuzz target
//! (installs cargo-fuzz; `cargo xtask fuzz`).
//!
//! Two jobs run on background threads, their output in logs under
//! `target/`: from the start, the installs that wait on the network and
//! the package manager rather than the CPU (apt-get, pip; then
//! `defmt-print`), which the first stage that needs them waits for; and,
//! once the workspace's tests are built, the fuzz targets' instrumented
//! build, which fills the core that the tests' run, the Python clients and
//! the Verilated and qemu runs leave idle. A two-core machine is busy
//! through most of the run: the jobs save the time a stage would have
//! spent alone on one core, not the CPU work.

use std::path::PathBuf;
use std::thread::JoinHandle;

use crate::tools::{
    cargo_run, ensure_debian_tools_to, ensure_python_venv, ensure_rust_targets, target_dir, Output,
};

/// The soft-core targets every `no_std` crate must build for.
pub const RISCV_TARGETS: [&str; 2] = ["riscv32imac-unknown-none-elf", "riscv64gc-unknown-none-elf"];

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
    // Nor from line tables (the test profile's, for backtraces while
    // debugging): a failing test names its file and line without them.
    std::env::set_var("CARGO_PROFILE_TEST_DEBUG", "false");
    let mut stages = Stages::default();
    let installs = Background::start("installs", installs)?;
    stages.run("prerequisites, register map", || {
        ensure_rust_targets(&RISCV_TARGETS)?;
        crate::regmap::run(&["--check".to_string()])
    })?;
    stages.run("fmt", || {
        cargo_run(&["fmt", "--all", "--", "--check"])
            .map_err(|e| format!("{e}\nfix: run `cargo fmt --all`"))?;
        crate::fuzz::check_format()
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
    stages.run("workspace tests: build", || {
        cargo_run(&["test", "--workspace", "--no-run"])
    })?;
    // The fuzz targets' instrumented build (its own target directory) runs
    // from here on beside the stages that leave a core idle: the tests'
    // run, the Python clients, the Verilated and qemu runs.
    let fuzz_build = Background::start("fuzz-build", crate::fuzz::build_smoke)?;
    stages.run("workspace tests: run", || {
        cargo_run(&["test", "--workspace"])
    })?;
    // `hearth server` driven by tritonclient and the kserve client (the
    // tests are `#[ignore]`d without the venv this step makes). Selected
    // from the whole workspace, so that features resolve as for the run
    // above and nothing is rebuilt.
    stages.run("server with Python clients", || {
        let venv = installs.wait()?;
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
    // The RTL's own tests and `--engine rtl` end to end: soft, sim and the
    // Verilated RTL agree (ciphertexts, cycles).
    stages.run("RTL under Verilator", crate::rtl::test)?;
    stages.run("no_std cross-builds", cross_builds)?;
    // The firmware under qemu, compared with the host.
    stages.run("firmware under qemu", || crate::firmware::run_command(&[]))?;
    // Every fuzz target for a few seconds from its seeds.
    stages.run("fuzz smoke", || {
        fuzz_build.wait()?;
        crate::fuzz::run_smoke()
    })?;
    stages.print();
    eprintln!("\nxtask test: all checks passed");
    Ok(())
}

/// A job on a background thread beside the stages, its commands' output in
/// `target/xtask-<name>.log`, printed if it fails.
struct Background<T> {
    name: &'static str,
    /// The job's value and how long it ran.
    handle: JoinHandle<Result<(T, std::time::Duration), String>>,
    log: PathBuf,
}

impl<T: Send + 'static> Background<T> {
    /// Starts `job`, handing it the log to write to.
    fn start(
        name: &'static str,
        job: impl FnOnce(Output<'_>) -> Result<T, String> + Send + 'static,
    ) -> Result<Self, String> {
        let dir = target_dir();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = dir.join(format!("xtask-{name}.log"));
        std::fs::write(&log, "").map_err(|e| format!("{}: {e}", log.display()))?;
        eprintln!("\n==> in the background: {name} (log: {})", log.display());
        let path = log.clone();
        let handle = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            job(Output::Log(&path)).map(|value| (value, started.elapsed()))
        });
        Ok(Self { name, handle, log })
    }

    /// Waits for the job; its value, or its error with its log.
    fn wait(self) -> Result<T, String> {
        let result = self
            .handle
            .join()
            .unwrap_or_else(|_| Err(format!("the background job `{}` panicked", self.name)));
        match result {
            Ok((value, took)) => {
                eprintln!(
                    "\n==> background {}: done in {:.0} s",
                    self.name,
                    took.as_secs_f64()
                );
                Ok(value)
            }
            Err(e) => {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                Err(format!("{e}\n--- {} ---\n{log}", self.log.display()))
            }
        }
    }
}

/// The installs of the later stages: Debian's packages (Verilator, qemu),
/// the Python clients' venv (its `python` is the job's value) and
/// `defmt-print`.
fn installs(out: Output<'_>) -> Result<PathBuf, String> {
    let debian: Vec<(&str, &str)> = crate::rtl::RTL_TOOLS
        .iter()
        .chain(crate::firmware::QEMU_TOOLS)
        .copied()
        .collect();
    ensure_debian_tools_to(&debian, out)?;
    let python = ensure_python_venv(&target_dir().join("py-clients"), PYTHON_CLIENTS, out)?;
    crate::firmware::ensure_defmt_print(out)?;
    Ok(python)
}

/// The `no_std` crates for every soft-core target: each configuration —
/// each crate alone without default features, the firmware's (an
/// allocator for CKKS), `hal`'s `defmt` feature — linted with warnings
/// denied, which type-checks it for that target (a `std` dependency cannot
/// creep in unseen), then both crates built for riscv32imac, the
/// soft-core's target (the firmware stage builds them once more, in its own
/// configuration and in release).
fn cross_builds() -> Result<(), String> {
    // Both targets in one invocation (cargo builds the two in parallel).
    let targets: Vec<&str> = RISCV_TARGETS.iter().flat_map(|t| ["--target", t]).collect();
    let lint = |args: &[&str]| {
        let mut all = vec!["clippy"];
        all.extend(args);
        all.extend(["--", "-D", "warnings"]);
        cargo_run(&all)
    };
    for krate in NO_STD_CRATES {
        lint(&[&["-p", krate, "--no-default-features"], &targets[..]].concat())?;
    }
    lint(
        &[
            &[
                "-p",
                "hearth-kernels",
                "--no-default-features",
                "--features",
                "alloc",
            ],
            &targets[..],
        ]
        .concat(),
    )?;
    lint(&[
        "-p",
        "hearth-hal",
        "--features",
        "defmt",
        "--target",
        RISCV_TARGETS[0],
    ])?;
    let mut build = vec![
        "build",
        "--no-default-features",
        "--target",
        RISCV_TARGETS[0],
    ];
    for krate in NO_STD_CRATES {
        build.extend(["-p", krate]);
    }
    cargo_run(&build)
}
