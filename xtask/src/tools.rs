//! Running commands and installing missing prerequisites.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to the
/// workspace root when relative), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// `$CARGO`, or `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Prints and runs a command in the workspace root; fails on non-zero exit.
pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("\n==> {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// The environment variable through which cargo runs a wrapper around
/// `rustc` for the workspace's own crates (dependencies are compiled by
/// plain `rustc`).
const WORKSPACE_WRAPPER: &str = "RUSTC_WORKSPACE_WRAPPER";

/// The variable that carries `clippy-driver`'s lint arguments.
const CLIPPY_ARGS: &str = "CLIPPY_ARGS";

/// From now on in this process, every cargo build compiles the workspace's
/// own crates with `clippy-driver` and warnings denied: one compilation
/// both builds and lints, with the lints `cargo clippy -- -D warnings`
/// applies (it sets the same two variables, then runs `cargo check`), and
/// the dependencies are compiled once instead of once more in check mode.
/// `clippy-driver` comes from the toolchain of the running cargo.
pub fn lint_while_building() -> Result<(), String> {
    let cargo = cargo();
    let driver = match std::path::Path::new(&cargo).parent() {
        Some(dir) if dir.join("clippy-driver").is_file() => {
            dir.join("clippy-driver").display().to_string()
        }
        _ => "clippy-driver".to_string(),
    };
    let works = Command::new(&driver)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !works {
        return Err(format!(
            "`{driver}` does not run; fix: rustup component add clippy"
        ));
    }
    std::env::set_var(WORKSPACE_WRAPPER, driver);
    // `cargo clippy`'s own encoding of the arguments after `--`.
    std::env::set_var(
        CLIPPY_ARGS,
        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
    );
    Ok(())
}

/// Whether [`lint_while_building`] is in effect: cargo builds then lint
/// the workspace's crates, and a separate `cargo clippy` would only repeat
/// it.
pub fn linting_while_building() -> bool {
    std::env::var_os(WORKSPACE_WRAPPER)
        .is_some_and(|w| std::path::Path::new(&w).ends_with("clippy-driver"))
}

/// `cmd` runs without [`lint_while_building`]'s wrapper.
pub fn without_lint_wrapper(cmd: &mut Command) -> &mut Command {
    cmd.env_remove(WORKSPACE_WRAPPER).env_remove(CLIPPY_ARGS)
}

/// Runs `cargo <args>`; when [`lint_while_building`] is in effect, says so
/// above the printed command line.
pub fn cargo_run(args: &[&str]) -> Result<(), String> {
    if linting_while_building() {
        eprintln!("\n(the workspace's crates compiled by clippy-driver, -D warnings)");
    }
    run(&cargo(), args)
}

/// Whether `program` is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Adds the rustup targets that are not installed yet.
pub fn ensure_rust_targets(targets: &[&str]) -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .map_err(|e| {
            format!("rustup is needed to add targets ({e}); install it from https://rustup.rs")
        })?;
    let installed = String::from_utf8_lossy(&out.stdout).to_string();
    let missing: Vec<&str> = targets
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut args = vec!["target", "add"];
    args.extend(&missing);
    run("rustup", &args)
        .map_err(|e| format!("{e}\nfix: run `rustup target add {}`", missing.join(" ")))
}

/// Ensures each `(binary, debian package)` is present, installing missing
/// packages with apt-get (as root). A tool that cannot be installed is an
/// error that says how to install it; nothing is skipped.
pub fn ensure_debian_tools(tools: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<(&str, &str)> = tools.iter().copied().filter(|(b, _)| !have(b)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
    let hint = format!(
        "fix: run `apt-get update && apt-get install -y {}` as root",
        packages.join(" ")
    );
    if !have("apt-get") {
        return Err(format!("missing tools {missing:?} and no apt-get\n{hint}"));
    }
    let sudo: Vec<&str> = if is_root() { vec![] } else { vec!["sudo"] };
    let (prog, mut args) = match sudo.first() {
        Some(s) => (*s, vec!["apt-get"]),
        None => ("apt-get", vec![]),
    };
    let mut update = args.clone();
    update.push("update");
    run(prog, &update).map_err(|e| format!("{e}\n{hint}"))?;
    args.extend(["install", "-y", "--no-install-recommends"]);
    args.extend(&packages);
    run(prog, &args).map_err(|e| format!("{e}\n{hint}"))?;
    for (bin, pkg) in &missing {
        if !have(bin) {
            return Err(format!(
                "`{bin}` still missing after installing `{pkg}`\n{hint}"
            ));
        }
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A Python virtual environment at `dir` holding exactly `packages` (pip
/// requirement strings, pinned): created with `python3 -m venv` (installing
/// Debian's `python3-venv` when the interpreter lacks it) and filled with
/// pip from PyPI. A stamp file records the package list, so a second run
/// installs nothing. Returns the environment's `python`.
pub fn ensure_python_venv(dir: &std::path::Path, packages: &[&str]) -> Result<PathBuf, String> {
    let python = dir.join("bin").join("python");
    let stamp = dir.join("hearth-requirements.txt");
    let want = packages.join("\n");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return Ok(python);
    }
    if !have("python3") {
        ensure_debian_tools(&[("python3", "python3")])?;
    }
    let venv_ok = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !venv_ok {
        ensure_debian_tools(&[("pip3", "python3-pip")])?;
        ensure_debian_tools(&[("python3", "python3-venv")])?;
    }
    let d = dir.to_string_lossy().to_string();
    if !python.exists() {
        run("python3", &["-m", "venv", &d]).map_err(|e| {
            format!("{e}\nfix: `apt-get install -y python3-venv`, then run the tests again")
        })?;
    }
    let py = python.to_string_lossy().to_string();
    let mut args = vec!["-m", "pip", "install", "--disable-pip-version-check", "-q"];
    args.extend(packages);
    run(&py, &args).map_err(|e| {
        format!(
            "{e}\nfix: check that PyPI is reachable (pip install {})",
            packages.join(" ")
        )
    })?;
    std::fs::write(&stamp, want).map_err(|e| format!("writing {}: {e}", stamp.display()))?;
    Ok(python)
}
