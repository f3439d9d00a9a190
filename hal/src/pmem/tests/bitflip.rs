//! Every single-bit flip of a small store's media is either harmless or
//! detected: recovery never returns bytes that were not written.

use super::crashmem::CrashMem;
use super::{payload, TestStore, STORE_ID};
use crate::pmem::{Error, RecordKind, SUPER_BYTES};
use std::vec;
use std::vec::Vec;

const SMALL: usize = 1024;

/// Every payload written per key, oldest first.
type Versions = Vec<(u64, Vec<Vec<u8>>)>;

/// The store's image, every version written per key, and the log's tail.
fn small_store() -> (Vec<u8>, Versions, u64) {
    let mut s = TestStore::format(CrashMem::new(SMALL, None), STORE_ID).unwrap();
    let writes = [(1, 20), (2, 33), (1, 12), (3, 5)];
    let mut versions: Versions = vec![(1, vec![]), (2, vec![]), (3, vec![])];
    for (v, (k, len)) in writes.into_iter().enumerate() {
        let p = payload(k, v as u64, len);
        s.put(k, RecordKind::Ciphertext, &p).unwrap();
        versions
            .iter_mut()
            .find(|(key, _)| *key == k)
            .unwrap()
            .1
            .push(p);
    }
    let tail = SMALL as u64 - s.free_bytes();
    (s.into_inner().durable, versions, tail)
}

#[test]
fn every_bit_flip_is_harmless_or_detected() {
    let (image, versions, tail) = small_store();
    let (mut detected, mut stale, mut harmless) = (0u32, 0u32, 0u32);
    let mut buf = vec![0u8; SMALL];
    for bit in 0..tail * 8 {
        let mut img = image.clone();
        img[(bit / 8) as usize] ^= 1 << (bit % 8);
        let mut store = match TestStore::open(CrashMem::from_image(img, None)) {
            Ok((s, _)) => s,
            Err(Error::NotFormatted) => {
                assert!(bit < SUPER_BYTES * 8, "bit {bit}: lost the superblock");
                detected += 1;
                continue;
            }
            Err(e) => panic!("bit {bit}: {e:?}"),
        };
        let mut all_newest = true;
        for (k, vs) in &versions {
            match store.get(*k, &mut buf) {
                Ok(info) => {
                    let got = &buf[..info.len as usize];
                    let i = vs.iter().position(|v| v == got);
                    assert!(
                        i.is_some(),
                        "bit {bit}: key {k} returned bytes never written"
                    );
                    all_newest &= i == Some(vs.len() - 1);
                    stale += u32::from(i != Some(vs.len() - 1));
                }
                Err(Error::Corrupt { .. }) | Err(Error::NotFound { .. }) => {
                    detected += 1;
                    all_newest = false;
                }
                Err(e) => panic!("bit {bit}: {e:?}"),
            }
        }
        harmless += u32::from(all_newest);
    }
    std::eprintln!(
        "{} bit flips: {harmless} harmless, {detected} detected (corrupt/missing), {stale} older versions returned",
        tail * 8
    );
    assert!(detected > 0);
}

#[test]
fn a_damaged_last_record_is_reported_as_trailing_garbage() {
    let (mut image, versions, tail) = small_store();
    let (_, report) = TestStore::open(CrashMem::from_image(image.clone(), None)).unwrap();
    assert!(!report.trailing_garbage);
    // Flip the key field of the last record (key 3, 5 bytes).
    let last = tail - crate::pmem::record_bytes(5);
    image[(last + 8) as usize] ^= 4;
    let (mut s, report) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    assert!(report.trailing_garbage);
    assert_eq!(report.tail, last);
    let mut buf = [0u8; 64];
    assert_eq!(s.get(3, &mut buf), Err(Error::NotFound { key: 3 }));
    assert_eq!(versions.len(), 3);
}

/// A stray byte anywhere after the tail is trailing garbage exactly when
/// its 8-byte word starts where a record could still fit (the scan steps
/// over runs of zero words in blocks; this pins what it must find), for a
/// capacity that is a multiple of 8 and one that is not.
#[test]
fn a_stray_byte_after_the_tail_is_found_wherever_a_record_could_start() {
    for len in [SMALL, SMALL - 3] {
        let mut s = TestStore::format(CrashMem::new(len, None), STORE_ID).unwrap();
        s.put(1, RecordKind::Ciphertext, &payload(1, 0, 20))
            .unwrap();
        let tail = len as u64 - s.free_bytes();
        let image = s.into_inner().durable;
        let (_, clean) = TestStore::open(CrashMem::from_image(image.clone(), None)).unwrap();
        assert!(!clean.trailing_garbage);
        for pos in tail..len as u64 {
            let mut img = image.clone();
            img[pos as usize] = 0x5a;
            let (_, report) = TestStore::open(CrashMem::from_image(img, None)).unwrap();
            let word = tail + (pos - tail) / 8 * 8;
            let scanned = word + crate::pmem::record_bytes(0) <= len as u64;
            assert_eq!(report.trailing_garbage, scanned, "len {len}, byte {pos}");
            assert_eq!(
                (report.tail, report.records),
                (tail, 1),
                "len {len}, byte {pos}"
            );
        }
    }
}

#[test]
fn payload_flip_is_reported_at_open_and_at_read() {
    let (image, _, _) = small_store();
    // Key 2's only record starts right after key 1's first (20-byte) record.
    let second = SUPER_BYTES + crate::pmem::record_bytes(20);
    let in_payload = (second + crate::pmem::HEADER_BYTES + 3) as usize;
    let mut img = image.clone();
    img[in_payload] ^= 0x10;
    let (mut s, report) = TestStore::open(CrashMem::from_image(img, None)).unwrap();
    assert_eq!(report.corrupt_records, 1);
    let mut buf = [0u8; 64];
    assert_eq!(s.get(2, &mut buf), Err(Error::Corrupt { key: 2 }));
    assert!(s.get(1, &mut buf).is_ok() && s.get(3, &mut buf).is_ok());
    // A flip after open is caught when the record is read.
    let (mut s, report) = TestStore::open(CrashMem::from_image(image, None)).unwrap();
    assert_eq!(report.corrupt_records, 0);
    assert!(s.get(2, &mut buf).is_ok());
    s.memory_mut().volatile[in_payload] ^= 1;
    assert_eq!(s.get(2, &mut buf), Err(Error::Corrupt { key: 2 }));
    assert_eq!(s.info(2), Err(Error::Corrupt { key: 2 }));
}
