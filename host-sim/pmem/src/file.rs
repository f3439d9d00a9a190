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
    /// Held open for the advisory lock (released when the file closes).
    _lock: std::fs::File,
}

/// How a mapped file is shared with other processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// One writer: an exclusive advisory lock (`flock(LOCK_EX | LOCK_NB)`),
    /// so a second process (or a second open in this one) mapping the same
    /// store is refused instead of racing this one's writes or truncating the
    /// mapping under it (SIGBUS).
    Exclusive,
    /// Several processes that serialize their writes through a lock of their
    /// own (the network server's `STORE.lock`): a shared advisory lock, so
    /// they exclude every [`Sharing::Exclusive`] opener (`hearth store
    /// compact`, a benchmark) but not each other.
    Coordinated,
}

/// Takes the advisory lock of `sharing` on `file` without waiting
/// ([`Error::Locked`] when a conflicting holder has it).
pub(crate) fn lock(file: &std::fs::File, path: &Path, sharing: Sharing) -> Result<()> {
    use std::os::fd::AsRawFd;
    let op = match sharing {
        Sharing::Exclusive => libc::LOCK_EX,
        Sharing::Coordinated => libc::LOCK_SH,
    };
    // SAFETY: `flock` on a file descriptor this function borrows, open for
    // the duration of the call; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        return Err(Error::Locked {
            path: path.to_path_buf(),
        });
    }
    Err(Error::io(path, e))
}

impl PmemFile {
    /// Opens (creating or growing to `size` bytes) the file at `path`, and
    /// locks it ([`Error::Locked`] when another writer holds it).
    pub fn open(path: impl AsRef<Path>, size: u64) -> Result<Self> {
        Self::open_with(path.as_ref(), size, false, Sharing::Exclusive)
    }

    /// Opens the file at `path` like [`PmemFile::open`], shared as `sharing`
    /// says.
    pub fn open_shared(path: impl AsRef<Path>, size: u64, sharing: Sharing) -> Result<Self> {
        Self::open_with(path.as_ref(), size, false, sharing)
    }

    /// Creates a new file of `size` bytes at `path` and locks it; fails if
    /// anything (a file, a symbolic link) already exists there, so a
    /// predictable name cannot be redirected.
    pub fn create_new(path: impl AsRef<Path>, size: u64) -> Result<Self> {
        Self::open_with(path.as_ref(), size, true, Sharing::Exclusive)
    }

    fn open_with(path: &Path, size: u64, new: bool, sharing: Sharing) -> Result<Self> {
        let path = path.to_path_buf();
        let io = |e| Error::io(&path, e);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true);
        if new {
            opts.create_new(true);
        } else {
            opts.create(true).truncate(false);
        }
        let file = opts.open(&path).map_err(io)?;
        lock(&file, &path, sharing)?;
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
            _lock: file,
        })
    }

    /// A fresh region for one run, in the system's temporary directory:
    /// created exclusively under a fresh name ([`PmemFile::create_new`]: a
    /// name someone else took first is skipped, never opened) and unlinked
    /// at once, so the kernel frees its blocks when the region is dropped
    /// or the process ends, however it ends (an error, a signal, a crash):
    /// nothing is left behind. Its path still names where it was made, for
    /// messages; it cannot be re-opened.
    pub fn temporary(size: u64) -> Result<Self> {
        let mut last = None;
        for _ in 0..16 {
            let path = temporary_path("hearth-pmem", "bin");
            match Self::create_new(&path, size) {
                Ok(p) => {
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                    return Ok(p);
                }
                Err(Error::Io { cause, path })
                    if cause.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    last = Some(Error::Io { cause, path });
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(Error::Locked {
            path: std::env::temp_dir(),
        }))
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

    /// Drops the pages of `[offset, offset + len)`, widened to whole pages,
    /// from this process's resident set (`madvise(MADV_DONTNEED)` on the
    /// shared file mapping). Nothing is lost and nothing becomes less
    /// durable: the bytes stay in the file and the page cache (a dirty page
    /// is written back as before), and the next access maps them in again.
    /// A reader that streams large objects calls it after each one, so what
    /// it has read does not add up in its memory.
    pub fn release(&mut self, offset: u64, len: u64) -> Result<()> {
        let len = usize::try_from(len).map_err(|_| Error::OutOfRange {
            path: self.path.clone(),
            offset,
            len,
            size: self.len(),
        })?;
        let r = self.range(offset, len)?;
        if r.is_empty() {
            return Ok(());
        }
        // SAFETY: `map` is a shared mapping of a regular file (`map_mut`),
        // so after `MADV_DONTNEED` every page reads back the file's current
        // contents, dirty pages included (the kernel moves their dirty state
        // to the page cache); and no reference into the mapping outlives a
        // method of `self`, which holds it `&mut` here.
        unsafe {
            self.map
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, r.start, r.len())
        }
        .map_err(|e| Error::io(&self.path, e))
    }

    /// Orders earlier flushes before later writes.
    pub fn fence(&mut self) {
        fence(Ordering::SeqCst);
    }
}

