//! Anonymous resident memory of this process (`RssAnon` in
//! `/proc/self/status`, proc(5)): the heap and stacks, not the file-backed
//! pages of a mapped store; the peak resident set; this thread's and this
//! process's CPU time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A `kB` field of `/proc/self/status` (`field` with its colon, e.g.
/// `"VmHWM:"`), if the kernel reports it.
#[must_use]
pub fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `MemAvailable` of `/proc/meminfo` in KiB (the memory a new workload can
/// take without swapping, proc(5)), if the kernel reports it.
#[must_use]
pub fn available_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    s.lines()
        .find(|l| l.starts_with("MemAvailable:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// KiB of this process's resident set mapped from the file at `path`
/// (the `Rss:` of its mappings in `/proc/self/smaps`, proc(5)); `None` when
/// the file is not mapped or the kernel does not report it.
#[must_use]
pub fn mapped_rss_kb(path: &std::path::Path) -> Option<u64> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
    let name = path.display().to_string();
    let (mut total, mut found, mut inside) = (0u64, false, false);
    for line in smaps.lines() {
        // A mapping's first line starts with its address range; every
        // other line with a `Field:`.
        let header = line
            .split_whitespace()
            .next()
            .is_some_and(|w| !w.ends_with(':'));
        if header {
            inside = line.ends_with(&name);
            found |= inside;
        } else if inside {
            if let Some(kb) = line.strip_prefix("Rss:") {
                total += kb
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()?;
            }
        }
    }
    found.then_some(total)
}

/// `RssAnon` of this process in KiB, if the kernel reports it.
#[must_use]
pub fn rss_anon_kb() -> Option<u64> {
    status_kb("RssAnon:")
}

/// Makes freed large buffers go back to the operating system at once, so
/// `RssAnon` follows the memory actually live.
///
/// glibc serves allocations above its mmap threshold (128 KiB) with `mmap`,
/// but after the first such block is freed it raises the threshold to that
/// block's size (up to 32 MiB): from then on multi-megabyte buffers — a
/// layer, a key, a plaintext — come from the heap arenas, and once freed
/// they stay resident, in whichever thread's arena they were allocated.
/// Setting the threshold explicitly (`mallopt(M_MMAP_THRESHOLD)`, mallopt(3))
/// turns that adjustment off. Elsewhere this does nothing. Returns whether
/// the setting took.
pub fn return_freed_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator tuning; any value is valid.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// The largest mmap threshold glibc accepts on 64-bit hosts
/// (`HEAP_MAX_SIZE / 2`, mallopt(3)).
pub const MAX_MMAP_THRESHOLD: i32 = 32 << 20;

/// Keeps freed multi-megabyte buffers in the heap for the next ones: the
/// setting for encrypted evaluation, the opposite trade to
/// [`return_freed_buffers`].
///
/// An evaluation allocates and frees ciphertexts of megabytes each many
/// times per sample (`2·(L+1)·N` words: 7.9 MB at `N = 2^15` and 15
/// limbs). Served by a fresh `mmap` (below glibc's dynamic threshold) or
/// returned by heap trimming, every new ciphertext page is faulted in and
/// zeroed by the kernel before it is written. Fixing the mmap threshold at
/// [`MAX_MMAP_THRESHOLD`] and the trim threshold at its largest value keeps
/// freed ciphertexts in the main heap — where the evaluating (main) thread
/// allocates — for the next ones; blocks above 32 MiB (switching keys) are
/// still mapped and unmapped on their own, and other threads' arenas still
/// return a heap they empty. Peak memory is unchanged: the heap holds no
/// more than the live ciphertexts at their peak did. Elsewhere this does
/// nothing. Returns whether both settings took.
pub fn keep_freed_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator tuning; any value is valid.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MAX_MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// A thread that samples [`rss_anon_kb`] every millisecond and keeps the
/// largest value, so a short-lived peak inside a computation is seen.
#[derive(Debug)]
pub struct PeakSampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl PeakSampler {
    /// Starts sampling (if the thread cannot start, [`PeakSampler::stop`]
    /// reports one sample taken then).
    #[must_use]
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("rss-sampler".into())
            .stack_size(64 << 10)
            .spawn(move || {
                let mut peak = 0;
                while !flag.load(Ordering::Relaxed) {
                    peak = peak.max(rss_anon_kb().unwrap_or(0));
                    std::thread::sleep(Duration::from_millis(1));
                }
                peak.max(rss_anon_kb().unwrap_or(0))
            })
            .ok();
        Self { stop, thread }
    }

    /// Stops sampling; returns the peak in KiB.
    pub fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let now = rss_anon_kb().unwrap_or(0);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or(0)
            .max(now)
    }
}

/// Peak resident set size of this process in kB, from `/proc/self/status`.
#[must_use]
pub fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`).
#[must_use]
pub fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Nanoseconds all threads of this process have run on a CPU
/// (`CLOCK_PROCESS_CPUTIME_ID`, clock_gettime(2)).
#[must_use]
pub fn process_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return None;
    }
    let secs = u64::try_from(ts.tv_sec).ok()?;
    let nanos = u64::try_from(ts.tv_nsec).ok()?;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn kept_buffers_below_the_threshold_come_from_the_heap() {
        assert!(super::keep_freed_buffers());
        // SAFETY: `mallinfo2` only reads malloc's counters.
        let mapped = || unsafe { libc::mallinfo2() }.hblks;
        let before = mapped();
        // glibc's default (128 KiB, not raised in this process) would map
        // this block on its own.
        let below = vec![1u8; super::MAX_MMAP_THRESHOLD as usize - (1 << 20)];
        assert_eq!(mapped(), before, "a block below the threshold was mapped");
        assert!(below.iter().all(|&b| b == 1));
    }
}
