//! RNS-CKKS: approximate homomorphic arithmetic on vectors of real or
//! complex numbers, bit-exact on every target.
//!
//! ## The scheme
//! (Cheon, Kim, Kim, Song, "Homomorphic encryption for arithmetic of
//! approximate numbers", ASIACRYPT 2017; its full-RNS variant by Cheon, Han,
//! Kim, Kim, Song, SAC 2018; hybrid key switching after Han and Ki,
//! CT-RSA 2020.) A message of `N/2` complex slots is encoded as an integer
//! polynomial `⌊Δ·m⌉` ([`encoding`]); a ciphertext `(c_0, c_1)` over
//! `Q_l = q_0·…·q_l` satisfies `c_0 + c_1·s ≈ Δ·m (mod Q_l)`. Products
//! multiply the scales; [`Evaluator::rescale`] divides by the last prime to
//! bring the scale back, consuming one level. Relinearization and rotations
//! switch keys through special primes `P` with `dnum` digits.
//!
//! ## What is supported
//! Parameter sets checked against the HomomorphicEncryption.org 128-bit
//! table ([`params`]), or an explicitly named insecure set for tests;
//! ternary secret keys, public keys, relinearization and Galois keys; public-
//! and secret-key encryption, decryption; add, sub, negate, add/sub/multiply
//! by a plaintext, add/multiply by a constant, multiply with
//! relinearization, rescale, level drop, rotation by any step, conjugation;
//! a stable byte format and a SHA-256 digest ([`serialize`]); bootstrapping
//! ([`boot`]).
//!
//! ## Bit-exactness
//! No floating point feeds a ciphertext: encoding is fixed point,
//! sampling is integer-only ([`sampling`]) and draws from a
//! [`rand_core::Rng`] in a documented order, so a seeded ChaCha generator
//! reproduces keys and ciphertexts byte for byte on x86_64 and RISC-V.
//! Scales are tracked as `f64` metadata only (IEEE arithmetic, identical on
//! every target including soft-float).
//!
//! ## NTTs
//! Every transform goes through a caller-supplied
//! [`crate::ntt::NttEngine`]: software here, the FPGA pipeline in `hal`.

pub mod boot;
mod context;
pub mod crt;
pub mod encoding;
pub mod encoding_lowmem;
pub mod encrypt;
pub mod encrypt_lowmem;
mod error;
pub mod eval;
pub mod fixed_fft;
pub mod keys;
pub mod keyswitch;
pub mod params;
pub mod sampling;
mod secret_rng;
pub mod seeded;
pub mod serialize;
mod types;

pub use context::CkksContext;
pub use encoding::Encoder;
pub use encoding_lowmem::LowMemEncoder;
pub use encrypt::{encrypt_pk_limb, EncryptionNoise, Encryptor};
pub use encrypt_lowmem::{encrypt_pk_limb_lowmem, sample_noise_lowmem};
pub use error::CkksError;
pub use eval::{Evaluator, Hoisted};
pub use keys::{
    conjugation_galois_element, rotation_galois_element, GaloisKeys, KeySwitchKey, PublicKey,
    RelinKey, SecretKey,
};
pub use params::CkksParams;
pub use secret_rng::SecretRng;
pub use seeded::SeededCiphertext;
pub use types::{Ciphertext, Plaintext, Unrelinearized};
