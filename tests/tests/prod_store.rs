//! The PMEM object store: list, verify and compact, with a flipped byte in
//! one record's payload on the file.

use hearth_pmem::store::{ObjectStore, RecordKind};

fn body(i: u8) -> Vec<u8> {
    (0..1000u32)
        .map(|j| (j as u8).wrapping_mul(i) ^ i)
        .collect()
}

#[test]
fn list_verify_compact_detect_and_drop_a_corrupt_record() {
    let dir = std::env::temp_dir().join(format!("hearth-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.pmem");
    let mut s = ObjectStore::create(&path, 1 << 20).unwrap();
    for i in 0..5u8 {
        s.put(&format!("t{i}/w"), RecordKind::Tensor, &body(i))
            .unwrap();
    }
    // Replace one: the old version is superseded, not listed.
    s.put("t0/w", RecordKind::Tensor, &body(9)).unwrap();
    let names: Vec<_> = s.list().into_iter().map(|o| o.name.unwrap()).collect();
    assert_eq!(names, ["t0/w", "t1/w", "t2/w", "t3/w", "t4/w"]);
    assert_eq!(s.verify().ok, 5);
    drop(s);

    // Flip one byte inside t3's payload on the file itself.
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = body(3);
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .unwrap();
    bytes[at + 500] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();

    let mut s = ObjectStore::open(&path).unwrap();
    let v = s.verify();
    assert_eq!((v.ok, v.corrupt.len()), (4, 1));
    assert!(s.get("t3/w").is_err(), "a corrupt record is never returned");
    assert_eq!(s.get("t0/w").unwrap(), body(9));
    let (mut s, r) = s.compact(None).unwrap();
    assert_eq!((r.copied, r.dropped_corrupt), (4, 1));
    assert_eq!(s.verify().corrupt, Vec::<u64>::new());
    for i in [1u8, 2, 4] {
        assert_eq!(s.get(&format!("t{i}/w")).unwrap(), body(i));
    }
    assert_eq!(s.get("t0/w").unwrap(), body(9));
    std::fs::remove_dir_all(&dir).unwrap();
}
