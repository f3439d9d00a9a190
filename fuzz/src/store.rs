//! The PMEM record store under hostile media: recovery, reads and
//! compaction of arbitrary images.
//!
//! An input is either
//! - **ops** (first byte odd): a history of puts and deletes run on a fresh
//!   store, then byte damage applied to its image. Every payload is a
//!   function of (key, version), so the check knows every version of every
//!   key ever written: whatever recovery returns must be one of them, and
//!   with no damage it must be the newest acknowledged one;
//! - **raw** (first byte even): the rest is the image after a valid
//!   superblock (bit 1 set: the superblock too), so the fuzzer spends its
//!   time in the record scan rather than on the superblock's CRC.
//!
//! After recovery, in both modes: every key lists consistently (`info`,
//! `get`); recovering the same image twice gives the same report; a new
//! acknowledged record survives a reopen with every other key unchanged.

use std::collections::BTreeMap;

use hearth_hal::pmem::{Error, PersistentMemory, RecordKind, Store, Superblock, SUPER_BYTES};

/// Keys an image may index.
pub const CAP: usize = 16;
/// Bytes of the region in ops mode.
pub const OPS_CAPACITY: usize = 4096;
/// Largest raw image tried (longer inputs are cut).
pub const MAX_RAW: usize = 1 << 16;
/// The store identifier used throughout.
pub const STORE_ID: u64 = 0x00f0_22ed;

/// Persistent memory in a vector: every write is durable at once.
#[derive(Debug, Clone)]
pub struct VecMem(pub Vec<u8>);

/// Out-of-range access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

impl VecMem {
    fn range(&self, offset: u64, len: usize) -> Result<core::ops::Range<usize>, OutOfRange> {
        let start = usize::try_from(offset).map_err(|_| OutOfRange)?;
        let end = start.checked_add(len).ok_or(OutOfRange)?;
        if end > self.0.len() {
            return Err(OutOfRange);
        }
        Ok(start..end)
    }
}

impl PersistentMemory for VecMem {
    type Error = OutOfRange;
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), OutOfRange> {
        let r = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.0[r]);
        Ok(())
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), OutOfRange> {
        let r = self.range(offset, data.len())?;
        self.0[r].copy_from_slice(data);
        Ok(())
    }
    fn flush(&mut self, offset: u64, len: u64) -> Result<(), OutOfRange> {
        self.range(offset, usize::try_from(len).map_err(|_| OutOfRange)?)
            .map(|_| ())
    }
    fn fence(&mut self) -> Result<(), OutOfRange> {
        Ok(())
    }
}

type FuzzStore = Store<VecMem, CAP>;

/// The payload of version `v` of `key`, `len` bytes.
pub fn payload(key: u64, v: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (key as usize * 31 + v as usize * 7 + i * 13) as u8 ^ 0x5a)
        .collect()
}

/// Every version written per key (`None` for a delete), in order.
pub type History = BTreeMap<u64, Vec<Option<Vec<u8>>>>;

/// An image and what is known of how it was made.
pub struct Case {
    /// The media image.
    pub image: Vec<u8>,
    /// For ops inputs: every version of every key.
    pub history: Option<History>,
    /// For ops inputs without damage: the acknowledged state.
    pub exact: bool,
}

/// Decodes an input into an image (see the module documentation).
pub fn case(data: &[u8]) -> Case {
    let Some((&mode, rest)) = data.split_first() else {
        return Case {
            image: Vec::new(),
            history: None,
            exact: false,
        };
    };
    if mode & 1 == 0 {
        let mut image = rest[..rest.len().min(MAX_RAW)].to_vec();
        if mode & 2 == 0 {
            let len = image.len() as u64 + SUPER_BYTES;
            let sb = Superblock {
                store_id: STORE_ID,
                capacity: len,
            };
            let mut with_sb = sb.encode().to_vec();
            with_sb.extend_from_slice(&image);
            image = with_sb;
        }
        return Case {
            image,
            history: None,
            exact: false,
        };
    }
    let (image, history, damaged) = run_ops(rest);
    Case {
        image,
        history: Some(history),
        exact: !damaged,
    }
}

