//! The sequence of checks the firmware runs: the NTT known-answer vectors,
//! the FPGA pipeline probe and (feature `ckks`) the CKKS workloads, each
//! reported through [`crate::report`].

use crate::report::{measure, Tally};
use crate::{pipeline, soc};
use hearth_firmware::digest::words_digest;
use hearth_firmware::kat::KATS;

#[riscv_rt::entry]
fn main() -> ! {
    soc::start("main image");
    let mut tally = Tally::default();
    run_kats(&mut tally);
    run_pipeline(&mut tally);
    #[cfg(feature = "ckks")]
    crate::ckks::run(&mut tally);
    defmt::println!("done {=u32} {=u32}", tally.passed, tally.failed);
    soc::exit(if tally.failed == 0 {
        0
    } else {
        soc::EXIT_FAILED
    })
}

fn run_kats(tally: &mut Tally) {
    defmt::info!("{=usize} NTT known-answer vectors", KATS.len());
    for kat in KATS {
        match measure(kat.name, || kat.run()) {
            Ok(o) => {
                if !o.passed() {
                    defmt::error!(
                        "kat {=str}: psi {=bool} forward {=bool} inverse {=bool}",
                        kat.name,
                        o.psi_ok,
                        o.forward_ok,
                        o.inverse_ok
                    );
                }
                tally.record("kat", kat.name, o.passed(), &o.digest);
            }
            Err(e) => {
                defmt::error!("kat {=str}: {}", kat.name, defmt::Display2Format(&e));
                tally.record("kat", kat.name, false, &[0; 32]);
            }
        }
    }
}

/// Probes the FPGA pipeline at the SoC's addresses: with a device, replays
/// the first vector on it; without one (qemu), checks that the driver
/// refuses the empty address range.
fn run_pipeline(tally: &mut Tally) {
    match pipeline::probe() {
        Ok(mut engine) => {
            let Some(kat) = KATS.first() else {
                return;
            };
            match kat.run_on(&mut engine) {
                Ok(o) => tally.record("hal", "pipeline-kat", o.passed(), &o.digest),
                Err(e) => {
                    defmt::error!("pipeline: {}", defmt::Display2Format(&e));
                    tally.record("hal", "pipeline-kat", false, &[0; 32]);
                }
            }
        }
        Err(hearth_hal::pipeline::Error::BadIdentity { id }) => {
            defmt::info!(
                "no NTT pipeline at {=usize:#x} (ID reads {=u32:#x})",
                pipeline::REG_BASE,
                id
            );
            let digest = words_digest([u64::from(id)]);
            tally.record("hal", "pipeline-absent", true, &digest);
        }
        Err(e) => {
            defmt::error!("pipeline probe: {}", defmt::Display2Format(&e));
            tally.record("hal", "pipeline-absent", false, &[0; 32]);
        }
    }
}
