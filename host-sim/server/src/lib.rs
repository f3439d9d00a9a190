//! x
#![allow(missing_docs)]
pub mod pb { tonic::include_proto!("inference"); }
