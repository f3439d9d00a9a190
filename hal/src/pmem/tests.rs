//! Crash consistency and corruption detection of the record store.
//!
//! Every scenario runs once to count its persistence operations (writes,
//! flushes, fences), then again crashing before each of them in turn; each
//! crash yields the media images a real crash could leave (durable bytes
//! plus any subset of the 8-byte words of unfenced writes: all subsets when
//! there are few such words, else none, all, and random ones). After
//! recovery from each image, every acknowledged record must be intact, an
//! operation in flight may have happened or not, nothing else may appear,
//! and the recovered store must accept and keep a new record.

mod bitflip;
mod compact;
mod crashmem;
mod release;
mod seq;

use super::*;
use crashmem::{CrashMem, Crashed};
use std::collections::BTreeMap;
use std::vec;
use std::vec::Vec;

type TestStore = Store<CrashMem, 32>;
const CAPACITY: usize = 16384;
const STORE_ID: u64 = 0x5eed;

#[derive(Debug, Clone)]
enum Op {
    Put(u64, Vec<u8>),
    Remove(u64),
}

/// What the application knows: acknowledged state, and the op in flight.
#[derive(Debug, Default, Clone)]
struct Model {
    acked: BTreeMap<u64, Vec<u8>>,
    in_flight: Option<Op>,
}

/// Deterministic xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn payload(key: u64, version: u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (key * 31 + version * 7 + i as u64 * 13) as u8)
        .collect()
}

/// Opens the formatted store in `mem` and runs `ops` until done or crashed;
/// returns the memory and the model of what was acknowledged.
fn run(mem: CrashMem, ops: &[Op], mut model: Model) -> (CrashMem, Model) {
    let mut store = match TestStore::open(mem) {
        Ok((s, _)) => s,
        Err(e) => panic!("open failed: {e:?}"),
    };
    for op in ops {
        model.in_flight = Some(op.clone());
        let r = match op {
            Op::Put(k, v) => store.put(*k, RecordKind::Blob, v),
            Op::Remove(k) => store.remove(*k).map(|_| ()),
        };
        match r {
            Ok(()) => {
                match op {
                    Op::Put(k, v) => model.acked.insert(*k, v.clone()),
                    Op::Remove(k) => model.acked.remove(k),
                };
                model.in_flight = None;
            }
            Err(Error::Memory(Crashed)) => return (store.into_inner(), model),
            Err(e) => panic!("unexpected store error {e:?}"),
        }
    }
    (store.into_inner(), model)
}

/// Checks recovery from `image` against `model`, then that the recovered
/// store keeps a new record across a reopen.
fn check_recovery(image: Vec<u8>, model: &Model, keys: &[u64]) {
    let (mut store, report) = match TestStore::open(CrashMem::from_image(image, None)) {
        Ok(x) => x,
        Err(e) => panic!("recovery failed: {e:?}"),
    };
    assert_eq!(report.corrupt_records, 0);
    assert_eq!(report.corrupt_bytes, 0, "{report:?}");
    let mut buf = vec![0u8; CAPACITY];
    for &k in keys {
        let got = match store.get(k, &mut buf) {
            Ok(info) => Some(buf[..info.len as usize].to_vec()),
            Err(Error::NotFound { .. }) => None,
            Err(e) => panic!("key {k}: {e:?}"),
        };
        let acked = model.acked.get(&k).cloned();
        let flight = match &model.in_flight {
            Some(Op::Put(fk, v)) if *fk == k => Some(Some(v.clone())),
            Some(Op::Remove(fk)) if *fk == k => Some(None),
            _ => None,
        };
        assert!(
            got == acked || Some(&got) == flight.as_ref(),
            "key {k}: recovered {got:?}, acknowledged {acked:?}, in flight {flight:?}"
        );
    }
    // The recovered store keeps working: a new record survives a reopen.
    let fresh = payload(99, 99, 17);
    store.put(1000, RecordKind::Tensor, &fresh).unwrap();
    let (mut again, _) =
        TestStore::open(CrashMem::from_image(store.into_inner().durable, None)).unwrap();
    let info = again.get(1000, &mut buf).unwrap();
    assert_eq!(&buf[..info.len as usize], &fresh[..]);
}

