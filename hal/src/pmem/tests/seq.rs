//! Sequence numbers: recovery continues after the newest accepted record
//! only, and a log whose sequence numbers are used up refuses new records
//! instead of wrapping (a wrapped number would lose the record at the next
//! open).

use super::crashmem::CrashMem;
use super::{payload, TestStore, CAPACITY, STORE_ID};
use crate::pmem::layout::{pad8, Header};
use crate::pmem::{Error, PersistentMemory, RecordKind, HEADER_BYTES};
use std::vec;
use std::vec::Vec;

/// Writes a committed record of sequence number `seq` at the store's tail,
/// as a store that had reached `seq` would have (or as a damaged or hostile
/// image could hold); returns the image.
fn with_committed_record(mut s: TestStore, key: u64, seq: u64, data: &[u8]) -> Vec<u8> {
    let at = s.tail;
    let h = Header {
        kind: RecordKind::Blob.code(),
        flags: 0,
        key,
        seq,
        len: data.len() as u32,
        payload_crc: crate::pmem::layout::CRC32C.checksum(data),
    };
    let commit = h.commit_word(STORE_ID).to_le_bytes();
    let pm = s.memory_mut();
    pm.write(at, &h.encode()).unwrap();
    pm.write(at + HEADER_BYTES, data).unwrap();
    pm.write(at + HEADER_BYTES + pad8(data.len() as u64), &commit)
        .unwrap();
    pm.flush(0, CAPACITY as u64).unwrap();
    pm.fence().unwrap();
    s.into_inner().durable
}

/// Reads every key of `expected` from a fresh open of `image`.
fn assert_holds(image: Vec<u8>, expected: &[(u64, Vec<u8>)]) {
    let (mut s, _) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    let mut buf = vec![0u8; CAPACITY];
    for (k, v) in expected {
        let info = s
            .get(*k, &mut buf)
            .unwrap_or_else(|e| panic!("acknowledged key {k} lost: {e:?}"));
        assert_eq!(&buf[..info.len as usize], &v[..], "key {k}");
    }
}

#[test]
fn a_record_with_the_last_sequence_number_never_loses_later_puts() {
    let mut s = TestStore::format(CrashMem::new(CAPACITY, None), STORE_ID).unwrap();
    let first = payload(1, 0, 24);
    s.put(1, RecordKind::Blob, &first).unwrap();
    let last = payload(2, 0, 16);
    let image = with_committed_record(s, 2, u64::MAX, &last);

    let (mut s, report) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    assert_eq!(report.records, 2);
    let mut acked = vec![(1, first), (2, last)];
    for k in 3..6u64 {
        let v = payload(k, 1, 9);
        match s.put(k, RecordKind::Blob, &v) {
            Ok(()) => acked.push((k, v)),
            Err(Error::SequenceExhausted) => {}
            Err(e) => panic!("put {k}: {e:?}"),
        }
    }
    // Deleting needs a sequence number too.
    match s.remove(1) {
        Ok(_) => panic!("a tombstone after seq u64::MAX was accepted"),
        Err(e) => assert_eq!(e, Error::SequenceExhausted),
    }
    assert_eq!(acked.len(), 2, "puts after u64::MAX must be refused");
    assert_holds(s.into_inner().durable, &acked);
}

#[test]
fn the_sequence_number_before_the_last_is_still_usable() {
    let s = TestStore::format(CrashMem::new(CAPACITY, None), STORE_ID).unwrap();
    let image = with_committed_record(s, 1, u64::MAX - 1, &payload(1, 0, 8));
    let (mut s, _) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    let v = payload(2, 0, 11);
    s.put(2, RecordKind::Blob, &v).unwrap();
    assert_eq!(s.info(2).unwrap().seq, u64::MAX);
    assert_eq!(
        s.put(3, RecordKind::Blob, &[1]),
        Err(Error::SequenceExhausted)
    );
    assert_holds(s.into_inner().durable, &[(1, payload(1, 0, 8)), (2, v)]);
}

#[test]
fn compaction_restarts_an_exhausted_log() {
    let s = TestStore::format(CrashMem::new(CAPACITY, None), STORE_ID).unwrap();
    let v = payload(7, 0, 30);
    let image = with_committed_record(s, 7, u64::MAX, &v);
    let (mut s, _) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    let (mut out, report) = s
        .compact_into(CrashMem::new(CAPACITY, None), STORE_ID + 1)
        .unwrap();
    assert_eq!(report.copied, 1);
    let w = payload(8, 0, 5);
    out.put(8, RecordKind::Blob, &w).unwrap();
    assert_holds(out.into_inner().durable, &[(7, v), (8, w)]);
}

/// Headers that recovery does not accept (an uncommitted one inside the
/// payload of a record whose own header is damaged) must not set the next
/// sequence number.
#[test]
fn uncommitted_headers_in_skipped_bytes_do_not_set_the_next_sequence_number() {
    let mut s = TestStore::format(CrashMem::new(CAPACITY, None), STORE_ID).unwrap();
    let keep = payload(1, 0, 20);
    s.put(1, RecordKind::Blob, &keep).unwrap();
    let damaged_at = s.tail;
    // A payload that holds a well-formed header (valid CRC) of seq u64::MAX
    // with no commit word: an embedded image, say.
    let embedded = Header {
        kind: RecordKind::Blob.code(),
        flags: 0,
        key: 9,
        seq: u64::MAX,
        len: 0,
        payload_crc: 0,
    }
    .encode();
    let mut inner = vec![0u8; 8];
    inner.extend_from_slice(&embedded);
    inner.extend_from_slice(&[0u8; 16]);
    s.put(2, RecordKind::Blob, &inner).unwrap();
    let mut image = s.into_inner().durable;
    // Damage the header of record 2 so that recovery steps through its
    // payload 8 bytes at a time.
    image[damaged_at as usize + 9] ^= 0x10;

    let (mut s, report) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    assert_eq!(report.records, 1);
    let v = payload(3, 0, 12);
    s.put(3, RecordKind::Blob, &v).unwrap();
    assert_eq!(s.info(3).unwrap().seq, 2);
    assert_holds(s.into_inner().durable, &[(1, keep), (3, v)]);
}
