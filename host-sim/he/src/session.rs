//! An HE session: a CKKS context for the chosen parameters, the client's
//! secret key (sparse, of the preset's Hamming weight, when the parameters
//! are a bootstrapping preset's) and the evaluation keys (relinearization,
//! rotations, bootstrapping), and the random generator that encrypts.
//!
//! Randomness: ChaCha20 seeded from the operating system (`getrandom`) by
//! default, or from a caller's 64-bit seed for reproducible runs (the
//! kernels sample keys and noise in a fixed order from it, so a seeded
//! session reproduces keys and ciphertexts byte for byte on every engine).
//! Both generators — the one keyed by the 32-byte key seed that draws the
//! keys, and the session's encryption generator — are the kernels'
//! [`SecretRng`] (the `rand_chacha` ChaCha20 stream, wiped on drop); the
//! session keeps its generator boxed so that moving a session leaves no copy
//! of its state behind. The secret key is zeroized on drop by the kernels;
//! the seed material here is zeroized after use.

use super::params::Selection;
use crate::error::{Error, Result};
use crate::key_records::{galois_record, put_galois_key, KeySetInfo};
use hearth_kernels::ckks::boot::{Bootstrapper, MemoryKeySource};
use hearth_kernels::ckks::{
    rotation_galois_element, Ciphertext, CkksContext, Encryptor, GaloisKeys, Plaintext, RelinKey,
    SecretKey, SecretRng, SeededCiphertext,
};
use hearth_kernels::ntt::NttEngine;
use hearth_pmem::ObjectStore;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Where a session's evaluation keys go.
enum EvalKeys<'a> {
    /// None (an encrypt/decrypt-only session).
    None,
    /// The relinearization key and these rotations' keys, in memory.
    Memory(&'a [i64]),
    /// The relinearization key in memory, the rotation keys into a store.
    Store {
        store: &'a mut ObjectStore,
        set: &'a str,
        uses: &'a BTreeMap<i64, BTreeSet<usize>>,
        info: &'a mut KeySetInfo,
    },
}

/// Keys and context of one client.
pub struct Session {
    /// The chosen parameters.
    pub selection: Selection,
    /// The CKKS context (shared by sessions of the same parameters).
    pub ctx: Arc<CkksContext<u64>>,
    /// The secret key (client side).
    pub sk: SecretKey<u64>,
    /// Relinearization key (server side; absent in encrypt/decrypt-only sessions).
    pub rk: Option<RelinKey<u64>>,
    /// Rotation keys (server side; empty for throughput packing).
    pub gk: GaloisKeys<u64>,
    rng: Box<SecretRng>,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Session({})", self.selection.summary())
    }
}

/// A ChaCha20 generator that wipes itself on drop ([`SecretRng`]) from
/// `seed` (the stream of `rand_chacha::ChaCha20Rng::seed_from_u64(seed)`),
/// or from OS entropy when `None` (the 32 bytes read are wiped).
pub fn rng_from(seed: Option<u64>) -> Result<Box<SecretRng>> {
    match seed {
        Some(s) => Ok(Box::new(SecretRng::seed_from_u64(s))),
        None => {
            let mut key = Zeroizing::new([0u8; 32]);
            getrandom::fill(key.as_mut()).map_err(Error::Entropy)?;
            Ok(Box::new(SecretRng::new(&key)))
        }
    }
}

impl Session {
    /// Generates keys for `selection` with rotation keys for `rotations`
    /// (left steps). The key seed is the first 32 bytes of the generator
    /// ([`rng_from`]); encryption randomness continues from it.
    pub fn new<E: NttEngine<u64>>(
        selection: Selection,
        seed: Option<u64>,
        rotations: &[i64],
        engine: &mut E,
    ) -> Result<Self> {
        let ctx = Arc::new(CkksContext::<u64>::new(selection.params.clone())?);
        Self::new_in(ctx, selection, seed, rotations, engine)
    }

