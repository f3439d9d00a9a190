//! The server's integration tests. Every test file is a module of this one
//! binary, so the server and its dependencies' generic code is compiled and
//! linked once for all of them.

mod support;

mod ckks_onnx;
mod grpc;
mod rest;