/// Runs the ops of `bytes` on a fresh store (op byte `b`: key `b & 7`;
/// `b & 0x80` deletes, else a put of the next byte's length; a `0x7f` byte
/// ends the ops), then applies damage (pairs of a little-endian `u16`
/// offset and a byte to XOR there). Returns the image, the history and
/// whether any damage was done.
fn run_ops(bytes: &[u8]) -> (Vec<u8>, History, bool) {
    let mut s = FuzzStore::format(VecMem(vec![0; OPS_CAPACITY]), STORE_ID).expect("format");
    let mut history = History::new();
    let mut it = bytes.iter().copied();
    let mut version = 0u32;
    while let Some(b) = it.next() {
        if b == 0x7f {
            break;
        }
        let key = u64::from(b & 7);
        let versions = history.entry(key).or_default();
        if b & 0x80 != 0 {
            if s.remove(key).is_ok() {
                versions.push(None);
            }
        } else {
            let len = usize::from(it.next().unwrap_or(0));
            version += 1;
            let p = payload(key, version, len);
            match s.put(key, RecordKind::Blob, &p) {
                Ok(()) => versions.push(Some(p)),
                Err(Error::Full { .. }) => break,
                Err(e) => panic!("put on a healthy store failed: {e:?}"),
            }
        }
    }
    let mut image = s.into_inner().0;
    let mut damaged = false;
    let rest: Vec<u8> = it.collect();
    for d in rest.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([d[0], d[1]])) % OPS_CAPACITY;
        image[at] ^= d[2];
        damaged |= d[2] != 0;
    }
    (image, history, damaged)
}

/// What a recovered store holds: key → payload (or `None`: corrupt).
/// Every record fits the region, so a region-sized buffer holds any.
fn contents(s: &mut FuzzStore, region: usize) -> BTreeMap<u64, Option<Vec<u8>>> {
    let keys: Vec<u64> = s.keys().collect();
    let mut buf = vec![0u8; region];
    let mut out = BTreeMap::new();
    for k in keys {
        let info = s.info(k);
        let got = s.get(k, &mut buf);
        match (info, got) {
            (Ok(i), Ok(g)) => {
                assert_eq!(i, g, "info and get disagree on key {k}");
                out.insert(k, Some(buf[..g.len as usize].to_vec()));
            }
            (Ok(_) | Err(Error::Corrupt { .. }), Err(Error::Corrupt { .. })) => {
                out.insert(k, None);
            }
            (i, g) => panic!("key {k} listed but info {i:?}, get {g:?}"),
        }
    }
    out
}

/// Opens the image of `data`, checks what it returns (module documentation)
/// and that an acknowledged put after recovery survives a reopen.
pub fn recover(data: &[u8]) {
    let c = case(data);
    let Ok((mut s, report)) = FuzzStore::open(VecMem(c.image.clone())) else {
        return;
    };
    let (_, again) = FuzzStore::open(VecMem(c.image.clone())).expect("second open");
    assert_eq!(report, again, "recovery is not deterministic");
    let region = c.image.len();
    let held = contents(&mut s, region);
    if let Some(history) = &c.history {
        for (k, v) in &held {
            let versions = history.get(k).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(v) = v {
                assert!(
                    versions.iter().any(|w| w.as_ref() == Some(v)),
                    "key {k}: recovered bytes that were never written"
                );
            }
        }
        if c.exact {
            assert_eq!(report.torn + report.corrupt_records, 0, "{report:?}");
            let acked: BTreeMap<u64, Option<Vec<u8>>> = history
                .iter()
                .filter_map(|(k, vs)| match vs.last() {
                    Some(Some(v)) => Some((*k, Some(v.clone()))),
                    _ => None,
                })
                .collect();
            assert_eq!(held, acked, "an undamaged store lost or changed records");
        }
    }
    // A new record is acknowledged durably, and nothing else changes.
    let key = 0xfeed_u64;
    let p = payload(key, 0, 21);
    match s.put(key, RecordKind::Tensor, &p) {
        Ok(()) => {}
        Err(Error::Full { .. } | Error::IndexFull { .. } | Error::SequenceExhausted) => return,
        Err(e) => panic!("put after recovery: {e:?}"),
    }
    let (mut reopened, _) = FuzzStore::open(s.into_inner()).expect("reopen after put");
    let mut expect = held;
    expect.insert(key, Some(p));
    assert_eq!(
        contents(&mut reopened, region),
        expect,
        "an acknowledged put was lost or changed other records"
    );
}

