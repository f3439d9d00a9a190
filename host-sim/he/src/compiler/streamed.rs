//! A [`Program`] in the latency packing with its rotation keys and encoded
//! diagonals in PMEM object stores, read one at a time as the evaluation
//! asks for them: a network whose keys and weights exceed memory runs in a
//! working set of one key and one plaintext beside its ciphertexts.
//!
//! - **Keys** ([`StoredRotationKeys`]): the client writes each rotation key
//!   once per level a linear step rotates by it at, truncated to that
//!   level ([`LatencyPlan::key_uses`], [`crate::key_records`]'s format;
//!   [`crate::session::Session::with_stored_rotations`]). A switch at level
//!   `l` reads only the key's digits and limbs of `q_0..q_l ∪ P` (hybrid key
//!   switching, Han and Ki, CT-RSA 2020), so the rotation is the in-memory
//!   one bit for bit and a step deep in the network reads a small key.
//! - **Diagonals** ([`StoredWeights`]): a step's part is encoded the first
//!   time the evaluation reaches it — at the level and scale the exact
//!   scale bookkeeping gives, which are the same for every sample — each
//!   non-zero diagonal written as its own record and dropped; every use,
//!   the first included, reads its record back and checks its basis,
//!   residues, level and scale ([`crate::stream::records::check_plaintext`]).
//!   The index of which diagonals exist stays in memory, so a zero
//!   diagonal costs no read.
//!
//! The two sources use two stores, since the evaluation holds both at
//! once. A record that is missing, truncated, of other parameters or at
//! another level or scale is a typed error naming it, never a wrong
//! result; the records' lengths are checked against the index before
//! anything is allocated.

use super::latency::{periods, LatencyPlan, ProgramWeights};
use super::Program;
use crate::error::{Error, Result};
use crate::key_records::{check_record, decode_record, galois_record, RecordHeader, HEADER_BYTES};
use crate::latency::encode_repeated;
use crate::layers::Ct;
use crate::linear::{Diagonal, WeightSource};
use crate::rotation::RotationKeys;
use crate::stream::records::{check_plaintext, plaintext_from_bytes, to_bytes};
use hearth_kernels::ckks::{
    rotation_galois_element, CkksContext, Evaluator, Hoisted, KeySwitchKey, Plaintext,
};
use hearth_kernels::ntt::NttEngine;
use hearth_pmem::{ObjectStore, RecordKind};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// [`RotationKeys`] for a [`KeyByLevel`] source: each rotation with its
/// key at the level of the ciphertext it rotates.
macro_rules! rotation_keys_by_level {
    ($source:ty) => {
        impl RotationKeys for $source {
            fn rotate<E: NttEngine<u64>>(
                &mut self,
                ev: &mut Evaluator<'_, u64, E>,
                x: &Ct,
                step: i64,
            ) -> Result<Ct> {
                $crate::compiler::streamed::rotate_with(self, ev, x, step)
            }

            fn rotate_hoisted<E: NttEngine<u64>>(
                &mut self,
                ev: &mut Evaluator<'_, u64, E>,
                h: &Hoisted<u64>,
                level: usize,
                step: i64,
            ) -> Result<Ct> {
                $crate::compiler::streamed::rotate_hoisted_with(self, ev, h, level, step)
            }

            fn end_sample(&mut self) {
                $crate::compiler::streamed::KeyByLevel::end_sample(self);
            }
        }
    };
}

mod prefetch;
mod prefetch_weights;
pub use prefetch::PrefetchedKeys;
pub use prefetch_weights::{PrefetchedWeights, AHEAD};

/// What a stored source moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Traffic {
    /// Records written (the client's key records, the diagonals on first
    /// use).
    pub records_written: u64,
    /// Bytes of those records.
    pub bytes_written: u64,
    /// Records read.
    pub records_read: u64,
    /// Bytes of those records.
    pub bytes_read: u64,
    /// Most bytes resident at once: the record read and what it decodes
    /// to.
    pub peak_resident: u64,
    /// Keys handed over that had been read ahead ([`PrefetchedKeys`]).
    pub read_ahead: u64,
}

impl Traffic {
    fn read(&mut self, record: u64, decoded: u64) {
        self.records_read += 1;
        self.bytes_read += record;
        self.peak_resident = self.peak_resident.max(record + decoded);
    }

