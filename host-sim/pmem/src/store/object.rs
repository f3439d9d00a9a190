//! [`ObjectStore`]: named objects in a hal record store over a [`PmemFile`].

use super::envelope::{self, key_of};
use crate::error::{Error, Result};
use crate::file::Sharing;
use crate::PmemFile;
use hearth_hal::pmem::{
    CompactReport, Error as StoreError, PersistentMemory, RecordKind, RecoveryReport, Store,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Most objects one store indexes (the hal store's bounded index).
pub const INDEX_CAPACITY: usize = 2048;

type Inner = Store<Shared, INDEX_CAPACITY>;

/// A [`PmemFile`] shared between the record store and its owner (who reads
/// the traffic counters), as `hal`'s [`PersistentMemory`].
#[derive(Debug, Clone)]
pub struct Shared(Arc<Mutex<PmemFile>>);

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, PmemFile> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl PersistentMemory for Shared {
    type Error = String;
    fn len(&self) -> u64 {
        self.lock().len()
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> core::result::Result<(), String> {
        self.lock().read(offset, buf).map_err(|e| e.to_string())
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> core::result::Result<(), String> {
        self.lock().write(offset, data).map_err(|e| e.to_string())
    }
    fn flush(&mut self, offset: u64, len: u64) -> core::result::Result<(), String> {
        self.lock().flush(offset, len).map_err(|e| e.to_string())
    }
    fn fence(&mut self) -> core::result::Result<(), String> {
        self.lock().fence();
        Ok(())
    }
    fn release(&mut self, offset: u64, len: u64) -> core::result::Result<(), String> {
        self.lock().release(offset, len).map_err(|e| e.to_string())
    }
}

/// One object, as `hearth store list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectInfo {
    /// The object's name (`None` when its record is corrupt).
    pub name: Option<String>,
    /// The record key.
    pub key: u64,
    /// What it holds (`secret-key`, `public-key`, `ciphertext`, `tensor`, `blob`).
    pub kind: String,
    /// Bytes of the object (without the envelope).
    pub bytes: u64,
    /// Sequence number of its record.
    pub seq: u64,
}

/// What `verify` found: the records read back, and what recovery dropped
/// when the store was opened (records that vanished are never in the index,
/// so only the recovery report shows them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// Objects whose record and envelope check.
    pub ok: u64,
    /// Keys of records that failed their CRC-32C or envelope.
    pub corrupt: Vec<u64>,
    /// Payload bytes checked.
    pub bytes: u64,
    /// Bytes skipped between accepted records: damaged record headers,
    /// whose records (committed or not) were dropped.
    pub corrupt_bytes: u64,
    /// Non-zero bytes after the last accepted record: a torn append or a
    /// damaged last record, dropped.
    pub trailing_garbage: bool,
    /// Record headers without a valid commit word, dropped.
    pub torn: u32,
}

impl VerifyReport {
    /// Whether every record is intact and recovery dropped nothing: no
    /// corrupt record, no skipped bytes, no trailing garbage, no torn record.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.corrupt.is_empty()
            && self.corrupt_bytes == 0
            && !self.trailing_garbage
            && self.torn == 0
    }
}

/// Named objects (keys, tensors, ciphertexts) in a crash-consistent store
/// over a memory-mapped PMEM file.
#[derive(Debug)]
pub struct ObjectStore {
    path: PathBuf,
    inner: Box<Inner>,
    pm: Shared,
    recovery: RecoveryReport,
    /// Made by [`ObjectStore::temporary`]: its file has no name any more.
    unlinked: bool,
}

fn store_err(path: &Path, e: StoreError<String>) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn kind_name(k: RecordKind) -> String {
    match k {
        RecordKind::SecretKey => "secret-key".into(),
        RecordKind::PublicKey => "public-key".into(),
        RecordKind::Ciphertext => "ciphertext".into(),
        RecordKind::Tensor => "tensor".into(),
        RecordKind::Blob => "blob".into(),
        RecordKind::Other(c) => format!("kind-{c}"),
    }
}

impl ObjectStore {
    /// Creates (or replaces) a store of `size` bytes at `path`. The store
    /// is formatted in a side file and renamed into place, so `path` never
    /// names a half-formatted store. A store at `path` that another writer
    /// has open is not replaced ([`Error::Locked`]).
    pub fn create(path: impl AsRef<Path>, size: u64) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        // Held until the rename: the store being replaced is not in use.
        let _old = match std::fs::File::open(&path) {
            Ok(f) => {
                crate::file::lock(&f, &path, crate::file::Sharing::Exclusive)?;
                Some(f)
            }
            Err(_) => None,
        };
        let tmp = path.with_extension("creating");
        let _ = std::fs::remove_file(&tmp);
        let pm = Shared(Arc::new(Mutex::new(PmemFile::create_new(&tmp, size)?)));
        // A fresh identifier, so records of an earlier store are ignored.
        let id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            ^ u64::from(std::process::id());
        drop(Inner::format(pm, id).map_err(|e| store_err(&path, e))?);
        replace(&tmp, &path)?;
        Self::open(&path)
    }

    /// Opens the store at `path`, recovering from any crash (torn records are
    /// dropped and counted in [`ObjectStore::recovery`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_shared(path, Sharing::Exclusive)
    }

    /// Opens the store at `path` like [`ObjectStore::open`], shared with
    /// other processes as `sharing` says. With [`Sharing::Coordinated`] the
    /// callers must serialize their writes themselves and re-open after
    /// another process wrote (each process keeps its own index).
    pub fn open_shared(path: impl AsRef<Path>, sharing: Sharing) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let size = std::fs::metadata(&path)
            .map_err(|e| Error::io(&path, e))?
            .len();
        let pm = Shared(Arc::new(Mutex::new(PmemFile::open_shared(
            &path, size, sharing,
        )?)));
        let (inner, recovery) = Inner::open(pm.clone()).map_err(|e| store_err(&path, e))?;
        Ok(Self {
            path,
            inner: Box::new(inner),
            pm,
            recovery,
            unlinked: false,
        })
    }

    /// A scratch store of `size` bytes for one run (the keys or plaintexts
    /// it streams): created under a fresh name in the temporary directory
    /// and unlinked at once, so the kernel frees its blocks when the store
    /// is dropped or the process ends, however it ends (an error, a
    /// signal, a crash): nothing is left behind. [`ObjectStore::path`]
    /// still names where it was made, for messages; it cannot be re-opened
    /// or compacted.
    pub fn temporary(size: u64) -> Result<Self> {
        for _ in 0..16 {
            let path = crate::file::temporary_path("hearth-store", "pmem");
            if path.exists() {
                continue;
            }
            let mut store = Self::create(&path, size)?;
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            store.unlinked = true;
            return Ok(store);
        }
        Err(Error::Locked {
            path: std::env::temp_dir(),
        })
    }

    /// Opens the store at `path`, or creates one of `size` bytes there.
    pub fn open_or_create(path: impl AsRef<Path>, size: u64) -> Result<Self> {
        Self::open_or_create_shared(path, size, Sharing::Exclusive)
    }

    /// [`ObjectStore::open_or_create`], shared as `sharing` says (a store it
    /// creates is formatted under the exclusive lock, then re-opened).
    pub fn open_or_create_shared(
        path: impl AsRef<Path>,
        size: u64,
        sharing: Sharing,
    ) -> Result<Self> {
        let path = path.as_ref();
        if !path.exists() {
            drop(Self::create(path, size)?);
        }
        Self::open_shared(path, sharing)
    }

    /// What recovery found when the store was opened.
    pub fn recovery(&self) -> RecoveryReport {
        self.recovery
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes left for new records.
    pub fn free_bytes(&self) -> u64 {
        self.inner.free_bytes()
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the store holds no object.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// PMEM traffic so far (by the Optane cost model).
    pub fn pmem_stats(&self) -> crate::PmemStats {
        self.pm.lock().stats()
    }

    /// Size of the file in bytes.
    pub fn capacity(&self) -> u64 {
        self.pm.lock().len()
    }

    /// Stores `body` under `name`, atomically replacing any earlier object
    /// of that name; durable when this returns.
    pub fn put(&mut self, name: &str, kind: RecordKind, body: &[u8]) -> Result<()> {
        let sealed = envelope::seal(name, body)?;
        let key = key_of(name);
        if let Ok(existing) = self.get_named(key) {
            if existing.0 != name {
                return Err(Error::NameCollision {
                    name: name.to_string(),
                    existing: existing.0,
                    key,
                });
            }
        }
        self.inner
            .put(key, kind, &sealed)
            .map_err(|e| store_err(&self.path, e))
    }

    fn get_named(&mut self, key: u64) -> Result<(String, Vec<u8>, RecordKind)> {
        let mut buf = Vec::new();
        let (name, body, kind) = self.read_named(key, &mut buf)?;
        // Strip the envelope in place: no second copy of a large object.
        buf.truncate(body.end);
        buf.drain(..body.start);
        Ok((name, buf, kind))
    }

    /// Reads record `key` into the front of `buf` (grown when too short,
    /// never shrunk, so a reader of many objects reuses one allocation),
    /// checks its CRC-32C and envelope, and returns the name and where the
    /// body lies in `buf`.
    fn read_named(
        &mut self,
        key: u64,
        buf: &mut Vec<u8>,
    ) -> Result<(String, std::ops::Range<usize>, RecordKind)> {
        let info = self.inner.info(key).map_err(|e| store_err(&self.path, e))?;
        let len = info.len as usize;
        if buf.len() < len {
            buf.resize(len, 0);
        }
        self.inner
            .get(key, &mut buf[..len])
            .map_err(|e| store_err(&self.path, e))?;
        let (name, body) = envelope::open(&buf[..len]).map_err(|what| Error::Envelope {
            path: self.path.clone(),
            key,
            what,
        })?;
        Ok((name.to_string(), len - body.len()..len, info.kind))
    }

    /// The object `name`'s bytes, checked (CRC-32C and envelope).
    pub fn get(&mut self, name: &str) -> Result<Vec<u8>> {
        let (found, body, _) = self.get_named(key_of(name))?;
        if found != name {
            return Err(Error::NotFound {
                path: self.path.clone(),
                name: name.to_string(),
            });
        }
        Ok(body)
    }

    /// [`ObjectStore::get`] into a buffer the caller keeps: the record is
    /// read into the front of `buf` (grown when too short, never shrunk, so
    /// a reader of many large objects allocates once) and checked the same
    /// way; returns where the object's bytes lie in `buf`.
    pub fn get_into(&mut self, name: &str, buf: &mut Vec<u8>) -> Result<std::ops::Range<usize>> {
        let (found, body, _) = self.read_named(key_of(name), buf)?;
        if found != name {
            return Err(Error::NotFound {
                path: self.path.clone(),
                name: name.to_string(),
            });
        }
        Ok(body)
    }

    /// Drops every page of the store's file from this process's resident
    /// set ([`PmemFile::release`]: the objects are unchanged and as durable
    /// as before; the next read maps their pages in again). A reader
    /// streaming objects larger than its memory budget calls it after each
    /// one. (Opening a store releases what its recovery scan read, through
    /// [`hearth_hal::pmem::PersistentMemory::release`].)
    pub fn release_resident(&self) -> Result<()> {
        let mut pm = self.pm.lock();
        let len = pm.len();
        pm.release(0, len)
    }

    /// Bytes of the object `name`'s body, from the index (no PMEM read).
    pub fn get_len(&self, name: &str) -> Result<u64> {
        let info = self
            .inner
            .info(key_of(name))
            .map_err(|e| store_err(&self.path, e))?;
        Ok(u64::from(info.len).saturating_sub(6 + name.len() as u64))
    }

    /// Whether an object named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.inner.info(key_of(name)).is_ok()
    }

    /// Deletes `name` durably; `false` if it was absent.
    pub fn remove(&mut self, name: &str) -> Result<bool> {
        self.inner
            .remove(key_of(name))
            .map_err(|e| store_err(&self.path, e))
    }

    /// Every object, sorted by name (corrupt records last, unnamed).
    pub fn list(&mut self) -> Vec<ObjectInfo> {
        let keys: Vec<u64> = self.inner.keys().collect();
        let mut out: Vec<ObjectInfo> = keys
            .into_iter()
            .map(|key| {
                let info = self.inner.info(key).ok();
                let named = self.get_named(key).ok();
                ObjectInfo {
                    name: named.as_ref().map(|n| n.0.clone()),
                    key,
                    kind: info.map_or("corrupt".into(), |i| kind_name(i.kind)),
                    bytes: named.as_ref().map_or(0, |n| n.1.len() as u64),
                    seq: info.map_or(0, |i| i.seq),
                }
            })
            .collect();
        out.sort_by(|a, b| (a.name.is_none(), &a.name).cmp(&(b.name.is_none(), &b.name)));
        out
    }

    /// Reads every record and checks its CRC-32C and envelope, and carries
    /// what recovery dropped at open ([`VerifyReport::is_clean`] is false
    /// when anything was dropped or is corrupt).
    pub fn verify(&mut self) -> VerifyReport {
        let keys: Vec<u64> = self.inner.keys().collect();
        let mut r = VerifyReport {
            corrupt_bytes: self.recovery.corrupt_bytes,
            trailing_garbage: self.recovery.trailing_garbage,
            torn: self.recovery.torn,
            ..VerifyReport::default()
        };
        for key in keys {
            match self.get_named(key) {
                Ok((name, body, _)) if key_of(&name) == key => {
                    r.ok += 1;
                    r.bytes += body.len() as u64;
                }
                _ => r.corrupt.push(key),
            }
        }
        r.corrupt.sort_unstable();
        r
    }

    /// Copies the live, intact records into a fresh file of `size` bytes (the
    /// current size when `None`) and atomically replaces this store's file
    /// with it. Corrupt records are dropped and counted.
    /// A [temporary](ObjectStore::temporary) store is refused.
    pub fn compact(self, size: Option<u64>) -> Result<(Self, CompactReport)> {
        let path = self.path.clone();
        if self.unlinked {
            return Err(Error::Store {
                path,
                message: "a temporary store has no file to replace: not compacted".into(),
            });
        }
        let tmp = path.with_extension("compacting");
        let _ = std::fs::remove_file(&tmp);
        let size = size.unwrap_or_else(|| self.capacity());
        let mut inner = self.inner;
        let dst = Shared(Arc::new(Mutex::new(PmemFile::create_new(&tmp, size)?)));
        let id = inner.store_id().wrapping_add(1);
        let (new, report) = inner
            .compact_into(dst, id)
            .map_err(|e| store_err(&path, e))?;
        drop(new);
        drop(inner);
        drop(self.pm);
        replace(&tmp, &path)?;
        Ok((Self::open(&path)?, report))
    }
}

/// Atomically renames `from` over `to` and makes the rename durable (POSIX:
/// `fsync` of the directory).
fn replace(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| Error::io(to, e))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            d.sync_all().map_err(|e| Error::io(dir, e))?;
        }
    }
    Ok(())
}
