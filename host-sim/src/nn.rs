//! Neural networks: the `hearth-mlp-v1` model format and its plaintext
//! reference forward pass ([`model`]), and the deterministic trainer that
//! produced the bundled models ([`train`]).

pub mod calibrate;
pub mod model;
mod model_load;
pub mod train;

pub use model::{Activation, Layer, Mlp};
