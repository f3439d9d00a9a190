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
    // Into a kept buffer: the same bytes, the buffer reused (grown for
    // the first, larger object, not shrunk for the next), the corrupt
    // record refused too.
    let mut buf = Vec::new();
    for (name, want) in [("t0/w", body(9)), ("t1/w", body(1))] {
        let r = s.get_into(name, &mut buf).unwrap();
        assert_eq!(&buf[r], want.as_slice());
    }
    let kept = buf.len();
    assert!(s.get_into("t3/w", &mut buf).is_err());
    assert!(s.get_into("t9/w", &mut buf).is_err());
    assert_eq!(buf.len(), kept);
    let (mut s, r) = s.compact(None).unwrap();
    assert_eq!((r.copied, r.dropped_corrupt), (4, 1));
    assert_eq!(s.verify().corrupt, Vec::<u64>::new());
    for i in [1u8, 2, 4] {
        assert_eq!(s.get(&format!("t{i}/w")).unwrap(), body(i));
    }
    assert_eq!(s.get("t0/w").unwrap(), body(9));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_second_writer_is_refused_while_the_store_is_open() {
    let dir = std::env::temp_dir().join(format!("hearth-store-lock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.pmem");
    let mut s = ObjectStore::create(&path, 1 << 16).unwrap();
    s.put("a", RecordKind::Blob, b"kept").unwrap();
    for e in [
        ObjectStore::open(&path).unwrap_err(),
        ObjectStore::create(&path, 1 << 16).unwrap_err(),
    ] {
        assert!(matches!(e, hearth_pmem::Error::Locked { .. }), "{e}");
        assert!(e.to_string().contains("in use by another writer"), "{e}");
    }
    assert_eq!(s.get("a").unwrap(), b"kept", "the open store is untouched");
    drop(s);
    let mut s = ObjectStore::open(&path).unwrap();
    assert_eq!(s.get("a").unwrap(), b"kept");
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_files_open_without_panic_and_never_return_altered_objects() {
    use hearth_kernels::splitmix::splitmix64;
    let dir = std::env::temp_dir().join(format!("hearth-store-dmg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.pmem");
    let mut s = ObjectStore::create(&path, 1 << 16).unwrap();
    let names: Vec<String> = (0..12u8).map(|i| format!("t{i}/w")).collect();
    for (i, n) in names.iter().enumerate() {
        s.put(n, RecordKind::Tensor, &body(i as u8 + 1)[..100 + 50 * i])
            .unwrap();
    }
    drop(s);
    let clean = std::fs::read(&path).unwrap();
    let mut seed = 17u64;
    for round in 0..300 {
        let mut bytes = clean.clone();
        // Random bit flips, then (every other round) a random span of noise.
        for _ in 0..1 + splitmix64(&mut seed) % 8 {
            let at = 64 + (splitmix64(&mut seed) as usize) % (bytes.len() - 64);
            bytes[at] ^= 1 << (splitmix64(&mut seed) % 8);
        }
        if round % 2 == 1 {
            let at = 64 + (splitmix64(&mut seed) as usize) % (bytes.len() - 64);
            let end = (at + (splitmix64(&mut seed) % 512) as usize).min(bytes.len());
            for b in &mut bytes[at..end] {
                *b = splitmix64(&mut seed) as u8;
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        let Ok(mut s) = ObjectStore::open(&path) else {
            continue;
        };
        let v = s.verify();
        let changed = bytes != clean;
        for (i, n) in names.iter().enumerate() {
            if let Ok(got) = s.get(n) {
                assert_eq!(
                    got,
                    &body(i as u8 + 1)[..100 + 50 * i],
                    "round {round}: `{n}` altered"
                );
            }
        }
        let listed = s.list().len() as u64;
        assert!(
            v.ok <= listed && listed <= names.len() as u64,
            "round {round}"
        );
        if changed && (v.ok as usize) < names.len() {
            assert!(
                !v.is_clean(),
                "round {round}: a record vanished but verify is clean"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_temporary_store_works_without_a_name_and_leaves_nothing_behind() {
    let mut s = ObjectStore::temporary(1 << 20).unwrap();
    let path = s.path().to_path_buf();
    assert!(path.starts_with(std::env::temp_dir()), "{}", path.display());
    // Unlinked as soon as it was made: a process killed now leaves nothing.
    assert!(!path.exists(), "{} still has a name", path.display());
    for i in 0..3u8 {
        s.put(&format!("k{i}"), RecordKind::Blob, &body(i)).unwrap();
    }
    for i in 0..3u8 {
        assert_eq!(s.get(&format!("k{i}")).unwrap(), body(i));
    }
    let other = ObjectStore::temporary(1 << 20).unwrap();
    assert_ne!(other.path(), path.as_path());
    let e = s.compact(None).unwrap_err().to_string();
    assert!(e.contains("temporary store"), "{e}");
    assert!(!path.exists());
}
