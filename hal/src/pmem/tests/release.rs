//! The recovery scan's release hints: what it has read is released as it
//! goes, in steps of at most [`RELEASE_BYTES`], and all of it by the end.

use super::STORE_ID;
use crate::pmem::recover::{RELEASE_BYTES, ZERO_RUN_BYTES};
use crate::pmem::{PersistentMemory, RecordKind, Store};
use std::vec;
use std::vec::Vec;

/// A large region, zero but for the bytes written near its start, that
/// records how far ahead of the released part any read reached.
struct Watched {
    head: Vec<u8>,
    len: u64,
    released_to: u64,
    releases: usize,
    furthest_ahead: u64,
}

impl PersistentMemory for Watched {
    type Error = ();
    fn len(&self) -> u64 {
        self.len
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ()> {
        let end = offset + buf.len() as u64;
        if end > self.len {
            return Err(());
        }
        self.furthest_ahead = self
            .furthest_ahead
            .max(end.saturating_sub(self.released_to));
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.head.get(offset as usize + i).copied().unwrap_or(0);
        }
        Ok(())
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), ()> {
        let end = offset as usize + data.len();
        if end > self.head.len() {
            return Err(());
        }
        self.head[offset as usize..end].copy_from_slice(data);
        Ok(())
    }
    fn flush(&mut self, _: u64, _: u64) -> Result<(), ()> {
        Ok(())
    }
    fn fence(&mut self) -> Result<(), ()> {
        Ok(())
    }
    fn release(&mut self, offset: u64, len: u64) -> Result<(), ()> {
        assert_eq!(
            offset, self.released_to,
            "releases follow the scan in order"
        );
        assert!(len <= RELEASE_BYTES + ZERO_RUN_BYTES as u64);
        self.released_to = offset + len;
        self.releases += 1;
        Ok(())
    }
}

#[test]
fn the_scan_releases_what_it_passed_as_it_goes() {
    let len = 5 * RELEASE_BYTES / 2 + 12_345;
    let pm = Watched {
        head: vec![0; 4096],
        len,
        released_to: 0,
        releases: 0,
        furthest_ahead: 0,
    };
    let mut s = Store::<_, 8>::format(pm, STORE_ID).unwrap();
    s.put(7, RecordKind::Blob, b"a record before the zeros")
        .unwrap();
    let (s, report) = Store::<_, 8>::open(s.into_inner()).unwrap();
    assert_eq!(report.records, 1);
    assert!(!report.trailing_garbage);
    let pm = s.into_inner();
    assert!(pm.releases >= 3, "{} releases", pm.releases);
    assert!(
        pm.furthest_ahead <= RELEASE_BYTES + ZERO_RUN_BYTES as u64,
        "read {} bytes past the released part",
        pm.furthest_ahead
    );
    // Everything the scan read is released; it stops where no record fits.
    assert!(pm.released_to + crate::pmem::record_bytes(0) > len);
}
