//! The hearth network server: encrypted inference over the KServe Open
//! Inference Protocol, version 2, for tenants who keep their secret keys.
//!
//! A tenant (a hospital) holds its CKKS secret key; it uploads only its
//! public evaluation keys (`PUT /v2/tenants/{t}/keys`), sends ciphertexts
//! as `BYTES` tensors to `POST /v2/models/{m}/infer` (REST, JSON or the
//! binary tensor extension) or `ModelInfer` (gRPC), and decrypts the
//! encrypted logits it gets back. The server authenticates the tenant by a
//! bearer token, evaluates only under that tenant's keys, and bounds every
//! queue, body and wait.
//!
//! Layers, each its own module:
//! - [`tensors`]: the protocol's BYTES tensors (JSON base64 and binary);
//! - [`tenants`]: tokens (hashed, compared in constant time) and lanes;
//! - [`limits`]: admission (bounded queues, 429) and workers;
//! - [`service`]: what a request does, whatever the protocol;
//! - [`rest`] and [`grpc`]: the two front ends; [`serve`]: listeners and
//!   graceful shutdown;
//! - [`backend`]: the seams to the machine, [`backend::Records`] (the PMEM
//!   store) and [`backend::Evaluator`] (CKKS evaluation on the device).

pub mod backend;
pub mod ckks;
pub mod error;
pub mod grpc;
pub mod limits;
pub mod memory;
pub mod pmem;
pub mod rest;
pub mod serve;
pub mod service;
pub mod tenants;
pub mod tensors;

pub use backend::{EvalError, Evaluator, KeyInfo, Records, StoreError};
pub use error::{Error, Result};
pub use limits::Limits;
pub use service::Service;
