//! A cost model of Optane DC persistent memory.
//!
//! Figures (one DIMM, the configuration of a small accelerator card):
//! - sequential read bandwidth ≈ 6.6 GB/s, write bandwidth ≈ 2.3 GB/s,
//!   random read latency ≈ 305 ns (about 3× DRAM): J. Izraelevitz et al.,
//!   "Basic Performance Measurements of the Intel Optane DC Persistent Memory
//!   Module", arXiv:1903.05714, 2019. Six interleaved DIMMs reach about
//!   39.4 GB/s read and 13.9 GB/s write ([`OptaneModel::six_dimms`]).
//! - the media is read and written in 256-byte XPLines, so a smaller or
//!   unaligned access costs every line it touches: J. Yang et al., "An
//!   Empirical Guide to the Behavior and Use of Scalable Persistent Memory",
//!   FAST 2020.
//!
//! Model: an access touching `k` XPLines costs, for a read,
//! `latency + 256·k / read_bw`, and for a write `256·k / write_bw` (stores
//! are acknowledged by the memory controller's write-pending queue, so only
//! the media bandwidth is charged; the persistence point is the flush).

use serde::Serialize;

/// Bytes in one XPLine, the media access granularity (Yang et al. 2020).
pub const XPLINE: u64 = 256;

/// Bandwidth and latency figures of the modelled PMEM.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptaneModel {
    /// Read bandwidth, bytes per second.
    pub read_bandwidth: f64,
    /// Write bandwidth, bytes per second.
    pub write_bandwidth: f64,
    /// Latency of one random read access, seconds.
    pub read_latency: f64,
}

impl OptaneModel {
    /// One Optane DC PMM (Izraelevitz et al. 2019).
    pub const fn one_dimm() -> Self {
        OptaneModel {
            read_bandwidth: 6.6e9,
            write_bandwidth: 2.3e9,
            read_latency: 305e-9,
        }
    }

    /// Six interleaved DIMMs (Izraelevitz et al. 2019).
    pub const fn six_dimms() -> Self {
        OptaneModel {
            read_bandwidth: 39.4e9,
            write_bandwidth: 13.9e9,
            read_latency: 305e-9,
        }
    }
}

impl Default for OptaneModel {
    fn default() -> Self {
        Self::one_dimm()
    }
}

/// Everything a run moved through PMEM, and its modelled time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PmemStats {
    /// Bytes the program asked to read.
    pub bytes_read: u64,
    /// Bytes the program asked to write.
    pub bytes_written: u64,
    /// Bytes the media read (whole XPLines).
    pub media_bytes_read: u64,
    /// Bytes the media wrote (whole XPLines).
    pub media_bytes_written: u64,
    /// Read accesses.
    pub reads: u64,
    /// Write accesses.
    pub writes: u64,
    /// Flushes (msync calls).
    pub flushes: u64,
    /// Modelled PMEM time, nanoseconds.
    pub modelled_ns: f64,
}

/// XPLines touched by `[offset, offset + len)`.
pub fn xplines(offset: u64, len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    (offset + len - 1) / XPLINE - offset / XPLINE + 1
}

impl PmemStats {
    /// Accounts a read of `len` bytes at `offset`.
    pub fn record_read(&mut self, model: &OptaneModel, offset: u64, len: u64) {
        let media = xplines(offset, len) * XPLINE;
        self.bytes_read += len;
        self.media_bytes_read += media;
        self.reads += 1;
        self.modelled_ns += 1e9 * (model.read_latency + media as f64 / model.read_bandwidth);
    }

    /// Accounts a write of `len` bytes at `offset`.
    pub fn record_write(&mut self, model: &OptaneModel, offset: u64, len: u64) {
        let media = xplines(offset, len) * XPLINE;
        self.bytes_written += len;
        self.media_bytes_written += media;
        self.writes += 1;
        self.modelled_ns += 1e9 * media as f64 / model.write_bandwidth;
    }

    /// Total bytes moved by the media.
    pub fn media_bytes(&self) -> u64 {
        self.media_bytes_read + self.media_bytes_written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xplines_count_every_touched_line() {
        assert_eq!(xplines(0, 0), 0);
        assert_eq!(xplines(0, 1), 1);
        assert_eq!(xplines(0, 256), 1);
        assert_eq!(xplines(255, 2), 2);
        assert_eq!(xplines(256, 257), 2);
        // Brute force: count distinct line indices of the bytes.
        for off in 0..600u64 {
            for len in 1..600u64 {
                let mut lines: Vec<u64> = (off..off + len).map(|b| b / 256).collect();
                lines.dedup();
                assert_eq!(xplines(off, len), lines.len() as u64);
            }
        }
    }

    #[test]
    fn small_reads_cost_a_whole_line() {
        let m = OptaneModel::one_dimm();
        let mut s = PmemStats::default();
        s.record_read(&m, 10, 8);
        assert_eq!((s.bytes_read, s.media_bytes_read), (8, 256));
        let expect = 305.0 + 256.0 / 6.6;
        assert!((s.modelled_ns - expect).abs() < 1e-9);
    }
}