    /// [`Session::new`] over an existing context of the same parameters.
    pub fn new_in<E: NttEngine<u64>>(
        ctx: Arc<CkksContext<u64>>,
        selection: Selection,
        seed: Option<u64>,
        rotations: &[i64],
        engine: &mut E,
    ) -> Result<Self> {
        let mut rng = rng_from(seed)?;
        let mut key_seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key_seed.as_mut());
        Self::from_key_seed_in(ctx, selection, &key_seed, Some(rotations), rng, engine)
    }

    /// Keys from a 32-byte key seed: the secret key, then (when `eval` is
    /// given) the relinearization key and the rotation keys for `eval`'s
    /// steps, all drawn from ChaCha20 keyed by `key_seed` (a [`SecretRng`],
    /// wiped when key generation ends). `rng` encrypts.
    pub fn from_key_seed<E: NttEngine<u64>>(
        selection: Selection,
        key_seed: &[u8; 32],
        eval: Option<&[i64]>,
        rng: Box<SecretRng>,
        engine: &mut E,
    ) -> Result<Self> {
        let ctx = Arc::new(CkksContext::<u64>::new(selection.params.clone())?);
        Self::from_key_seed_in(ctx, selection, key_seed, eval, rng, engine)
    }

    /// [`Session::from_key_seed`] over an existing context of the same
    /// parameters (many tenants share one: its NTT tables and encoder are
    /// most of a session's memory).
    pub fn from_key_seed_in<E: NttEngine<u64>>(
        ctx: Arc<CkksContext<u64>>,
        selection: Selection,
        key_seed: &[u8; 32],
        eval: Option<&[i64]>,
        rng: Box<SecretRng>,
        engine: &mut E,
    ) -> Result<Self> {
        let eval = match eval {
            Some(rotations) => EvalKeys::Memory(rotations),
            None => EvalKeys::None,
        };
        Self::build(ctx, selection, key_seed, eval, rng, engine)
    }

    /// [`Session::new_in`] with the rotation keys generated into the PMEM
    /// object store `store` as the key set `set` instead of into memory:
    /// for each rotation step of `uses`, its Galois key once per level in
    /// its set, truncated to it ([`crate::key_records`]), one key in memory
    /// at a time. The same random draws, in the same order, as
    /// [`Session::new`] with `uses`' steps: the same keys for the same
    /// seed. [`Session::gk`] stays empty.
    pub fn with_stored_rotations<E: NttEngine<u64>>(
        ctx: Arc<CkksContext<u64>>,
        selection: Selection,
        seed: Option<u64>,
        uses: &BTreeMap<i64, BTreeSet<usize>>,
        store: &mut ObjectStore,
        set: &str,
        engine: &mut E,
    ) -> Result<(Self, KeySetInfo)> {
        let mut rng = rng_from(seed)?;
        let mut key_seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key_seed.as_mut());
        let mut info = KeySetInfo::default();
        let eval = EvalKeys::Store {
            store,
            set,
            uses,
            info: &mut info,
        };
        let sess = Self::build(ctx, selection, &key_seed, eval, rng, engine)?;
        Ok((sess, info))
    }

    fn build<E: NttEngine<u64>>(
        ctx: Arc<CkksContext<u64>>,
        selection: Selection,
        key_seed: &[u8; 32],
        eval: EvalKeys<'_>,
        rng: Box<SecretRng>,
        engine: &mut E,
    ) -> Result<Self> {
        if ctx.params() != &selection.params {
            return Err(Error::Session(
                "the shared CKKS context has other parameters than the session",
            ));
        }
        let mut krng = Box::new(SecretRng::new(key_seed));
        let sk = match &selection.bootstrap {
            Some(preset) => {
                SecretKey::generate_sparse(&ctx, engine, preset.hamming_weight, &mut *krng)?
            }
            None => SecretKey::generate(&ctx, engine, &mut *krng)?,
        };
        let elements = |steps: &mut dyn Iterator<Item = i64>| -> Vec<usize> {
            let mut e: Vec<usize> = steps
                .map(|r| rotation_galois_element(ctx.degree(), r))
                .collect();
            e.sort_unstable();
            e.dedup();
            e
        };
        let (rk, gk) = match eval {
            EvalKeys::None => (None, GaloisKeys::default()),
            EvalKeys::Memory(rotations) => {
                let rk = RelinKey::generate(&ctx, engine, &sk, &mut *krng)?;
                let elements = elements(&mut rotations.iter().copied());
                let gk = GaloisKeys::generate(&ctx, engine, &sk, &elements, &mut *krng)?;
                (Some(rk), gk)
            }
            EvalKeys::Store {
                store,
                set,
                uses,
                info,
            } => {
                let rk = RelinKey::generate(&ctx, engine, &sk, &mut *krng)?;
                for element in elements(&mut uses.keys().copied()) {
                    // One key at a time, in the order `GaloisKeys::generate`
                    // draws them.
                    let gk = GaloisKeys::generate(&ctx, engine, &sk, &[element], &mut *krng)?;
                    let key = gk.get(element).ok_or_else(|| Error::KeyRecord {
                        record: galois_record(set, element, 0),
                        message: "the kernels did not generate this Galois key".into(),
                    })?;
                    let levels: BTreeSet<usize> = uses
                        .iter()
                        .filter(|(&r, _)| rotation_galois_element(ctx.degree(), r) == element)
                        .flat_map(|(_, l)| l.iter().copied())
                        .collect();
                    put_galois_key(store, info, set, &ctx, key, element, levels)?;
                }
                (Some(rk), GaloisKeys::default())
            }
        };
        Ok(Session {
            selection,
            ctx,
            sk,
            rk,
            gk,
            rng,
        })
    }

    /// The relinearization key.
    pub fn relin(&self) -> Result<&RelinKey<u64>> {
        self.rk
            .as_ref()
            .ok_or(Error::Session("this session has no evaluation keys"))
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.ctx.degree() / 2
    }

    /// The bootstrapping keys `boot` uses (its Galois keys and a
    /// relinearization key), made by the client from its secret key and
    /// the session's generator.
    pub fn bootstrap_keys<E: NttEngine<u64>>(
        &mut self,
        engine: &mut E,
        boot: &Bootstrapper<u64>,
    ) -> Result<MemoryKeySource<u64>> {
        MemoryKeySource::generate(&self.ctx, engine, &self.sk, boot, &mut *self.rng)
            .map_err(Error::Ckks)
    }

    /// The same keys as [`Session::bootstrap_keys`] (the same draws, in the
    /// same order), generated into the PMEM object store `store` as the key
    /// set `set`, one record per Galois key and level it is used at
    /// ([`crate::boot::keys`]).
    pub fn bootstrap_keys_into<E: NttEngine<u64>>(
        &mut self,
        store: &mut hearth_pmem::ObjectStore,
        set: &str,
        engine: &mut E,
        boot: &Bootstrapper<u64>,
    ) -> Result<crate::boot::KeySetInfo> {
        crate::boot::generate_into_store(
            store,
            set,
            &self.ctx,
            engine,
            &self.sk,
            boot,
            &mut *self.rng,
        )
    }

    /// Encodes `values` (zero-padded) at scale `Δ` and the level fresh
    /// ciphertexts start at ([`Selection::encrypt_level`]), and encrypts
    /// them under the secret key.
    pub fn encrypt<E: NttEngine<u64>>(
        &mut self,
        engine: &mut E,
        values: &[f64],
    ) -> Result<Ciphertext<u64>> {
        let pt = self.fresh_plaintext(engine, values)?;
        Encryptor::new(&self.ctx)
            .encrypt_sk(engine, &self.sk, &pt, &mut *self.rng)
            .map_err(Error::Ckks)
    }

    /// `values` (zero-padded) encoded at scale `Δ` and the level fresh
    /// ciphertexts start at ([`Selection::encrypt_level`]).
    fn fresh_plaintext<E: NttEngine<u64>>(
        &self,
        engine: &mut E,
        values: &[f64],
    ) -> Result<Plaintext<u64>> {
        let level = self.selection.encrypt_level();
        Encryptor::new(&self.ctx)
            .encode_real(engine, values, self.selection.params.scale(), level)
            .map_err(Error::Ckks)
    }

    /// [`Session::encrypt`] with `c_1` expanded from a 32-byte seed drawn
    /// from the session's generator ([`Encryptor::encrypt_sk_seeded`]): the
    /// compact form a client uploads ([`SeededCiphertext::to_le_bytes`]),
    /// which the server expands back into a ciphertext.
    pub fn encrypt_seeded<E: NttEngine<u64>>(
        &mut self,
        engine: &mut E,
        values: &[f64],
    ) -> Result<SeededCiphertext<u64>> {
        let pt = self.fresh_plaintext(engine, values)?;
        Encryptor::new(&self.ctx)
            .encrypt_sk_seeded(engine, &self.sk, &pt, &mut *self.rng)
            .map_err(Error::Ckks)
    }

    /// Decrypts and decodes all slots.
    pub fn decrypt<E: NttEngine<u64>>(
        &self,
        engine: &mut E,
        ct: &Ciphertext<u64>,
    ) -> Result<Vec<f64>> {
        let enc = Encryptor::new(&self.ctx);
        let pt = enc.decrypt(&self.sk, ct)?;
        enc.decode_real(engine, &pt).map_err(Error::Ckks)
    }
}
