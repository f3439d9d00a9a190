//! Neural networks: the network IR every model becomes ([`ir`]: typed
//! layers with shapes, plaintext evaluation in `f64`), the ONNX importer
//! ([`onnx`]) and its independent plaintext oracle ([`oracle`], tract), the
//! `hearth-mlp-v1` model format and its plaintext reference forward pass
//! ([`model`]), and the deterministic trainer that produced the bundled MLPs
//! ([`train`]).

//! The data sets ([`data`], CSV), the bundled cases ([`bundled`]), the
//! seeded generator for splits and initialisation ([`rng`]), and networks
//! larger than memory streamed layer by layer from the PMEM store
//! ([`stream`]) live here too.

pub mod bundled;
pub mod calibrate;
pub mod data;
mod error;
pub mod ir;
pub mod limits;
pub mod model;
mod model_load;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "onnx")]
pub mod oracle;
pub mod rng;
pub mod stream;
pub mod train;

pub use data::Dataset;
pub use error::{Error, Result};
pub use model::{Activation, Layer, Mlp};
