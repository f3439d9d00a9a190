//! A ChaCha20 generator for secret material that wipes itself on drop.
//!
//! Key generation from a secret 32-byte seed (and any encryption session
//! whose randomness must stay secret) draws from a ChaCha20 stream. The
//! generator's state is the seed itself (as the ChaCha key) plus up to 256
//! bytes of buffered, not yet used output, so it must be wiped like the key
//! it produces. `rand_chacha`'s generators do not wipe; this one wraps the
//! RustCrypto `chacha20` generator built with its `zeroize` feature, which
//! produces the same stream as `rand_chacha::ChaCha20Rng` for the same seed
//! (tested word for word), so seeded keys and known-answer digests are
//! unchanged.
//!
//! ## What is wiped, and what is not
//! Wiped on drop: the ChaCha state (constants, the 256-bit key = the seed,
//! the block counter, the stream id) and the output buffer. Not wiped, and
//! the caller's to handle: the caller's own copies of the seed (pass a
//! `zeroize::Zeroizing<[u8; 32]>` or wipe it after [`SecretRng::new`]);
//! copies left behind when the generator value is *moved* (Rust moves are
//! byte copies the old location never learns of — keep it in one place, or
//! `Box` it); and whatever the CPU left in registers or on the stack of the
//! block function (SIMD back ends included).

use core::convert::Infallible;

use rand_core::{SeedableRng, TryCryptoRng, TryRng};
use zeroize::ZeroizeOnDrop;

/// ChaCha20 (the `rand_chacha::ChaCha20Rng` stream: 64-bit counter, stream
/// 0) whose state and buffered output are wiped on drop. See the module
/// documentation for what that does and does not cover.
pub struct SecretRng(chacha20::ChaCha20Rng);

impl SecretRng {
    /// The generator keyed by `seed` (by reference, so that the caller's
    /// copy is the only other one; the caller wipes it).
    pub fn new(seed: &[u8; 32]) -> Self {
        Self(chacha20::ChaCha20Rng::from_seed(*seed))
    }
}

impl core::fmt::Debug for SecretRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretRng(..)")
    }
}

impl SeedableRng for SecretRng {
    type Seed = [u8; 32];
    /// As [`SecretRng::new`]; the by-value seed is wiped here.
    fn from_seed(seed: [u8; 32]) -> Self {
        let seed = zeroize::Zeroizing::new(seed);
        Self::new(&seed)
    }
}

impl TryRng for SecretRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.0.try_next_u32()
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0.try_next_u64()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.try_fill_bytes(dst)
    }
}

impl TryCryptoRng for SecretRng {}

/// The inner generator wipes itself when dropped (`chacha20`'s `zeroize`
/// feature); this type adds no other state.
impl ZeroizeOnDrop for SecretRng {}
