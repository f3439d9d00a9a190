//! Streaming execution: a network whose weights exceed the process's memory
//! budget runs layer by layer from the PMEM object store, with a prefetch
//! thread reading layer `i + 1` while layer `i` computes.
//!
//! Memory bound: the prefetcher hands layers over a rendezvous channel, so at
//! any time the process holds at most the layer being computed, the layer
//! being read (its bytes and, while decoding, its `f32` values), and the
//! activations; [`run`] refuses a budget smaller than three times the
//! largest layer plus the activations. The store's file is mapped,
//! so its pages are file-backed and do not count as anonymous memory
//! (`RssAnon` in `/proc/self/status`, proc(5)).
//!
//! Traffic: each weight is read from PMEM once per inference; the report
//! gives the bytes read against that minimum (the tensor bytes).
//!
//! Scope: the layers computed here are the plaintext reference (dense
//! layers and the square activation, `f32` weights); the encrypted
//! evaluator's stream is `hearth_he::stream`.

pub mod gen;
mod run;

pub use run::{run, StreamReport};
