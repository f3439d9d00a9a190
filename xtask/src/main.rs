//! `cargo xtask <command>`: hearth's automation, one small std binary.
//!
//! Commands:
//! - `test`: installs what the tests need, then runs every check and test
//!   (the README's test command).
//! - `kat ntt`: writes NTT known-answer vectors (see `kat.rs`).
//! - `regmap [--check]`: generates the register-map constants from
//!   `fpga/regmap.toml` (or checks that they are up to date).
//! - `firmware`: builds the soft-core firmware, runs it under qemu and
//!   compares its results with the host's.
//! - `rtl [test|kat|lint|cycles]`: the NTT pipeline RTL under Verilator.
//! - `synth`: yosys resource report of the RTL per (WORD_BITS, LANES).
//! - `soak [ROUNDS]`: the PMEM store's SIGKILL crash test at many points.
//! - `fuzz [--minutes N | --runs N] [TARGET] | --smoke`: the libFuzzer targets of
//!   `fuzz/` (cargo-fuzz on stable; see `fuzz.rs`).

mod firmware;
mod fuzz;
mod kat;
mod regmap;
mod rtl;
mod soak;
mod synth;
mod test;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("kat") => kat::run(&args[1..]),
        Some("regmap") => regmap::run(&args[1..]),
        Some("firmware") => firmware::run_command(&args[1..]),
        Some("rtl") => rtl::run(&args[1..]),
        Some("synth") => synth::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>
commands:
  test                      install prerequisites, then run every check and test
  kat ntt --log-n K --bits B --word 32|64 --seed S [--out DIR]
                            write NTT known-answer vectors (JSON and $readmemh hex)
  regmap [--check]          generate (or check) hal/src/regmap.rs and fpga/rtl/hearth_regmap.vh
  firmware                  build the soft-core firmware, run it under qemu, compare with the host
  rtl [test|kat|lint|cycles] RTL under Verilator: tests (default), KAT bench, lint, cycles
  synth [--log-n-max K] [--configs w32l4,...]
                            yosys synth_xilinx resource table of the RTL
  soak [ROUNDS]             SIGKILL the PMEM store writer at ROUNDS random points (default 5000)
  fuzz [--minutes N | --runs N] [TARGET] | --write-seeds | --smoke
                            the libFuzzer targets of fuzz/ (default 10 min each)";