    /// The sum of two sources' traffic (peaks added: both may be resident
    /// at once).
    #[must_use]
    pub fn plus(self, o: Traffic) -> Traffic {
        Traffic {
            records_written: self.records_written + o.records_written,
            bytes_written: self.bytes_written + o.bytes_written,
            records_read: self.records_read + o.records_read,
            bytes_read: self.bytes_read + o.bytes_read,
            peak_resident: self.peak_resident + o.peak_resident,
            read_ahead: self.read_ahead + o.read_ahead,
        }
    }
}

/// The rotation keys of a program, read from the key set `set` of a store
/// one at a time.
#[derive(Debug)]
pub struct StoredRotationKeys<'s> {
    store: &'s mut ObjectStore,
    ctx: &'s CkksContext<u64>,
    set: String,
    resident: Option<(usize, usize, KeySwitchKey<u64>)>,
    /// The buffer records are read into (one allocation for all).
    record: Vec<u8>,
    traffic: Traffic,
}

/// Bytes a [`PrefetchedKeys`] holds at most for `uses`: the key in use, the
/// key read ahead and the record it is decoded from, each the largest
/// (a [`StoredRotationKeys`] alone holds one key and one record).
pub fn key_working_set(ctx: &CkksContext<u64>, uses: &BTreeMap<i64, BTreeSet<usize>>) -> u64 {
    uses.iter()
        .flat_map(|(&r, levels)| {
            let e = rotation_galois_element(ctx.degree(), r);
            levels.iter().map(move |&l| (e, l))
        })
        .map(|(e, l)| RecordHeader::expected(ctx, e, l).record_bytes())
        .max()
        .map_or(0, |b| 3 * b)
}

/// Bytes of the records of `uses` (headers included).
pub fn key_set_bytes(ctx: &CkksContext<u64>, uses: &BTreeMap<i64, BTreeSet<usize>>) -> u64 {
    uses.iter()
        .flat_map(|(&r, levels)| {
            let e = rotation_galois_element(ctx.degree(), r);
            levels
                .iter()
                .map(move |&l| RecordHeader::expected(ctx, e, l).record_bytes())
        })
        .sum()
}

impl<'s> StoredRotationKeys<'s> {
    /// Opens the key set `set` of `store` for `uses` (rotation step →
    /// levels): checks that every record is present with the length its
    /// header fixes ([`Error::KeyRecord`] naming the first that is not).
    pub fn open(
        store: &'s mut ObjectStore,
        ctx: &'s CkksContext<u64>,
        set: &str,
        uses: &BTreeMap<i64, BTreeSet<usize>>,
    ) -> Result<Self> {
        for (&r, levels) in uses {
            let e = rotation_galois_element(ctx.degree(), r);
            for &l in levels {
                check_record(store, ctx, &galois_record(set, e, l), e, l)?;
            }
        }
        Ok(StoredRotationKeys {
            store,
            ctx,
            set: set.to_string(),
            resident: None,
            record: Vec::new(),
            traffic: Traffic::default(),
        })
    }

    /// What has been read so far.
    #[must_use]
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    /// Reads and decodes the key of `element` at `level` from its record
    /// (length from the index, then header, parameters, every residue).
    pub fn load(&mut self, element: usize, level: usize) -> Result<KeySwitchKey<u64>> {
        let name = galois_record(&self.set, element, level);
        let len = check_record(self.store, self.ctx, &name, element, level)?;
        let body = self.store.get_into(&name, &mut self.record)?;
        // Copied out: the mapped pages need not stay in the process.
        self.store.release_resident()?;
        self.traffic.read(len, len - HEADER_BYTES as u64);
        decode_record(self.ctx, &name, &self.record[body], element, level)
    }

    /// The key of `element` at `level`: the resident one, or read from its
    /// record after the resident one is dropped.
    fn key(&mut self, element: usize, level: usize) -> Result<&KeySwitchKey<u64>> {
        let hit = matches!(&self.resident, Some((e, l, _)) if (*e, *l) == (element, level));
        if !hit {
            self.resident = None;
            let key = self.load(element, level)?;
            self.resident = Some((element, level, key));
        }
        match &self.resident {
            Some((_, _, k)) => Ok(k),
            None => Err(Error::KeyRecord {
                record: galois_record(&self.set, element, level),
                message: "not resident after it was read".into(),
            }),
        }
    }
}

