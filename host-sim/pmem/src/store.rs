//! The shared PMEM-backed object store: keys, encoded or encrypted model
//! weights and ciphertexts of every model the machine serves, in one
//! memory-mapped file, on `hal`'s crash-consistent record store
//! ([`hearth_hal::pmem::Store`]).
//!
//! ## Layout
//! Each object is one record of the hal store. Its 64-bit record key is the
//! FNV-1a hash of the object's name (`tenant/model/kind/...`), and its
//! payload is an envelope ([`envelope`]): magic `HSO1`, the name's length
//! (u16 LE), the name, then the object's bytes. Names are checked on read,
//! so a hash collision is reported ([`crate::Error::NameCollision`]) instead of
//! returning another object's bytes.
//!
//! ## Guarantees
//! Those of the hal store (`docs/pmem-store.md`): a `put` that returned is
//! durable and survives a crash at any later instant; a record torn by a
//! crash is dropped on open and counted in the [`RecoveryReport`]; a record
//! whose CRC-32C fails is reported and its bytes never returned. Compaction
//! ([`ObjectStore::compact`]) copies the live records into a new file and
//! replaces the old one by `rename(2)`, which is atomic: after a crash the
//! path names either the old store or the complete new one.
//!
//! On the host, `flush` is `msync(MS_SYNC)` of the range. A SIGKILL leaves
//! written pages in the page cache, so the kill tests (`tests/tests/
//! prod_crash.rs`) check process crashes at every instruction boundary; loss
//! of unflushed bytes at power failure is covered by hal's fault-injecting
//! memory tests.

mod object;

pub use crate::envelope;
pub use hearth_hal::pmem::{CompactReport, RecordKind, RecoveryReport};
pub use object::{ObjectInfo, ObjectStore, Shared, VerifyReport, INDEX_CAPACITY};
