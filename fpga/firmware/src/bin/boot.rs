//! The firmware's bootstrap image: runs the CKKS bootstrap known answer
//! (`hearth_firmware::boot_kat`: N = 2^10, an insecure test preset, `u64`
//! words) and prints its `result ckks bootstrap-toy-n10` line, with
//! `measure` lines for key generation and for the bootstrap, in the report
//! format of the main image; exits with status 0 when it ran, 1 when it
//! failed (101 on a panic, 3 on a trap).
//!
//! This is a bit-exactness check of the kernels on riscv32imac — the
//! digest must equal the host's — not a memory budget of the soft-core:
//! the bootstrap keys take tens of MiB, so the image is linked with
//! `memory-boot.x` (RAM: most of 128 MiB of qemu virt's DRAM) instead of
//! the soft-core's 1 MiB `memory.x`. `cargo xtask firmware` runs it after
//! the main image. On a host target this binary only says so.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
#[path = "../report.rs"]
mod report;
#[cfg(target_os = "none")]
#[path = "../soc.rs"]
mod soc;

#[cfg(target_os = "none")]
mod run {
    use crate::report::{measure, Tally};
    use crate::soc;
    use hearth_firmware::boot_kat::{BootSetup, RESULT_NAME as NAME};

    #[riscv_rt::entry]
    fn main() -> ! {
        soc::start("bootstrap image");
        let mut tally = Tally::default();
        let outcome = measure("ckks-boot-keygen", BootSetup::new)
            .and_then(|setup| measure("ckks-bootstrap", || setup.bootstrap()));
        match outcome {
            Ok(o) => tally.record("ckks", NAME, true, &o.digest()),
            Err(e) => {
                defmt::error!("ckks {=str}: {}", NAME, defmt::Display2Format(&e));
                tally.record("ckks", NAME, false, &[0; 32]);
            }
        }
        defmt::println!("done {=u32} {=u32}", tally.passed, tally.failed);
        soc::exit(if tally.failed == 0 {
            0
        } else {
            soc::EXIT_FAILED
        })
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "hearth-firmware-boot runs on riscv32imac-unknown-none-elf under qemu: use `cargo xtask firmware`"
    );
    std::process::exit(2);
}