/// A source of single rotation keys by Galois element and level: what the
/// stored sources share.
trait KeyByLevel {
    /// The key of `element` at `level`, resident until the next request.
    fn key(&mut self, element: usize, level: usize) -> Result<&KeySwitchKey<u64>>;

    /// A sample's evaluation ended ([`RotationKeys::end_sample`]).
    fn end_sample(&mut self) {}
}

impl KeyByLevel for StoredRotationKeys<'_> {
    fn key(&mut self, element: usize, level: usize) -> Result<&KeySwitchKey<u64>> {
        StoredRotationKeys::key(self, element, level)
    }
}

/// `x` rotated left by `step` with the key of `keys` at `x`'s level.
fn rotate_with<K: KeyByLevel, E: NttEngine<u64>>(
    keys: &mut K,
    ev: &mut Evaluator<'_, u64, E>,
    x: &Ct,
    step: i64,
) -> Result<Ct> {
    let n = ev.context().degree();
    if step.rem_euclid((n / 2) as i64) == 0 {
        return Ok(x.clone());
    }
    let k = rotation_galois_element(n, step);
    let key = keys.key(k, x.level())?;
    Ok(ev.apply_galois_key(x, k, key)?)
}

/// The ciphertext `h` was hoisted from, at `level`, rotated left by `step`
/// with the key of `keys` at `level`.
fn rotate_hoisted_with<K: KeyByLevel, E: NttEngine<u64>>(
    keys: &mut K,
    ev: &mut Evaluator<'_, u64, E>,
    h: &Hoisted<u64>,
    level: usize,
    step: i64,
) -> Result<Ct> {
    let k = rotation_galois_element(ev.context().degree(), step);
    let key = keys.key(k, level)?;
    Ok(ev.apply_galois_hoisted(h, k, key)?)
}

