//! Tenants: each model's owner has its own CKKS keys, and its ciphertexts
//! carry the identifier of those keys ([`KeyId`]). Evaluation and decryption
//! check it and refuse a ciphertext made under another tenant's keys with a
//! typed error ([`TenantError::KeyMismatch`]) before touching it: under the
//! wrong key, CKKS decryption does not fail by itself, it returns noise
//! (the message masked by `a·(s − s')`), and evaluation with the wrong
//! relinearization key silently produces garbage.
//!
//! Tenants of the same parameters share one CKKS context
//! ([`Tenant::new_in`]). A tenant's relinearization key — the server's
//! largest per-tenant object — can be parked in the PMEM object store
//! ([`Tenant::park`]) and is then read back for each evaluation; its record
//! starts with the tenant's key identifier, so a key of another tenant
//! under this tenant's name is refused, not used.

use crate::error::{Error, Result};
use hearth_he::params::{self, Selection};
use hearth_he::session::{rng_from, Session};
use hearth_he::throughput;
use hearth_kernels::ckks::{Ciphertext, CkksContext, Evaluator, RelinKey};
use hearth_kernels::ntt::NttEngine;
use hearth_nn::Mlp;
use hearth_pmem::store::{ObjectStore, RecordKind};
use rand::RngExt;
use std::sync::{Arc, Mutex};

/// Identifier of one tenant's key set (random, drawn at key generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct KeyId(pub u64);

/// Refusals of the tenant layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// A ciphertext made under another key set was given to this tenant.
    #[error("ciphertext belongs to key set {found:#018x}, not to tenant `{tenant}` ({expected:#018x}); refusing to mix tenants")]
    KeyMismatch {
        /// The tenant.
        tenant: String,
        /// The tenant's key identifier.
        expected: u64,
        /// The ciphertext's key identifier.
        found: u64,
    },
    /// A serialized tenant ciphertext is malformed.
    #[error("tenant ciphertext: {0}")]
    Malformed(String),
}

/// A ciphertext with the identifier of the keys it was made under.
#[derive(Debug, Clone)]
pub struct TenantCt {
    /// The key set.
    pub key: KeyId,
    /// The ciphertext.
    pub ct: Ciphertext<u64>,
}

/// One tenant: a name and a session (context, secret and evaluation keys).
#[derive(Debug)]
pub struct Tenant {
    /// The tenant's name.
    pub name: String,
    /// Its key set's identifier.
    pub key: KeyId,
    /// Its keys and context.
    pub session: Session,
    /// Where its relinearization key is when it is not in `session`.
    parked: Option<(Arc<Mutex<ObjectStore>>, String)>,
}

impl Tenant {
    /// Generates a tenant's keys for `mlp` (throughput packing), sized by the
    /// value ranges of `calibration` rows; seeded when `seed` is given.
    pub fn new<E: NttEngine<u64>>(
        name: &str,
        mlp: &Mlp,
        calibration: &[Vec<f64>],
        seed: Option<u64>,
        engine: &mut E,
    ) -> Result<Self> {
        let selection = Self::selection(mlp, calibration)?;
        let ctx = Arc::new(CkksContext::<u64>::new(selection.params.clone()).map_err(Error::Ckks)?);
        Self::new_in(name, ctx, selection, seed, engine)
    }

    /// The parameters [`Tenant::new`] chooses for `mlp` and `calibration`.
    pub fn selection(mlp: &Mlp, calibration: &[Vec<f64>]) -> Result<Selection> {
        let ranges = hearth_nn::calibrate::ranges(mlp, calibration);
        Ok(params::select(mlp, &ranges, 1)?)
    }

    /// A tenant over a shared context `ctx` of `selection`'s parameters
    /// (the same keys as [`Tenant::new`] for the same seed).
    pub fn new_in<E: NttEngine<u64>>(
        name: &str,
        ctx: Arc<CkksContext<u64>>,
        selection: Selection,
        seed: Option<u64>,
        engine: &mut E,
    ) -> Result<Self> {
        let key = KeyId(rng_from(seed.map(|s| s ^ 0x6b65_7969))?.random());
        let session = Session::new_in(ctx, selection, seed, &[], engine)?;
        Ok(Self {
            name: name.to_string(),
            key,
            session,
            parked: None,
        })
    }

    /// The store record of this tenant's relinearization key.
    #[must_use]
    pub fn relin_record(&self) -> String {
        format!("tenants/{}/{:016x}/relin", self.name, self.key.0)
    }

    /// Moves the relinearization key into `store` (record
    /// [`Tenant::relin_record`]: the key identifier, then the key in
    /// postcard); evaluations read it back. Returns the record's bytes.
    pub fn park(&mut self, store: &Arc<Mutex<ObjectStore>>) -> Result<u64> {
        let rk = self.session.rk.take().ok_or_else(|| {
            crate::Error::Invalid(format!("tenant `{}` has no key to park", self.name))
        })?;
        let mut body = self.key.0.to_le_bytes().to_vec();
        body.extend(
            postcard::to_allocvec(&rk)
                .map_err(|e| crate::Error::Invalid(format!("encoding a tenant key: {e}")))?,
        );
        drop(rk);
        let record = self.relin_record();
        store
            .lock()
            .map_err(|_| crate::Error::Poisoned("key store"))?
            .put(&record, RecordKind::PublicKey, &body)?;
        self.parked = Some((store.clone(), record));
        Ok(body.len() as u64)
    }

