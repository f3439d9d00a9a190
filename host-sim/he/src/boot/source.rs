//! [`PmemKeySource`]: a [`BootKeySource`] that streams the bootstrapping
//! keys from the PMEM object store under a memory budget.
//!
//! ## Guarantees
//! At most one Galois key is resident (the previous one is dropped before
//! the next is read), beside the relinearization key, which is read once
//! and kept; the store's pages a record was copied from are released
//! from the process as soon as it is read ([`ObjectStore::release_resident`]),
//! so the mapped key set does not accumulate in the resident set. Every request follows [`Bootstrapper::key_schedule_of`] in the
//! source's [`BootMode`] (single unless [`PmemKeySource::set_mode`] says
//! otherwise), so the
//! source knows the level of each switch and reads the record truncated to
//! it. Every record is checked (length from the index, then header,
//! parameters' fingerprint, element, every residue) before it is used, and
//! the whole set's presence and sizes when the source is opened, so a
//! missing or foreign key fails before the bootstrap starts. Since a
//! truncated key gives the same switch as the whole key, the streamed
//! bootstrap is byte-identical with the all-in-memory one.

use hearth_kernels::ckks::boot::{BootKeySource, BootMode, Bootstrapper, KeyUse};
use hearth_kernels::ckks::{Ciphertext, CkksContext, CkksError, Evaluator, KeySwitchKey, RelinKey};
use hearth_kernels::ntt::NttEngine;
use hearth_pmem::ObjectStore;

use super::keys::{self, check_record, decode_record, galois_record, relin_record};
use crate::error::{Error, Result};

/// What a [`PmemKeySource`] moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Records read from the store.
    pub records_read: u64,
    /// Bytes of those records (headers included).
    pub bytes_read: u64,
    /// Bytes of key the switches read: for each Galois-key use, the key
    /// truncated to its level; the relinearization key at EvalMod's level
    /// once per bootstrap.
    pub key_bytes_used: u64,
    /// Most key bytes resident at once (decoded keys and the record being
    /// decoded).
    pub peak_resident: u64,
}

/// Streams one bootstrap's keys from the store `set/…` (see [`keys`]).
#[derive(Debug)]
pub struct PmemKeySource<'s> {
    store: &'s mut ObjectStore,
    ctx: &'s CkksContext<u64>,
    set: String,
    schedule: Vec<KeyUse>,
    cursor: usize,
    relin_level: usize,
    galois: Option<(usize, usize, KeySwitchKey<u64>)>,
    relin: Option<RelinKey<u64>>,
    stats: StreamStats,
    failure: Option<Error>,
}

/// Bytes the decoded key of a record of `len` bytes occupies.
fn decoded(len: u64) -> u64 {
    len.saturating_sub(keys::HEADER_BYTES as u64)
}

/// Bytes a [`PmemKeySource`] for `boot` needs resident at most: the
/// relinearization key, the largest Galois key and the record it is
/// decoded from.
pub fn working_set(ctx: &CkksContext<u64>, boot: &Bootstrapper<u64>) -> u64 {
    let relin = keys::RecordHeader::expected(ctx, 0, keys::relin_level(boot)).record_bytes();
    let largest = keys::galois_uses(boot)
        .into_iter()
        .map(|(e, l)| keys::RecordHeader::expected(ctx, e, l).record_bytes())
        .max()
        .unwrap_or(0);
    decoded(relin) + largest + decoded(largest)
}

impl<'s> PmemKeySource<'s> {
    /// Opens the key set `set` in `store` for `boot`: checks that every
    /// record the bootstrap needs is present with its expected length
    /// ([`Error::KeyRecord`] naming the first that is not) and that the
    /// working set — the relinearization key, one Galois key and the record
    /// it is decoded from — fits `mem_budget` bytes ([`Error::MemBudget`]
    /// with the bytes needed).
    pub fn open(
        store: &'s mut ObjectStore,
        ctx: &'s CkksContext<u64>,
        boot: &Bootstrapper<u64>,
        set: &str,
        mem_budget: u64,
    ) -> Result<Self> {
        let relin_level = keys::relin_level(boot);
        check_record(store, ctx, &relin_record(set, relin_level), 0, relin_level)?;
        for (element, level) in keys::galois_uses(boot) {
            let name = galois_record(set, element, level);
            check_record(store, ctx, &name, element, level)?;
        }
        let needed = working_set(ctx, boot);
        if needed > mem_budget {
            return Err(Error::MemBudget {
                needed,
                budget: mem_budget,
            });
        }
        Ok(Self {
            store,
            ctx,
            set: set.to_string(),
            schedule: boot.key_schedule(),
            cursor: 0,
            relin_level,
            galois: None,
            relin: None,
            stats: StreamStats::default(),
            failure: None,
        })
    }

