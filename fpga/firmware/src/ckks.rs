//! The CKKS workloads on the soft-core (see `hearth_firmware::ckks_kat`).
//!
//! Reported: `result ckks encrypt-pk`, `result ckks encrypt-pk-stream` (the
//! same ciphertext digest, computed whole and limb by limb) and
//! `result ckks mul-relin-rescale`, each with a `measure` line; key
//! generation is measured apart (`ckks-keygen`).

use crate::workloads::{measure, Tally};
use hearth_firmware::ckks_kat::{mul_relin_rescale, values_x, EncryptSetup};
use hearth_firmware::digest::Digest;
use hearth_firmware::Error;

/// Records `kind name` from a workload's digest or error.
fn record(tally: &mut Tally, name: &str, r: Result<Digest, Error>) {
    match r {
        Ok(d) => tally.record("ckks", name, true, &d),
        Err(e) => {
            defmt::error!("ckks {=str}: {}", name, defmt::Display2Format(&e));
            tally.record("ckks", name, false, &[0; 32]);
        }
    }
}

/// Runs the CKKS workloads.
pub fn run(tally: &mut Tally) {
    let values = values_x(2048);
    match measure("ckks-keygen", EncryptSetup::new) {
        Ok(setup) => {
            let r = measure("ckks-encode-encrypt", || setup.encode_encrypt(&values));
            record(tally, "encrypt-pk", r);
            let r = measure("ckks-encode-encrypt-stream", || {
                setup.encode_encrypt_streaming(&values)
            });
            record(tally, "encrypt-pk-stream", r);
            // Where the instructions go: encoding, encryption, one NTT.
            match measure("ckks-encode", || setup.encode(&values)) {
                Ok(msg) => {
                    let r = measure("ckks-encrypt-stream", || setup.encrypt_streaming(&msg));
                    record(tally, "encrypt-pk-stream-split", r);
                }
                Err(e) => record(tally, "encrypt-pk-stream-split", Err(e)),
            }
            let r = measure("ntt-forward-4096", || setup.forward_ntt());
            record(tally, "ntt-forward-4096", r);
        }
        Err(e) => {
            record(tally, "encrypt-pk", Err(e.clone()));
            record(tally, "encrypt-pk-stream", Err(e));
        }
    }
    drop(values);
    let r = measure("ckks-mul-relin-rescale", || {
        mul_relin_rescale().map(|o| o.digest())
    });
    record(tally, "mul-relin-rescale", r);
}
