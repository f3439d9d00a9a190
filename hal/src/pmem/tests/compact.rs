//! Compaction: live records copied intact, corrupt ones dropped, and a crash
//! during compaction never yields a record that was not in the source.

use super::crashmem::{CrashMem, Crashed};
use super::{payload, TestStore, CAPACITY, STORE_ID};
use crate::pmem::{Error, RecordKind, HEADER_BYTES};
use std::vec;
use std::vec::Vec;

/// A store with 5 live keys, a deleted one and many superseded versions.
fn source() -> (TestStore, Vec<(u64, Vec<u8>)>) {
    let mut s = TestStore::format(CrashMem::new(CAPACITY, None), STORE_ID).unwrap();
    for round in 0..6u64 {
        for k in 0..6u64 {
            s.put(
                k,
                RecordKind::Tensor,
                &payload(k, round, (k * 9 + round) as usize),
            )
            .unwrap();
        }
    }
    s.remove(5).unwrap();
    let live = (0..5)
        .map(|k| (k, payload(k, 5, (k * 9 + 5) as usize)))
        .collect();
    (s, live)
}

#[test]
fn compaction_keeps_live_records_and_frees_space() {
    let (mut src, live) = source();
    let (mut out, report) = src
        .compact_into(CrashMem::new(CAPACITY, None), STORE_ID + 1)
        .unwrap();
    assert_eq!((report.copied, report.dropped_corrupt), (5, 0));
    assert!(out.free_bytes() > src.free_bytes());
    let (mut reopened, _) =
        TestStore::open(CrashMem::from_image(out.memory_mut().durable.clone(), None)).unwrap();
    let mut buf = [0u8; 128];
    for (k, v) in &live {
        let info = reopened.get(*k, &mut buf).unwrap();
        assert_eq!(&buf[..info.len as usize], &v[..]);
        assert_eq!(info.kind, RecordKind::Tensor);
    }
    assert_eq!(reopened.get(5, &mut buf), Err(Error::NotFound { key: 5 }));
}

#[test]
fn corrupt_records_are_not_copied() {
    let (src, _) = source();
    let mut mem = src.into_inner();
    // Flip a bit in key 0's newest payload.
    let (mut s, _) = TestStore::open(mem.clone()).unwrap();
    let off = s.index.get(&0).unwrap().offset + HEADER_BYTES;
    mem.volatile[off as usize] ^= 0x80;
    s = TestStore::open(mem).unwrap().0;
    let (_, report) = s.compact_into(CrashMem::new(CAPACITY, None), 7).unwrap();
    assert_eq!((report.copied, report.dropped_corrupt), (4, 1));
}

#[test]
fn crash_during_compaction_never_invents_records() {
    let (mut src, live) = source();
    let total = src
        .compact_into(CrashMem::new(CAPACITY, None), 9)
        .unwrap()
        .0
        .into_inner()
        .ops;
    let mut buf = [0u8; 128];
    for c in 0..=total {
        let mut crashed = CrashMem::new(CAPACITY, Some(c));
        match src.compact_into(&mut crashed, 9) {
            Ok(_) => assert_eq!(c, total),
            Err(Error::Memory(Crashed)) => {}
            Err(e) => panic!("{e:?}"),
        }
        let image = crashed.image(&vec![false; crashed.torn_words().len()]);
        match TestStore::open(CrashMem::from_image(image, None)) {
            Err(Error::NotFormatted) => assert!(c < 3, "superblock lost at {c}"),
            Err(e) => panic!("{e:?}"),
            Ok((mut s, _)) => {
                for (k, v) in &live {
                    if let Ok(info) = s.get(*k, &mut buf) {
                        assert_eq!(&buf[..info.len as usize], &v[..]);
                    }
                }
                assert!(s.len() <= live.len());
            }
        }
    }
    // Format (write, flush, fence) and 7 operations per live record.
    assert_eq!(total, 3 + 7 * live.len() as u64);
}
