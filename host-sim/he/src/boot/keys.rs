//! The bootstrapping key set in the PMEM object store
//! ([`crate::key_records`]' format): one record per distinct (Galois
//! element, level) use of the bootstrap and one for the relinearization
//! key, generated one key at a time.

use hearth_kernels::ckks::boot::{BootMode, Bootstrapper};
use hearth_kernels::ckks::{CkksContext, GaloisKeys, RelinKey, SecretKey};
use hearth_kernels::ntt::NttEngine;
use hearth_pmem::ObjectStore;
use rand_chacha::rand_core::Rng;

pub use crate::key_records::{
    check_record, decode_record, encode_record, galois_record, relin_record, KeySetInfo,
    RecordHeader, HEADER_BYTES,
};
use crate::key_records::{put_galois_key, put_record};

use crate::error::{Error, Result};

/// The records a bootstrap with `boot` reads: every distinct (element,
/// level) of its key schedule in either [`BootMode`] (the pair schedule is
/// the single one and one more use), in first-use order.
pub fn galois_uses(boot: &Bootstrapper<u64>) -> Vec<(usize, usize)> {
    let mut seen = std::collections::BTreeSet::new();
    boot.key_schedule_of(BootMode::Pair)
        .into_iter()
        .map(|u| (u.galois_element, u.level))
        .filter(|&p| seen.insert(p))
        .collect()
}

/// The level at which EvalMod multiplies first: the relinearization key's
/// level.
pub fn relin_level(boot: &Bootstrapper<u64>) -> usize {
    boot.output_level() + boot.config().stc_levels + boot.eval_mod_depth()
}

/// Generates the bootstrapping key set of `boot` under `sk` into `store`
/// as the records `set/…`, one key in memory at a time: the
/// relinearization key, then the Galois keys in first-use order — the
/// same random draws, in the same order, as
/// [`hearth_kernels::ckks::boot::MemoryKeySource::generate`], so the keys
/// are the same for the same `rng`. Each Galois key is written once per
/// level it is used at, truncated to it.
pub fn generate_into_store<E: NttEngine<u64>, R: Rng + ?Sized>(
    store: &mut ObjectStore,
    set: &str,
    ctx: &CkksContext<u64>,
    engine: &mut E,
    sk: &SecretKey<u64>,
    boot: &Bootstrapper<u64>,
    rng: &mut R,
) -> Result<KeySetInfo> {
    let mut info = KeySetInfo::default();
    let relin = RelinKey::generate(ctx, engine, sk, rng)?;
    let rl = relin_level(boot);
    let body = encode_record(ctx, &relin.0, 0, rl)?;
    put_record(store, &mut info, &relin_record(set, rl), &body)?;
    drop(relin);
    let uses = galois_uses(boot);
    for element in boot.galois_elements() {
        let gk = GaloisKeys::generate(ctx, engine, sk, &[element], rng)?;
        let key = gk.get(element).ok_or_else(|| Error::KeyRecord {
            record: galois_record(set, element, 0),
            message: "the kernels did not generate this Galois key".into(),
        })?;
        let levels = uses.iter().filter(|u| u.0 == element).map(|u| u.1);
        put_galois_key(store, &mut info, set, ctx, key, element, levels)?;
    }
    Ok(info)
}