rotation_keys_by_level!(StoredRotationKeys<'_>);

/// A diagonal's place: step, part, giant step, baby step.
type Place = (usize, usize, usize, usize);

/// The program's diagonals in a store under `set/`, encoded and written
/// on first use, read back at every use; biases (one plaintext per linear
/// step) kept in memory.
#[derive(Debug)]
pub struct StoredWeights<'p, 's> {
    program: &'p Program,
    plan: &'p LatencyPlan,
    store: &'s mut ObjectStore,
    set: String,
    /// The (step, part) pairs written so far.
    written: BTreeSet<(usize, usize)>,
    /// The diagonals that exist, with their record's length.
    index: BTreeMap<Place, u64>,
    biases: ProgramWeights<'p>,
    /// The buffer records are read into (one allocation for all).
    record: Vec<u8>,
    traffic: Traffic,
}

/// The record of diagonal `(g, b)` of part `part` of step `step`.
#[must_use]
pub fn diagonal_record(set: &str, (step, part, g, b): Place) -> String {
    format!("{set}/s{step}/p{part}/d{g}_{b}")
}

impl<'p, 's> StoredWeights<'p, 's> {
    /// Nothing written yet; records go under `set/` of `store`.
    pub fn new(
        program: &'p Program,
        plan: &'p LatencyPlan,
        store: &'s mut ObjectStore,
        set: &str,
    ) -> Self {
        StoredWeights {
            program,
            plan,
            store,
            set: set.to_string(),
            written: BTreeSet::new(),
            index: BTreeMap::new(),
            biases: ProgramWeights::new(program, plan),
            record: Vec::new(),
            traffic: Traffic::default(),
        }
    }

    /// What has been written and read so far.
    #[must_use]
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    /// Encodes every non-zero diagonal of `at`'s step and part at `level`
    /// and `scale` and writes each as its record, one plaintext in memory
    /// at a time (once per step and part).
    fn write_part<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<()> {
        if self.written.contains(&(at.layer, at.part)) {
            return Ok(());
        }
        for (g, row) in periods(self.program, self.plan, at)?
            .into_iter()
            .enumerate()
        {
            for (b, period) in row.into_iter().enumerate() {
                let Some(period) = period else { continue };
                let place = (at.layer, at.part, g, b);
                let pt = encode_repeated(ev, &period, scale, level)?;
                let bytes = to_bytes(&pt)?;
                drop(pt);
                self.store.put(
                    &diagonal_record(&self.set, place),
                    RecordKind::Tensor,
                    &bytes,
                )?;
                self.store.release_resident()?;
                self.traffic.records_written += 1;
                self.traffic.bytes_written += bytes.len() as u64;
                self.index.insert(place, bytes.len() as u64);
            }
        }
        self.written.insert((at.layer, at.part));
        Ok(())
    }

    /// Reads the diagonal at `place` back from its record and checks it
    /// (length against what was written, basis, residues, `level`,
    /// `scale`); `None` when no such diagonal was written (it is zero).
    fn read(
        &mut self,
        ctx: &CkksContext<u64>,
        place: Place,
        level: usize,
        scale: f64,
    ) -> Result<Option<Plaintext<u64>>> {
        let Some(&len) = self.index.get(&place) else {
            return Ok(None);
        };
        let name = diagonal_record(&self.set, place);
        if !self.store.contains(&name) {
            return Err(Error::record(name, "missing from the weight store"));
        }
        let stored = self.store.get_len(&name)?;
        if stored != len {
            return Err(Error::record(
                name,
                format!("{stored} bytes, but {len} were written"),
            ));
        }
        let body = self.store.get_into(&name, &mut self.record)?;
        self.store.release_resident()?;
        let pt = plaintext_from_bytes(&name, &self.record[body])?;
        check_plaintext(ctx, &name, &pt, level, scale)?;
        let decoded = pt.poly().data().len() as u64 * 8;
        self.traffic.read(len, decoded);
        Ok(Some(pt))
    }
}

impl WeightSource for StoredWeights<'_, '_> {
    fn diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<Option<Cow<'_, Plaintext<u64>>>> {
        self.write_part(ev, at, level, scale)?;
        let place = (at.layer, at.part, at.g, at.b);
        Ok(self
            .read(ev.context(), place, level, scale)?
            .map(Cow::Owned))
    }

    fn has_diagonal<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        at: Diagonal,
        level: usize,
        scale: f64,
    ) -> Result<bool> {
        self.write_part(ev, at, level, scale)?;
        Ok(self.index.contains_key(&(at.layer, at.part, at.g, at.b)))
    }

    fn bias<E: NttEngine<u64>>(
        &mut self,
        ev: &mut Evaluator<'_, u64, E>,
        layer: usize,
        constant: f64,
        level: usize,
        scale: f64,
    ) -> Result<Cow<'_, Plaintext<u64>>> {
        self.biases.bias(ev, layer, constant, level, scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::latency::{evaluate, Planned};
    use crate::compiler::NoRefresh;
    use crate::key_records::encode_record;
    use crate::network::Compiled;
    use crate::options::Packing;
    use crate::session::Session;
    use hearth_kernels::ckks::GaloisKeys;
    use hearth_kernels::ntt::SoftwareNtt;
    use hearth_nn::bundled::{MNIST, MNIST_TEST_CSV_GZ};
    use hearth_nn::onnx::{import_bytes, ImportOptions};
    use hearth_nn::Dataset;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    /// Keys in memory that write down every (step, level) rotated at.
    struct Recording<'k> {
        keys: &'k GaloisKeys<u64>,
        seen: BTreeMap<i64, BTreeSet<usize>>,
    }

    impl RotationKeys for Recording<'_> {
        fn rotate<E: NttEngine<u64>>(
            &mut self,
            ev: &mut Evaluator<'_, u64, E>,
            x: &Ct,
            step: i64,
        ) -> Result<Ct> {
            self.seen.entry(step).or_default().insert(x.level());
            (&mut self.keys).rotate(ev, x, step)
        }

        fn rotate_hoisted<E: NttEngine<u64>>(
            &mut self,
            ev: &mut Evaluator<'_, u64, E>,
            h: &Hoisted<u64>,
            level: usize,
            step: i64,
        ) -> Result<Ct> {
            self.seen.entry(step).or_default().insert(level);
            (&mut self.keys).rotate_hoisted(ev, h, level, step)
        }
    }

    fn mnist_a(rows: usize) -> (hearth_nn::ir::Network, Vec<Vec<f64>>) {
        let d = Dataset::parse_gz(Path::new("mnist_test.csv.gz"), MNIST_TEST_CSV_GZ).unwrap();
        let m = &MNIST[0];
        let net = import_bytes(m.name, m.model, ImportOptions::default())
            .unwrap()
            .network;
        (net, d.rows[..rows].to_vec())
    }

    /// `mnist_a` compiled for the latency packing, a session with its
    /// rotation keys in memory (seeded) and the first image encrypted.
    fn encrypted_mnist_a(seed: u64) -> (Compiled, Session, Ct) {
        let (net, rows) = mnist_a(1);
        let compiled = Compiled::new(&net, &rows, Packing::Latency).unwrap();
        let plan = &compiled.plan;
        let e = &mut SoftwareNtt;
        let rotations = plan.rotations();
        let mut sess = Session::new(compiled.selection.clone(), Some(seed), &rotations, e).unwrap();
        let slots = plan.layout(&rows[0], sess.slots()).unwrap();
        let ct = sess.encrypt(e, &slots).unwrap();
        (compiled, sess, ct)
    }

    /// A store file removed when dropped.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(tag: &str) -> Self {
            let p = std::env::temp_dir()
                .join(format!("hearth-streamed-{tag}-{}.pmem", std::process::id()));
            Scratch(p)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// The (step, level) pairs the plan lists are exactly those the
    /// evaluation rotates at (`mnist_a`: a hoisted convolution on the
    /// image's grid, folds, two dense layers).
    #[test]
    fn the_planned_key_levels_are_the_levels_rotated_at() {
        let (compiled, sess, ct) = encrypted_mnist_a(3);
        let (program, plan) = (&compiled.program, &compiled.plan);
        let e = &mut SoftwareNtt;
        let mut rec = Recording {
            keys: &sess.gk,
            seen: BTreeMap::new(),
        };
        let mut weights = ProgramWeights::new(program, plan);
        let mut ev = Evaluator::new(&sess.ctx, &mut *e);
        let planned = Planned { program, plan };
        let rk = sess.rk.as_ref().unwrap();
        evaluate(
            &mut ev,
            &mut rec,
            rk,
            &mut NoRefresh,
            planned,
            &mut weights,
            ct,
        )
        .unwrap();
        let top = compiled.selection.encrypt_level();
        assert_eq!(rec.seen, plan.key_uses(program, top).unwrap());
        // Three linear steps, the last two levels apart from the first.
        let levels: BTreeSet<usize> = rec.seen.values().flatten().copied().collect();
        assert!(levels.len() >= 3, "{levels:?}");
    }

    /// The key store: every record checked when opened (a missing one
    /// named), a record holding another element's key refused when read,
    /// and a rotation with a stored key equal to the one with the key in
    /// memory.
    #[test]
    fn stored_rotation_keys_rotate_as_in_memory_and_refuse_bad_records() {
        let (net, rows) = mnist_a(1);
        let compiled = Compiled::new(&net, &rows, Packing::Latency).unwrap();
        let plan = &compiled.plan;
        let top = compiled.selection.encrypt_level();
        let uses = plan.key_uses(&compiled.program, top).unwrap();
        let e = &mut SoftwareNtt;
        let ctx = Arc::new(CkksContext::new(compiled.selection.params.clone()).unwrap());
        let file = Scratch::new("keys");
        let mut store = ObjectStore::create(&file.0, 256 << 20).unwrap();
        let sel = compiled.selection.clone();
        let (mut sess, info) = Session::with_stored_rotations(
            Arc::clone(&ctx),
            sel.clone(),
            Some(4),
            &uses,
            &mut store,
            "rot",
            e,
        )
        .unwrap();
        assert_eq!(
            info.records,
            uses.values().map(BTreeSet::len).sum::<usize>()
        );
        assert_eq!(info.bytes, key_set_bytes(&ctx, &uses));
        assert!(sess.gk.elements().next().is_none());
        // The same seed in memory: the same keys.
        let memory = Session::new(sel, Some(4), &plan.rotations(), e).unwrap();
        let x = sess.encrypt(e, &vec![0.25; sess.slots()]).unwrap();
        let (&step, levels) = uses.iter().next().unwrap();
        let level = *levels.iter().next().unwrap();
        let x = Evaluator::new(&ctx, &mut *e)
            .drop_to_level(&x, level)
            .unwrap();
        {
            let mut keys = StoredRotationKeys::open(&mut store, &ctx, "rot", &uses).unwrap();
            let mut ev = Evaluator::new(&ctx, &mut *e);
            let got = keys.rotate(&mut ev, &x, step).unwrap();
            let want = ev.rotate(&x, step, &memory.gk).unwrap();
            assert_eq!(got, want);
            assert_eq!(keys.traffic().records_read, 1);
        }
        let element = rotation_galois_element(ctx.degree(), step);
        let name = galois_record("rot", element, level);
        // Another element's key under this name.
        let other = memory.gk.elements().find(|&k| k != element).unwrap();
        let body = encode_record(&ctx, memory.gk.get(other).unwrap(), other, level).unwrap();
        store.put(&name, RecordKind::Blob, &body).unwrap();
        {
            let mut keys = StoredRotationKeys::open(&mut store, &ctx, "rot", &uses).unwrap();
            let mut ev = Evaluator::new(&ctx, &mut *e);
            let err = keys.rotate(&mut ev, &x, step).unwrap_err().to_string();
            assert!(
                err.contains(&name) && err.contains("Galois element"),
                "{err}"
            );
        }
        store.remove(&name).unwrap();
        let err = StoredRotationKeys::open(&mut store, &ctx, "rot", &uses)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&name) && err.contains("missing"), "{err}");
    }

    /// The weight store: diagonals written once (the first sample) and read
    /// at every use, giving the in-memory result; a record replaced by one
    /// of another scale, or cut short, is refused by name.
    #[test]
    fn stored_diagonals_are_written_once_and_checked_when_read() {
        let (compiled, sess, ct) = encrypted_mnist_a(5);
        let (program, plan) = (&compiled.program, &compiled.plan);
        let e = &mut SoftwareNtt;
        let file = Scratch::new("weights");
        let mut store = ObjectStore::create(&file.0, 128 << 20).unwrap();
        let planned = Planned { program, plan };
        let rk = sess.rk.as_ref().unwrap();
        let mut ev = Evaluator::new(&sess.ctx, &mut *e);
        let mut memory = ProgramWeights::new(program, plan);
        let want = evaluate(
            &mut ev,
            &mut &sess.gk,
            rk,
            &mut NoRefresh,
            planned,
            &mut memory,
            ct.clone(),
        )
        .unwrap();
        let mut stored = StoredWeights::new(program, plan, &mut store, "w");
        for _ in 0..2 {
            let got = evaluate(
                &mut ev,
                &mut &sess.gk,
                rk,
                &mut NoRefresh,
                planned,
                &mut stored,
                ct.clone(),
            )
            .unwrap();
            assert_eq!(got, want);
        }
        let t = stored.traffic();
        assert_eq!(t.records_written as usize, plan.diagonals());
        assert_eq!(t.records_read, 2 * t.records_written);
        assert_eq!(t.bytes_read, 2 * t.bytes_written);
        drop(stored);
        // The first diagonal of step 0, part 0.
        let name = diagonal_record("w", (0, 0, 0, 0));
        let bytes = store.get(&name).unwrap();
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() - 8);
        // Garbage of the right length.
        let garbage = vec![0xff; bytes.len()];
        for (body, expect) in [(cut, "bytes, but"), (garbage, "malformed")] {
            let mut stored = StoredWeights::new(program, plan, &mut store, "w");
            let first = evaluate(
                &mut ev,
                &mut &sess.gk,
                rk,
                &mut NoRefresh,
                planned,
                &mut stored,
                ct.clone(),
            );
            assert!(first.is_ok());
            stored.store.put(&name, RecordKind::Tensor, &body).unwrap();
            let err = evaluate(
                &mut ev,
                &mut &sess.gk,
                rk,
                &mut NoRefresh,
                planned,
                &mut stored,
                ct.clone(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains(&name) && err.contains(expect), "{err}");
        }
    }
}