/// Opens the image of `data` and compacts it into a fresh region: every
/// readable record is copied intact, corrupt ones are dropped, and the
/// compacted store reopens clean.
pub fn compact(data: &[u8]) {
    let c = case(data);
    let Ok((mut s, _)) = FuzzStore::open(VecMem(c.image.clone())) else {
        return;
    };
    let size = c.image.len().max(OPS_CAPACITY);
    let held = contents(&mut s, size);
    let (out, report) = match s.compact_into(VecMem(vec![0; size]), STORE_ID ^ 1) {
        Ok(x) => x,
        Err(Error::Full { .. } | Error::TooSmall { .. }) => return,
        Err(e) => panic!("compaction failed: {e:?}"),
    };
    let dropped = held.values().filter(|v| v.is_none()).count() as u32;
    assert_eq!(report.dropped_corrupt, dropped);
    let (mut reopened, r) = FuzzStore::open(out.into_inner()).expect("open compacted");
    assert_eq!(
        (
            r.torn,
            r.corrupt_records,
            r.corrupt_bytes,
            r.trailing_garbage
        ),
        (0, 0, 0, false),
        "{r:?}"
    );
    let live: BTreeMap<u64, Option<Vec<u8>>> =
        held.into_iter().filter(|(_, v)| v.is_some()).collect();
    assert_eq!(
        contents(&mut reopened, size),
        live,
        "compaction changed records"
    );
}

/// The record header and superblock codecs: decoding arbitrary bytes never
/// panics; whatever decodes re-encodes to the same fields, and a header
/// re-encodes to the same bytes (every header byte is a checked field).
pub fn layout(data: &[u8]) {
    use hearth_hal::pmem::{Header, HEADER_BYTES};
    let mut hb = [0u8; HEADER_BYTES as usize];
    let n = data.len().min(hb.len());
    hb[..n].copy_from_slice(&data[..n]);
    if let Some((h, _)) = Header::decode(&hb) {
        assert_eq!(h.encode(), hb, "header decode is not canonical");
        assert_eq!(h.commit_word(STORE_ID), h.commit_word(STORE_ID));
    }
    let mut sb = [0u8; SUPER_BYTES as usize];
    let m = data.len().min(sb.len());
    sb[..m].copy_from_slice(&data[..m]);
    if let Some(s) = Superblock::decode(&sb) {
        assert_eq!(Superblock::decode(&s.encode()), Some(s));
    }
    // Any fields encode to a header that decodes to them.
    let word = |i: usize| {
        let mut w = [0u8; 8];
        for (j, b) in w.iter_mut().enumerate() {
            *b = data.get(i * 8 + j).copied().unwrap_or(0);
        }
        u64::from_le_bytes(w)
    };
    let h = Header {
        kind: word(0) as u16,
        flags: (word(0) >> 16) as u16,
        key: word(1),
        seq: word(2),
        len: word(3) as u32,
        payload_crc: (word(3) >> 32) as u32,
    };
    assert_eq!(Header::decode(&h.encode()).map(|(d, _)| d), Some(h));
}
