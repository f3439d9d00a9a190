//! The CKKS workloads on the soft-core (see `hearth_firmware::ckks_kat`).
//!
//! Reported: `result ckks encrypt-pk-lowmem` (and `…-lowmem-split`, the same
//! digest with encoding and encryption measured apart), `result ckks encrypt-pk`, `result ckks encrypt-pk-stream` (the
//! same ciphertext digest, computed whole and limb by limb) and
//! `result ckks mul-relin-rescale`, each with a `measure` line; key
//! generation is measured apart (`ckks-keygen`).

use crate::report::{measure, Tally};
use hearth_firmware::ckks_kat::{mul_relin_rescale, values_x, values_x_iter, EncryptSetup};
use hearth_firmware::digest::Digest;
use hearth_firmware::lowmem;
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

/// Runs the CKKS workloads. The low-memory one comes first, on an empty
/// heap, so its `measure` lines count its whole working set.
pub fn run(tally: &mut Tally) {
    let r = measure("ckks-encode-encrypt-lowmem", || {
        lowmem::encode_encrypt(values_x_iter(2048))
    });
    record(tally, "encrypt-pk-lowmem", r);
    // Where its instructions go: encoding, then encryption.
    let r = measure("ckks-encode-lowmem", || lowmem::encode(values_x_iter(2048)))
        .and_then(|msg| measure("ckks-encrypt-lowmem", || lowmem::encrypt(msg)));
    record(tally, "encrypt-pk-lowmem-split", r);
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
