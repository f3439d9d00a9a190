//! Running commands and installing missing prerequisites.

use std::path::{Path, PathBuf};
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

/// Where a command's output goes.
#[derive(Clone, Copy)]
pub enum Output<'a> {
    /// The terminal (inherited).
    Terminal,
    /// Appended to this file, with the command line before it (a
    /// background job's log).
    Log(&'a Path),
}

/// Prints and runs a command in the workspace root; fails on non-zero exit.
pub fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_to(program, args, Output::Terminal)
}

/// Runs a command in the workspace root, its command line and output to
/// `out`; fails on non-zero exit.
pub fn run_to(program: &str, args: &[&str], out: Output<'_>) -> Result<(), String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    run_command_to(cmd, &format!("{program} {}", args.join(" ")), out)
}

/// Runs `cmd` in the workspace root, `line` (its command line as shown)
/// and its output to `out`; fails on non-zero exit.
pub fn run_command_to(mut cmd: Command, line: &str, out: Output<'_>) -> Result<(), String> {
    cmd.current_dir(root());
    match out {
        Output::Terminal => eprintln!("\n==> {line}"),
        Output::Log(path) => {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            writeln!(file, "\n==> {line}").map_err(|e| format!("{}: {e}", path.display()))?;
            let err = file
                .try_clone()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            cmd.stdout(file).stderr(err);
        }
    }
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Runs `cargo <args>`.
pub fn cargo_run(args: &[&str]) -> Result<(), String> {
    run(&cargo(), args)
}

/// Installs `krate` (at `version`, when given) with `cargo install
/// --locked --debug` unless `present` says it is there: these tools drive
/// other programs or decode a few kilobytes, and a debug build takes about
/// half a release build's time (`defmt-print`: 37 s against 68 s on two
/// cores). Output to `out`.
pub fn ensure_cargo_tool(
    krate: &str,
    version: Option<&str>,
    present: impl Fn() -> bool,
    out: Output<'_>,
) -> Result<(), String> {
    if present() {
        return Ok(());
    }
    let mut args = vec!["install", "--locked", "--debug", krate];
    if let Some(v) = version {
        args.extend(["--version", v]);
    }
    let cargo = cargo();
    run_to(&cargo, &args, out).map_err(|e| format!("{e}\nfix: run `cargo {}`", args.join(" ")))?;
    if present() {
        Ok(())
    } else {
        Err(format!(
            "`{krate}` installed but not found\nfix: add ~/.cargo/bin to PATH"
        ))
    }
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
    ensure_debian_tools_to(tools, Output::Terminal)
}

/// [`ensure_debian_tools`], apt-get's output to `out`.
pub fn ensure_debian_tools_to(tools: &[(&str, &str)], out: Output<'_>) -> Result<(), String> {
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
    run_to(prog, &update, out).map_err(|e| format!("{e}\n{hint}"))?;
    args.extend(["install", "-y", "--no-install-recommends"]);
    args.extend(&packages);
    run_to(prog, &args, out).map_err(|e| format!("{e}\n{hint}"))?;
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
/// installs nothing. Returns the environment's `python`. Commands' output
/// goes to `out`.
pub fn ensure_python_venv(
    dir: &Path,
    packages: &[&str],
    out: Output<'_>,
) -> Result<PathBuf, String> {
    let python = dir.join("bin").join("python");
    let stamp = dir.join("hearth-requirements.txt");
    let want = packages.join("\n");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return Ok(python);
    }
    if !have("python3") {
        ensure_debian_tools_to(&[("python3", "python3")], out)?;
    }
    let venv_ok = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !venv_ok {
        ensure_debian_tools_to(&[("pip3", "python3-pip")], out)?;
        ensure_debian_tools_to(&[("python3", "python3-venv")], out)?;
    }
    let d = dir.to_string_lossy().to_string();
    if !python.exists() {
        run_to("python3", &["-m", "venv", &d], out).map_err(|e| {
            format!("{e}\nfix: `apt-get install -y python3-venv`, then run the tests again")
        })?;
    }
    let py = python.to_string_lossy().to_string();
    let mut args = vec!["-m", "pip", "install", "--disable-pip-version-check", "-q"];
    args.extend(packages);
    run_to(&py, &args, out).map_err(|e| {
        format!(
            "{e}\nfix: check that PyPI is reachable (pip install {})",
            packages.join(" ")
        )
    })?;
    std::fs::write(&stamp, want).map_err(|e| format!("writing {}: {e}", stamp.display()))?;
    Ok(python)
}
