//! [`PmemRecords`]: the server's records in the PMEM object store
//! (`ObjectStore`, a crash-consistent record store over a mapped file),
//! shared by every server process that opens the same file.
//!
//! A store file has one writer at a time and an in-memory index per
//! process, so processes open it [`Sharing::Coordinated`] (a shared lock
//! on the store file, which keeps out every exclusive opener such as
//! `hearth store compact`) and coordinate through a lock file beside it
//! (`STORE.lock`, `flock(2)`): a `put` holds it exclusively, writes durably,
//! then bumps a generation number kept in the lock file; a `get` holds it
//! shared. Both first re-open the store when the generation moved (another
//! process wrote), which runs the store's crash recovery, so a replica that
//! outlived a killed one never reads a torn record. Opening scans the whole
//! file, so it costs time in proportion to the store's size: a replica pays
//! it once per foreign write, never per read.

use crate::backend::{Records, StoreError};
use hearth_pmem::{ObjectStore, RecordKind, Sharing};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Records in the PMEM object store at a path.
#[derive(Debug)]
pub struct PmemRecords {
    path: PathBuf,
    lock_path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    store: ObjectStore,
    generation: u64,
    /// Every record's name (listing the store reads every record, so it
    /// is done once per open, not per call).
    names: std::collections::BTreeSet<String>,
}

fn names_of(store: &mut ObjectStore) -> std::collections::BTreeSet<String> {
    store.list().into_iter().filter_map(|o| o.name).collect()
}

fn err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("{what}: {e}"))
}

/// An `flock` held until dropped.
struct Locked(File);

impl Locked {
    fn take(path: &Path, exclusive: bool) -> Result<Self, StoreError> {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| err(&path.display().to_string(), e))?;
        let op = if exclusive {
            libc::LOCK_EX
        } else {
            libc::LOCK_SH
        };
        // SAFETY: `flock` on a file descriptor this `File` owns and keeps
        // open for the lock's lifetime; it touches no memory.
        let rc = unsafe { libc::flock(f.as_raw_fd(), op) };
        if rc != 0 {
            return Err(err("flock", std::io::Error::last_os_error()));
        }
        Ok(Self(f))
    }

    fn generation(&mut self) -> u64 {
        let mut s = String::new();
        let _ = self.0.seek(SeekFrom::Start(0));
        let _ = self.0.read_to_string(&mut s);
        s.trim().parse().unwrap_or(0)
    }

    fn bump(&mut self, g: u64) -> Result<(), StoreError> {
        let f = &mut self.0;
        f.set_len(0).map_err(|e| err("lock file", e))?;
        f.seek(SeekFrom::Start(0))
            .map_err(|e| err("lock file", e))?;
        f.write_all(format!("{g}\n").as_bytes())
            .map_err(|e| err("lock file", e))?;
        f.sync_data().map_err(|e| err("lock file", e))
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        // SAFETY: as in `take`.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

impl PmemRecords {
    /// Opens the store at `path`, creating one of `size` bytes if there is
    /// none.
    pub fn open(path: impl AsRef<Path>, size: u64) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let lock_path = path.with_extension("lock");
        let mut lock = Locked::take(&lock_path, true)?;
        let mut store = ObjectStore::open_or_create_shared(&path, size, Sharing::Coordinated)
            .map_err(|e| err("store", e))?;
        let generation = lock.generation();
        let names = names_of(&mut store);
        Ok(Self {
            path,
            lock_path,
            state: Mutex::new(State {
                store,
                generation,
                names,
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn refresh(&self, st: &mut State, generation: u64) -> Result<(), StoreError> {
        if st.generation != generation {
            st.store = ObjectStore::open_shared(&self.path, Sharing::Coordinated)
                .map_err(|e| err("store", e))?;
            st.generation = generation;
            st.names = names_of(&mut st.store);
        }
        Ok(())
    }
}

impl Records for PmemRecords {
    fn put(&self, name: &str, body: &[u8]) -> Result<(), StoreError> {
        let mut st = self.state();
        let mut lock = Locked::take(&self.lock_path, true)?;
        let g = lock.generation();
        // Every writer bumps the generation under the exclusive lock, so an
        // unchanged one means this index and tail are still the store's.
        self.refresh(&mut st, g)?;
        st.generation = g.wrapping_add(1);
        st.store
            .put(name, RecordKind::Blob, body)
            .map_err(|e| err("put", e))?;
        st.names.insert(name.to_string());
        lock.bump(st.generation)
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut st = self.state();
        let mut lock = Locked::take(&self.lock_path, false)?;
        let g = lock.generation();
        self.refresh(&mut st, g)?;
        drop(lock);
        if !st.store.contains(name) {
            return Ok(None);
        }
        st.store.get(name).map(Some).map_err(|e| err("get", e))
    }

    fn names(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut st = self.state();
        let mut lock = Locked::take(&self.lock_path, false)?;
        let g = lock.generation();
        self.refresh(&mut st, g)?;
        drop(lock);
        Ok(st
            .names
            .iter()
            .filter(|n| n.starts_with(prefix))
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_openers_see_each_other_s_records_and_a_reopen_keeps_them() {
        let dir = std::env::temp_dir().join(format!("hearth-pmem-records-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.pmem");
        let a = PmemRecords::open(&path, 1 << 20).unwrap();
        let b = PmemRecords::open(&path, 1 << 20).unwrap();
        a.put("tenants/x", b"one").unwrap();
        assert_eq!(b.get("tenants/x").unwrap().as_deref(), Some(&b"one"[..]));
        b.put("tenants/y", b"two").unwrap();
        b.put("tenants/x", b"three").unwrap();
        assert_eq!(a.get("tenants/x").unwrap().as_deref(), Some(&b"three"[..]));
        assert_eq!(a.names("tenants/").unwrap(), vec!["tenants/x", "tenants/y"]);
        assert_eq!(a.get("nope").unwrap(), None);
        drop((a, b));
        let c = PmemRecords::open(&path, 1 << 20).unwrap();
        assert_eq!(c.get("tenants/y").unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(c.get("tenants/x").unwrap().as_deref(), Some(&b"three"[..]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
