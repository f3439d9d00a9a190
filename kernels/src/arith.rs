//! Modular arithmetic over one machine word.
//!
//! - [`Word`]: the machine word, `u32` (moduli below `2^30`) or `u64` (below
//!   `2^62`). Two spare bits let lazy values in `[0, 4q)` fit a word.
//! - [`Modulus`]: a validated odd modulus with its Barrett constants, and the
//!   fully reduced operations `add`, `sub`, `neg`, `mul`, `pow`, `inv`.
//! - [`barrett`]: Barrett reduction of one word and of a double-word product
//!   (Menezes, van Oorschot, Vanstone, *Handbook of Applied Cryptography*,
//!   Algorithm 14.42), with lazy variants.
//! - [`shoup`]: multiplication by a precomputed operand (V. Shoup, NTL; D.
//!   Harvey, "Faster arithmetic for number-theoretic transforms", J. Symb.
//!   Comput. 60, 2014, Algorithm 2).
//! - [`prime`]: deterministic Miller–Rabin, the NTT-friendly prime
//!   generator, and the smallest primitive `2N`-th root of unity.
//!
//! Every public function returns values fully reduced to `[0, q)` unless its
//! name starts with `lazy_`, in which case the doc comment states the range.

pub mod barrett;
mod modulus;
pub mod prime;
pub mod shoup;
mod word;

pub use modulus::Modulus;
pub use shoup::ShoupOperand;
pub use word::Word;