/// Crash images of one crashed memory: every subset of the torn words when
/// there are at most `exhaustive` of them, else none, all and `samples`
/// random subsets.
fn images(mem: &CrashMem, rng: &mut Rng, exhaustive: usize, samples: usize) -> Vec<Vec<u8>> {
    let n = mem.torn_words().len();
    if n <= exhaustive {
        return (0..1u32 << n)
            .map(|m| mem.image(&(0..n).map(|j| m >> j & 1 == 1).collect::<Vec<_>>()))
            .collect();
    }
    let mut out = vec![mem.image(&vec![false; n]), mem.image(&vec![true; n])];
    for _ in 0..samples {
        out.push(mem.image(&(0..n).map(|_| rng.below(2) == 1).collect::<Vec<_>>()));
    }
    out
}

/// Crashes `ops` (after a completed format) before every persistence
/// operation; returns (crash points, images checked).
fn crash_everywhere(ops: &[Op], keys: &[u64], points: Option<usize>, rng: &mut Rng) -> (u64, u64) {
    let exhaustive = if points.is_none() { 12 } else { 6 };
    let base = TestStore::format(CrashMem::new(CAPACITY, None), STORE_ID)
        .unwrap()
        .into_inner();
    let model = Model::default();
    let total = run(with_crash(&base, None), ops, model.clone()).0.ops;
    let chosen: Vec<u64> = match points {
        None => (0..=total).collect(),
        Some(p) => (0..p).map(|_| rng.below(total + 1)).collect(),
    };
    let mut checked = 0;
    for &c in &chosen {
        let (crashed, m) = run(with_crash(&base, Some(c)), ops, model.clone());
        for img in images(&crashed, rng, exhaustive, 16) {
            check_recovery(img, &m, keys);
            checked += 1;
        }
    }
    (chosen.len() as u64, checked)
}

/// A copy of the (fully fenced) `mem` that crashes before operation `at`.
fn with_crash(mem: &CrashMem, at: Option<u64>) -> CrashMem {
    CrashMem::from_image(mem.durable.clone(), at)
}

#[test]
fn crash_at_every_point_of_a_small_scenario() {
    let ops = vec![
        Op::Put(1, payload(1, 0, 13)),
        Op::Put(2, payload(2, 0, 40)),
        Op::Put(1, payload(1, 1, 7)),
        Op::Remove(2),
        Op::Put(3, vec![]),
        Op::Put(2, payload(2, 1, 64)),
    ];
    let (points, images) = crash_everywhere(&ops, &[1, 2, 3], None, &mut Rng(1));
    std::eprintln!("small scenario: {points} crash points, {images} crash images recovered");
    assert_eq!(points, 6 * 7 + 1);
}

#[test]
fn crash_during_format_leaves_no_store_or_an_empty_one() {
    for c in 0..=3 {
        let mem = CrashMem::new(CAPACITY, Some(c));
        let crashed = match TestStore::format(mem, STORE_ID) {
            Ok(s) => s.into_inner(),
            Err(Error::Memory(Crashed)) => continue_crashed(c),
            Err(e) => panic!("{e:?}"),
        };
        for img in images(&crashed, &mut Rng(2), 12, 8) {
            match TestStore::open(CrashMem::from_image(img, None)) {
                Ok((s, _)) => assert!(s.is_empty()),
                Err(Error::NotFormatted) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
    }
}

/// The memory of a format that crashed before operation `c`.
fn continue_crashed(c: u64) -> CrashMem {
    let mut mem = CrashMem::new(CAPACITY, Some(c));
    let sb = layout::Superblock {
        store_id: STORE_ID,
        capacity: CAPACITY as u64,
    }
    .encode();
    let _ = mem
        .write(0, &sb)
        .and_then(|()| mem.flush(0, SUPER_BYTES))
        .and_then(|()| mem.fence());
    mem
}

#[test]
fn crash_at_random_points_of_a_large_scenario() {
    let mut rng = Rng(0x1234_5678);
    let mut ops = Vec::new();
    for v in 0..120 {
        let k = rng.below(10);
        if rng.below(6) == 0 {
            ops.push(Op::Remove(k));
        } else {
            let len = rng.below(40) as usize;
            ops.push(Op::Put(k, payload(k, v, len)));
        }
    }
    let keys: Vec<u64> = (0..10).collect();
    let (points, images) = crash_everywhere(&ops, &keys, Some(150), &mut rng);
    std::eprintln!("large scenario: {points} random crash points, {images} crash images recovered");
}
