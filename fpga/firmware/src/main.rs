//! The hearth soft-core firmware: replays the NTT known-answer vectors and
//! the CKKS workloads, printing one `result` line per check and one
//! `measure` line per measured workload through `defmt` over semihosting,
//! then exits with status 0 when every check passed and 1 otherwise (a
//! panic exits with 101, a trap with 3).
//!
//! Run it with `cargo xtask firmware`, which builds it, runs it under qemu
//! and compares its results with the host's, then does the same with the
//! bootstrap image (`src/bin/boot.rs`). On a host target this binary only
//! says so.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(all(target_os = "none", feature = "ckks"))]
mod ckks;
#[cfg(target_os = "none")]
mod pipeline;
#[cfg(target_os = "none")]
mod report;
#[cfg(target_os = "none")]
mod soc;
#[cfg(target_os = "none")]
mod workloads;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "hearth-firmware runs on riscv32imac-unknown-none-elf under qemu: use `cargo xtask firmware`"
    );
    std::process::exit(2);
}