    /// Follows the key schedule of bootstraps run in `mode` from the next
    /// one on (the store holds the records of every mode, [`keys::galois_uses`]).
    pub fn set_mode(&mut self, boot: &Bootstrapper<u64>, mode: BootMode) {
        self.schedule = boot.key_schedule_of(mode);
        self.cursor = 0;
    }

    /// What has been moved so far.
    pub fn stats(&self) -> StreamStats {
        self.stats
    }

    /// PMEM traffic of the store so far.
    pub fn pmem_stats(&self) -> hearth_pmem::PmemStats {
        self.store.pmem_stats()
    }

    /// Resets the counters (the resident relinearization key stays).
    pub fn reset_stats(&mut self) {
        self.stats = StreamStats::default();
    }

    /// The error behind the last failed request, if any (taken).
    pub fn take_failure(&mut self) -> Option<Error> {
        self.failure.take()
    }

    fn resident(&self) -> u64 {
        let g = self
            .galois
            .as_ref()
            .map_or(0, |(e, l, _)| self.record_len(*e, *l));
        let r = self
            .relin
            .as_ref()
            .map_or(0, |_| self.record_len(0, self.relin_level));
        decoded(g) + decoded(r)
    }

    fn record_len(&self, element: usize, level: usize) -> u64 {
        keys::RecordHeader::expected(self.ctx, element, level).record_bytes()
    }

    /// Reads and decodes one record (the previous Galois key already
    /// dropped by the caller).
    fn load(&mut self, name: &str, element: usize, level: usize) -> Result<KeySwitchKey<u64>> {
        let len = check_record(self.store, self.ctx, name, element, level)?;
        let bytes = self.store.get(name)?;
        // Copied out: the record's pages of the mapped store need not stay
        // in this process (the budget counts the copy and its decoding).
        self.store.release_resident()?;
        self.stats.records_read += 1;
        self.stats.bytes_read += bytes.len() as u64;
        let peak = self.resident() + len + decoded(len);
        self.stats.peak_resident = self.stats.peak_resident.max(peak);
        decode_record(self.ctx, name, &bytes, element, level)
    }

    fn fail(&mut self, e: Error) -> CkksError {
        self.failure = Some(e);
        CkksError::Malformed("bootstrapping key store (see the host error)")
    }
}

impl BootKeySource<u64> for PmemKeySource<'_> {
    fn galois_key(
        &mut self,
        galois_element: usize,
    ) -> core::result::Result<&KeySwitchKey<u64>, CkksError> {
        let Some(&u) = self.schedule.get(self.cursor) else {
            return Err(CkksError::MissingGaloisKey { galois_element });
        };
        if u.galois_element != galois_element {
            let e = Error::KeyRecord {
                record: galois_record(&self.set, galois_element, u.level),
                message: format!(
                    "requested out of the key schedule (expected element {})",
                    u.galois_element
                ),
            };
            return Err(self.fail(e));
        }
        self.cursor = (self.cursor + 1) % self.schedule.len();
        self.stats.key_bytes_used += decoded(self.record_len(galois_element, u.level));
        let hit = matches!(&self.galois, Some((e, l, _)) if *e == galois_element && *l >= u.level);
        if !hit {
            self.galois = None;
            let name = galois_record(&self.set, galois_element, u.level);
            match self.load(&name, galois_element, u.level) {
                Ok(k) => self.galois = Some((galois_element, u.level, k)),
                Err(e) => return Err(self.fail(e)),
            }
        }
        match &self.galois {
            Some((_, _, k)) => Ok(k),
            None => Err(CkksError::MissingGaloisKey { galois_element }),
        }
    }

    fn relin_key(&mut self) -> core::result::Result<&RelinKey<u64>, CkksError> {
        // Requested once per bootstrap (before EvalMod).
        self.stats.key_bytes_used += decoded(self.record_len(0, self.relin_level));
        if self.relin.is_none() {
            let name = relin_record(&self.set, self.relin_level);
            match self.load(&name, 0, self.relin_level) {
                Ok(k) => self.relin = Some(RelinKey(k)),
                Err(e) => return Err(self.fail(e)),
            }
        }
        self.relin.as_ref().ok_or(CkksError::MissingRelinKey)
    }
}

/// Bootstraps `ct` with keys streamed by `keys`; a store error behind a
/// failed request comes back as itself (naming the record), not as the
/// kernels' generic key error.
pub fn bootstrap_streamed<E: NttEngine<u64>>(
    boot: &Bootstrapper<u64>,
    ev: &mut Evaluator<'_, u64, E>,
    keys: &mut PmemKeySource<'_>,
    ct: &Ciphertext<u64>,
) -> Result<Ciphertext<u64>> {
    match boot.bootstrap(ev, keys, ct) {
        Ok(c) => Ok(c),
        Err(e) => Err(keys.take_failure().unwrap_or(Error::Ckks(e))),
    }
}
