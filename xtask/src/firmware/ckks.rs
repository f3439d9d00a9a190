//! What the host expects of the firmware's CKKS workloads: the same
//! procedures (`hearth_firmware::ckks_kat`) run here on the host's word and
//! target, their results checked by decryption before their digests are
//! trusted.

use super::kat::hex;
use super::report::Expected;
use hearth_firmware::ckks_kat::{
    mul_relin_rescale, values_x, values_x_iter, values_y, EncryptSetup,
};
use hearth_kernels::ckks::Encryptor;
use hearth_kernels::ntt::SoftwareNtt;

/// The host's digests for the `ckks` results: `encrypt-pk`,
/// `encrypt-pk-stream`, `encrypt-pk-stream-split` (all the same
/// ciphertext), `encrypt-pk-lowmem` and `encrypt-pk-lowmem-split` (the
/// low-memory encoder's ciphertext), `ntt-forward-4096` and
/// `mul-relin-rescale`.
pub fn expected() -> Result<Vec<Expected>, String> {
    let err = |e: hearth_firmware::Error| format!("host CKKS workload: {e}");
    let setup = EncryptSetup::new().map_err(err)?;
    let encrypt = hex(&setup.encode_encrypt(&values_x(2048)).map_err(err)?);
    // The low-memory path (its own encoder, provisioned key and tables),
    // run here with the same code.
    let lowmem = hex(&hearth_firmware::lowmem::encode_encrypt(values_x_iter(2048)).map_err(err)?);
    let mul = mul_relin_rescale().map_err(err)?;
    let enc = Encryptor::new(&mul.ctx);
    let pt = enc
        .decrypt(&mul.sk, &mul.product)
        .map_err(|e| format!("host decrypt: {e}"))?;
    let got = enc
        .decode_real(&mut SoftwareNtt, &pt)
        .map_err(|e| format!("host decode: {e}"))?;
    let slots = mul.ctx.degree() / 2;
    let worst = values_x(slots)
        .iter()
        .zip(values_y(slots))
        .zip(&got)
        .map(|((x, y), g)| (x * y - g).abs())
        .fold(0.0, f64::max);
    if worst >= 1.0 / 64.0 {
        return Err(format!(
            "the host's product decrypts with error {worst} (≥ 2^-6): refusing its digest"
        ));
    }
    let item = |name: &str, digest: &str| Expected {
        kind: "ckks".into(),
        name: name.into(),
        digest: digest.into(),
    };
    Ok(vec![
        item("encrypt-pk", &encrypt),
        item("encrypt-pk-stream", &encrypt),
        item("encrypt-pk-stream-split", &encrypt),
        item("encrypt-pk-lowmem", &lowmem),
        item("encrypt-pk-lowmem-split", &lowmem),
        item("ntt-forward-4096", &hex(&setup.forward_ntt().map_err(err)?)),
        item("mul-relin-rescale", &hex(&mul.digest())),
    ])
}
