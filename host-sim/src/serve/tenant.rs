//! Tenants: each model's owner has its own CKKS keys, and its ciphertexts
//! carry the identifier of those keys ([`KeyId`]). Evaluation and decryption
//! check it and refuse a ciphertext made under another tenant's keys with a
//! typed error ([`TenantError::KeyMismatch`]) before touching it: under the
//! wrong key, CKKS decryption does not fail by itself, it returns noise
//! (the message masked by `a·(s − s')`), and evaluation with the wrong
//! relinearization key silently produces garbage.

use crate::error::Result;
use crate::he::params::{self, Selection};
use crate::he::session::{ckks, rng_from, Session};
use crate::he::{engine::Lend, throughput};
use crate::nn::Mlp;
use hearth_kernels::ckks::{Ciphertext, Evaluator};
use hearth_kernels::ntt::NttEngine;
use rand::RngExt;

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
        let ranges = crate::nn::calibrate::ranges(mlp, calibration);
        let selection: Selection = params::select(mlp, &ranges, 1)?;
        let key = KeyId(rng_from(seed.map(|s| s ^ 0x6b65_7969))?.random());
        let session = Session::new(selection, seed, &[], engine)?;
        Ok(Self {
            name: name.to_string(),
            key,
            session,
        })
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
        let mut ev = Evaluator::new(&self.session.ctx, Lend(engine));
        let out = throughput::evaluate(&mut ev, &self.session, mlp, cts)?;
        Ok(out
            .into_iter()
            .map(|ct| TenantCt { key: self.key, ct })
            .collect())
    }

    /// Decrypts this tenant's ciphertext (all slots); refuses any other's.
    pub fn decrypt<E: NttEngine<u64>>(&self, engine: &mut E, c: &TenantCt) -> Result<Vec<f64>> {
        self.check(c).map_err(into_error)?;
        self.session.decrypt(engine, &c.ct)
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
        let ct = Ciphertext::from_le_bytes(&self.session.ctx, rest).map_err(ckks)?;
        Ok(TenantCt {
            key: KeyId(u64::from_le_bytes(*id)),
            ct,
        })
    }
}

/// The crate error for a tenant refusal (the message names both key sets).
pub fn into_error(e: TenantError) -> crate::Error {
    crate::Error::Invalid(e.to_string())
}
