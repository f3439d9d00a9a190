//! A PMEM region backed by a memory-mapped file.

use super::cost::{OptaneModel, PmemStats};
use crate::error::{Error, Result};
use memmap2::MmapMut;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{fence, Ordering};

/// A byte-addressable persistent region: a file mapped with `memmap2`.
/// Every access is accounted in [`PmemStats`] with an [`OptaneModel`].
#[derive(Debug)]
pub struct PmemFile {
    path: PathBuf,
    map: MmapMut,
    model: OptaneModel,
    stats: PmemStats,
    temporary: bool,
}

impl PmemFile {
    /// Opens (creating or growing to `size` bytes) the file at `path`.
    pub fn open(path: impl AsRef<Path>, size: u64) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let io = |e| Error::io(&path, e);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        if file.metadata().map_err(io)?.len() < size {
            file.set_len(size).map_err(io)?;
        }
        // SAFETY: the file is opened read-write by this process only; the
        // mapping is private to this value and never handed out as a
        // reference that outlives it. Concurrent modification by another
        // process would be a misuse documented on `open`.
        let map = unsafe { MmapMut::map_mut(&file) }.map_err(io)?;
        Ok(PmemFile {
            path,
            map,
            model: OptaneModel::default(),
            stats: PmemStats::default(),
            temporary: false,
        })
    }

    /// A fresh region in the system's temporary directory, removed on drop.
    pub fn temporary(size: u64) -> Result<Self> {
        let name = format!("hearth-pmem-{}-{}.bin", std::process::id(), unique());
        let mut p = Self::open(std::env::temp_dir().join(name), size)?;
        p.temporary = true;
        Ok(p)
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.map.len() as u64
    }

    /// Whether the region is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The cost model in use.
    pub fn model(&self) -> &OptaneModel {
        &self.model
    }

    /// Replaces the cost model.
    pub fn set_model(&mut self, model: OptaneModel) {
        self.model = model;
    }

    /// What the run has moved so far.
    pub fn stats(&self) -> PmemStats {
        self.stats
    }

    fn range(&self, offset: u64, len: usize) -> Result<std::ops::Range<usize>> {
        let end = offset.checked_add(len as u64).filter(|&e| e <= self.len());
        match end {
            Some(e) => Ok(offset as usize..e as usize),
            None => Err(Error::OutOfRange {
                path: self.path.clone(),
                offset,
                len: len as u64,
                size: self.len(),
            }),
        }
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let r = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.map[r]);
        self.stats
            .record_read(&self.model, offset, buf.len() as u64);
        Ok(())
    }

    /// Writes `data` at `offset` (not yet durable: see [`PmemFile::flush`]).
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        let r = self.range(offset, data.len())?;
        self.map[r].copy_from_slice(data);
        self.stats
            .record_write(&self.model, offset, data.len() as u64);
        Ok(())
    }

    /// Makes `[offset, offset + len)` durable (`msync`).
    pub fn flush(&mut self, offset: u64, len: u64) -> Result<()> {
        let r = self.range(offset, len as usize)?;
        self.map
            .flush_range(r.start, r.len())
            .map_err(|e| Error::io(&self.path, e))?;
        self.stats.flushes += 1;
        Ok(())
    }

    /// Orders earlier flushes before later writes.
    pub fn fence(&mut self) {
        fence(Ordering::SeqCst);
    }
}

impl Drop for PmemFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl PmemFile {
    /// Adds an earlier region's counters to this one's (when a run moves to
    /// a larger region).
    pub fn carry_stats(&mut self, old: PmemStats) {
        let s = &mut self.stats;
        s.bytes_read += old.bytes_read;
        s.bytes_written += old.bytes_written;
        s.media_bytes_read += old.media_bytes_read;
        s.media_bytes_written += old.media_bytes_written;
        s.reads += old.reads;
        s.writes += old.writes;
        s.flushes += old.flushes;
        s.modelled_ns += old.modelled_ns;
    }
}

impl hearth_hal::pmem::PersistentMemory for PmemFile {
    type Error = Error;

    fn len(&self) -> u64 {
        PmemFile::len(self)
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        PmemFile::read(self, offset, buf)
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        PmemFile::write(self, offset, data)
    }

    fn flush(&mut self, offset: u64, len: u64) -> Result<()> {
        PmemFile::flush(self, offset, len)
    }

    fn fence(&mut self) -> Result<()> {
        PmemFile::fence(self);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_flush_read_back_and_account() {
        let mut p = PmemFile::temporary(4096).unwrap();
        p.write(100, b"hearth").unwrap();
        p.flush(100, 6).unwrap();
        p.fence();
        let mut b = [0u8; 6];
        p.read(100, &mut b).unwrap();
        assert_eq!(&b, b"hearth");
        let s = p.stats();
        assert_eq!((s.bytes_written, s.bytes_read, s.flushes), (6, 6, 1));
        assert_eq!(s.media_bytes(), 512);
        assert!(p.read(4095, &mut b).is_err());
        assert!(p.write(u64::MAX, b"x").is_err());
    }

    #[test]
    fn hal_store_survives_reopening_the_file() {
        use hearth_hal::pmem::{RecordKind, Store};
        let path = std::env::temp_dir().join(format!("hearth-store-{}.pmem", std::process::id()));
        let _ = std::fs::remove_file(&path);
        {
            let pm = PmemFile::open(&path, 1 << 16).unwrap();
            let mut st = Store::<_, 16>::format(pm, 42).unwrap();
            st.put(7, RecordKind::Ciphertext, b"encrypted bytes")
                .unwrap();
            assert!(st.into_inner().stats().flushes > 0);
        }
        let pm = PmemFile::open(&path, 1 << 16).unwrap();
        let (mut st, _) = Store::<_, 16>::open(pm).unwrap();
        let mut buf = [0u8; 15];
        st.get(7, &mut buf).unwrap();
        assert_eq!(&buf, b"encrypted bytes");
        let _ = std::fs::remove_file(&path);
    }
}