    /// Brings a parked relinearization key back into memory for good.
    pub fn unpark_resident(&mut self) -> Result<()> {
        if let Some((store, record)) = self.parked.take() {
            match self.unpark(&store, &record) {
                Ok(rk) => self.session.rk = Some(rk),
                Err(e) => {
                    self.parked = Some((store, record));
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Reads the parked relinearization key back and checks it: this
    /// tenant's key identifier, well formed for the context.
    fn unpark(&self, store: &Mutex<ObjectStore>, record: &str) -> Result<RelinKey<u64>> {
        let bytes = store
            .lock()
            .map_err(|_| crate::Error::Poisoned("key store"))?
            .get(record)?;
        let (id, rest) = bytes
            .split_first_chunk::<8>()
            .ok_or_else(|| into_error(TenantError::Malformed(format!("{record} is too short"))))?;
        let found = u64::from_le_bytes(*id);
        if found != self.key.0 {
            return Err(into_error(TenantError::KeyMismatch {
                tenant: self.name.clone(),
                expected: self.key.0,
                found,
            }));
        }
        let rk: RelinKey<u64> = postcard::from_bytes(rest)
            .map_err(|e| into_error(TenantError::Malformed(format!("{record}: {e}"))))?;
        rk.0.validate(&self.session.ctx).map_err(Error::Ckks)?;
        Ok(rk)
    }

    /// Checks that `c` was made under this tenant's keys (the typed refusal
    /// that [`Tenant::evaluate`] and [`Tenant::decrypt`] report).
    pub fn check(&self, c: &TenantCt) -> core::result::Result<(), TenantError> {
        if c.key == self.key {
            Ok(())
        } else {
            Err(TenantError::KeyMismatch {
                tenant: self.name.clone(),
                expected: self.key.0,
                found: c.key.0,
            })
        }
    }

    /// Encrypts a batch of raw rows (standardised by `mlp`): one ciphertext
    /// per feature, samples across the slots.
    pub fn encrypt<E: NttEngine<u64>>(
        &mut self,
        engine: &mut E,
        mlp: &Mlp,
        rows: &[Vec<f64>],
    ) -> Result<Vec<TenantCt>> {
        let std_rows: Vec<Vec<f64>> = rows.iter().map(|r| mlp.standardised(r)).collect();
        let cts = throughput::encrypt_batch(&mut self.session, engine, &std_rows, mlp.inputs())?;
        Ok(cts
            .into_iter()
            .map(|ct| TenantCt { key: self.key, ct })
            .collect())
    }

    /// Evaluates `mlp` on this tenant's ciphertexts with its evaluation keys;
    /// refuses any other tenant's ciphertext.
    pub fn evaluate<E: NttEngine<u64>>(
        &self,
        engine: &mut E,
        mlp: &Mlp,
        inputs: Vec<TenantCt>,
    ) -> Result<Vec<TenantCt>> {
        for c in &inputs {
            self.check(c).map_err(into_error)?;
        }
        let cts = inputs.into_iter().map(|c| c.ct).collect();
        let loaded;
        let rk = match (&self.session.rk, &self.parked) {
            (Some(rk), _) => rk,
            (None, Some((store, record))) => {
                loaded = self.unpark(store, record)?;
                &loaded
            }
            (None, None) => self.session.relin()?,
        };
        let mut ev = Evaluator::new(&self.session.ctx, engine);
        let out = throughput::evaluate_with(&mut ev, rk, mlp, cts)?;
        Ok(out
            .into_iter()
            .map(|ct| TenantCt { key: self.key, ct })
            .collect())
    }

    /// Decrypts this tenant's ciphertext (all slots); refuses any other's.
    pub fn decrypt<E: NttEngine<u64>>(&self, engine: &mut E, c: &TenantCt) -> Result<Vec<f64>> {
        self.check(c).map_err(into_error)?;
        Ok(self.session.decrypt(engine, &c.ct)?)
    }

    /// Decrypts the logits of `samples` rows from the network's outputs.
    pub fn decrypt_logits<E: NttEngine<u64>>(
        &self,
        engine: &mut E,
        outputs: &[TenantCt],
        samples: usize,
    ) -> Result<Vec<Vec<f64>>> {
        let slots: Vec<Vec<f64>> = outputs
            .iter()
            .map(|c| self.decrypt(engine, c))
            .collect::<Result<_>>()?;
        Ok((0..samples)
            .map(|j| slots.iter().map(|s| s[j]).collect())
            .collect())
    }

    /// Serializes a ciphertext with its key identifier.
    pub fn to_bytes(&self, c: &TenantCt) -> Vec<u8> {
        let mut out = c.key.0.to_le_bytes().to_vec();
        out.extend_from_slice(&c.ct.to_le_bytes(&self.session.ctx));
        out
    }

    /// Reads a ciphertext written by [`Tenant::to_bytes`] (of any tenant with
    /// the same parameters; the key identifier is checked on use).
    pub fn from_bytes(&self, bytes: &[u8]) -> Result<TenantCt> {
        let (id, rest) = bytes
            .split_first_chunk::<8>()
            .ok_or_else(|| into_error(TenantError::Malformed("shorter than its key id".into())))?;
        let ct = Ciphertext::from_any_le_bytes(&self.session.ctx, rest).map_err(Error::Ckks)?;
        Ok(TenantCt {
            key: KeyId(u64::from_le_bytes(*id)),
            ct,
        })
    }
}

/// The crate error for a tenant refusal.
pub fn into_error(e: TenantError) -> crate::Error {
    crate::Error::Tenant(e)
}