/// A fresh name `{stem}-{pid}-{unique}.{ext}` in the system's temporary
/// directory (for [`PmemFile::temporary`] and the object store's
/// temporary stores).
pub(crate) fn temporary_path(stem: &str, ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{stem}-{}-{}.{ext}", std::process::id(), unique()))
}

/// A per-process counter mixed with the clock, so names differ between
/// runs of the same process id.
fn unique() -> u64 {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (u64::from(nanos) << 20) ^ NEXT.fetch_add(1, Ordering::Relaxed)
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

    fn release(&mut self, offset: u64, len: u64) -> Result<()> {
        PmemFile::release(self, offset, len)
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

    fn mapped_rss_kb(path: &Path) -> u64 {
        crate::usage::mapped_rss_kb(path).expect("the file is mapped")
    }

    /// A named region in the temporary directory (for tests that look
    /// the file up by its path); the caller removes it.
    fn named(stem: &str, size: u64) -> PmemFile {
        PmemFile::create_new(temporary_path(stem, "bin"), size).unwrap()
    }

    #[test]
    fn a_temporary_region_has_no_name_while_it_works() {
        let mut p = PmemFile::temporary(8192).unwrap();
        assert!(!p.path.exists(), "{} is still linked", p.path.display());
        p.write(4000, b"unlinked").unwrap();
        p.flush(4000, 8).unwrap();
        let mut b = [0u8; 8];
        p.read(4000, &mut b).unwrap();
        assert_eq!(&b, b"unlinked");
        let q = PmemFile::temporary(8192).unwrap();
        assert_ne!(p.path, q.path);
    }

    #[test]
    fn released_pages_leave_the_resident_set_and_keep_their_bytes() {
        const SIZE: u64 = 4 << 20;
        let mut p = named("hearth-pmem-release", SIZE);
        let data: Vec<u8> = (0..SIZE).map(|i| (i * 31 % 251) as u8).collect();
        p.write(0, &data).unwrap();
        let mut back = vec![0u8; SIZE as usize];
        p.read(0, &mut back).unwrap();
        assert_eq!(mapped_rss_kb(&p.path), SIZE / 1024, "every page mapped in");
        // Half of it, not flushed: its dirty pages are kept by the page cache.
        p.release(0, SIZE / 2).unwrap();
        assert_eq!(mapped_rss_kb(&p.path), SIZE / 2048);
        p.release(SIZE / 2, SIZE / 2).unwrap();
        assert_eq!(mapped_rss_kb(&p.path), 0);
        back.fill(0);
        p.read(0, &mut back).unwrap();
        assert!(back == data, "the bytes survive their release");
        // Unaligned ranges widen to whole pages; out of range is an error.
        p.release(5, 10).unwrap();
        p.release(SIZE, 0).unwrap();
        assert!(matches!(
            p.release(SIZE - 1, 2),
            Err(Error::OutOfRange { .. })
        ));
        // What is in the file, not only the mapping, is the data.
        drop(back);
        assert!(std::fs::read(&p.path).unwrap() == data);
        std::fs::remove_file(&p.path).unwrap();
    }

    #[test]
    fn opening_a_large_store_leaves_none_of_it_resident() {
        let path = std::env::temp_dir().join(format!("hearth-store-rss-{}", unique()));
        let store = crate::ObjectStore::create(&path, 256 << 20).unwrap();
        // The recovery scan read all 256 MiB (a fresh store: zeros to the end).
        assert!(store.recovery().tail > 0);
        assert!(mapped_rss_kb(&path) <= 64, "{} KiB", mapped_rss_kb(&path));
        drop(store);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_closes() {
        let p = named("hearth-pmem-lock", 4096);
        let e = PmemFile::open(&p.path, 4096).unwrap_err();
        assert!(matches!(e, Error::Locked { .. }), "{e}");
        assert!(e.to_string().contains("in use"), "{e}");
        let path = p.path.clone();
        drop(p);
        // Closed, the file locks fine for the next writer.
        let q = PmemFile::open(&path, 4096).unwrap();
        drop(q);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn coordinated_openers_share_and_exclude_an_exclusive_one() {
        let path = std::env::temp_dir().join(format!("hearth-pmem-shared-{}", unique()));
        let a = PmemFile::open_shared(&path, 4096, Sharing::Coordinated).unwrap();
        let b = PmemFile::open_shared(&path, 4096, Sharing::Coordinated).unwrap();
        let e = PmemFile::open(&path, 4096).unwrap_err();
        assert!(matches!(e, Error::Locked { .. }), "{e}");
        drop((a, b));
        let x = PmemFile::open(&path, 4096).unwrap();
        let e = PmemFile::open_shared(&path, 4096, Sharing::Coordinated).unwrap_err();
        assert!(matches!(e, Error::Locked { .. }), "{e}");
        drop(x);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn create_new_refuses_an_existing_name_or_link() {
        let dir = std::env::temp_dir().join(format!("hearth-pmem-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("victim");
        std::fs::write(&target, b"keep").unwrap();
        let link = dir.join("link.bin");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(PmemFile::create_new(&link, 4096).is_err());
        assert!(PmemFile::create_new(&target, 4096).is_err());
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"keep",
            "the target is untouched"
        );
        std::fs::remove_dir_all(&dir).unwrap();
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
