//! Secrets are handled as secrets: the generator seeded from a secret seed
//! wipes itself, key generation wipes the key's buffers when it fails, and
//! a ciphertext made with seeded randomness says so in its bytes.
//!
//! Memory is inspected through a global allocator that, for blocks it is
//! told to watch, copies their bytes at the moment they are freed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;

use hearth_kernels::arith::Word;
use hearth_kernels::ckks::serialize::Randomness;
use hearth_kernels::ckks::{
    Ciphertext, CkksContext, CkksError, CkksParams, Encryptor, PublicKey, SecretKey, SecretRng,
};
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// Watches frees: of one address (`WATCH`), or on this thread while `SCAN`
/// is set, of blocks of the sizes in `SCAN_SIZES`.
struct Inspecting;

static WATCH: Mutex<(usize, [u8; 4096], usize)> = Mutex::new((0, [0; 4096], 0));

thread_local! {
    static SCAN: Cell<bool> = const { Cell::new(false) };
    static SCAN_SIZES: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// (blocks of a watched size freed, of which not all zero)
    static SCANNED: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes until the
        // `System.dealloc` below.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
        if let Ok(mut w) = WATCH.try_lock() {
            if w.0 == ptr as usize {
                let n = bytes.len().min(w.1.len());
                w.1[..n].copy_from_slice(&bytes[..n]);
                w.2 = n;
                w.0 = 0;
            }
        }
        if SCAN.with(Cell::get) {
            let (a, b) = SCAN_SIZES.with(Cell::get);
            if layout.size() == a || layout.size() == b {
                let dirty = bytes.iter().any(|&x| x != 0);
                SCANNED.with(|s| {
                    let (n, d) = s.get();
                    s.set((n + 1, d + u32::from(dirty)));
                });
            }
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static A: Inspecting = Inspecting;

/// The bytes a boxed value left in its block when it was dropped.
fn freed_bytes_of<T>(value: Box<T>) -> Vec<u8> {
    let mut w = WATCH.lock().unwrap();
    w.0 = &*value as *const T as usize;
    w.2 = 0;
    drop(w);
    drop(value);
    let w = WATCH.lock().unwrap();
    assert_eq!(w.0, 0, "the watched block was not freed");
    w.1[..w.2].to_vec()
}

/// Whether any 4-byte word of `needles` occurs 4-aligned in `hay`.
fn holds_any_word(hay: &[u8], needles: &[[u8; 4]]) -> bool {
    hay.chunks_exact(4)
        .any(|w| needles.iter().any(|n| w == n.as_slice()))
}

const SEED: [u8; 32] = [
    0x91, 0x2c, 0x5e, 0x07, 0xd3, 0x48, 0xaa, 0x1f, 0x66, 0xb0, 0x3d, 0xe9, 0x72, 0x15, 0xc8, 0x4b,
    0x0e, 0xf1, 0x9a, 0x63, 0x27, 0xdc, 0x80, 0x5d, 0xbe, 0x34, 0x79, 0x02, 0xe5, 0x6a, 0x1c, 0xa7,
];

fn seed_words() -> Vec<[u8; 4]> {
    SEED.chunks_exact(4)
        .map(|c| c.try_into().unwrap())
        .collect()
}

#[test]
fn secret_rng_is_the_rand_chacha_stream() {
    for seed in [[7u8; 32], SEED, [0u8; 32]] {
        let mut a = SecretRng::new(&seed);
        let mut b = ChaCha20Rng::from_seed(seed);
        for i in 0..2000 {
            match i % 3 {
                0 => assert_eq!(a.next_u32(), b.next_u32()),
                1 => assert_eq!(a.next_u64(), b.next_u64()),
                _ => {
                    let (mut x, mut y) = ([0u8; 37], [0u8; 37]);
                    a.fill_bytes(&mut x[..i % 37]);
                    b.fill_bytes(&mut y[..i % 37]);
                    assert_eq!(x, y);
                }
            }
        }
    }
}

fn ctx() -> CkksContext<u64> {
    CkksContext::new(CkksParams::insecure_for_tests(5, &[50, 40], &[50], 2f64.powi(30), 1).unwrap())
        .unwrap()
}

#[test]
fn keys_from_secret_rng_equal_keys_from_rand_chacha() {
    let ctx = ctx();
    let a = SecretKey::generate(&ctx, &mut SoftwareNtt, &mut SecretRng::new(&SEED)).unwrap();
    let b = SecretKey::generate(&ctx, &mut SoftwareNtt, &mut ChaCha20Rng::from_seed(SEED)).unwrap();
    assert_eq!(a.coefficients(), b.coefficients());
}

#[test]
fn a_dropped_secret_rng_leaves_neither_its_seed_nor_its_output() {
    let mut rng = Box::new(SecretRng::new(&SEED));
    // Fill the output buffer; keep the words still buffered (unused).
    let _ = rng.next_u32();
    let mut peek = SecretRng::new(&SEED);
    let _ = peek.next_u32();
    let buffered: Vec<[u8; 4]> = (0..8).map(|_| peek.next_u32().to_le_bytes()).collect();
    let freed = freed_bytes_of(rng);
    assert!(freed.len() >= 256, "{} bytes", freed.len());
    assert!(
        !holds_any_word(&freed, &seed_words()),
        "seed left in memory"
    );
    assert!(!holds_any_word(&freed, &buffered), "output left in memory");

    // The inspection finds both in a generator that does not wipe.
    let mut plain = Box::new(ChaCha20Rng::from_seed(SEED));
    let _ = plain.next_u32();
    let freed = freed_bytes_of(plain);
    assert!(holds_any_word(&freed, &seed_words()));
    assert!(holds_any_word(&freed, &buffered));
}

/// An engine whose transforms fail (a device error).
struct Failing;

impl hearth_kernels::jobs::Jobs for Failing {}

impl<W: Word> NttEngine<W> for Failing {
    fn forward<S: AsRef<[W]> + Sync>(
        &mut self,
        _: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        Err(hearth_kernels::Error::LengthMismatch {
            expected: 0,
            actual: limbs.len(),
        })
    }
    fn inverse<S: AsRef<[W]> + Sync>(
        &mut self,
        plans: &[&NttPlan<W, S>],
        limbs: &mut [W],
    ) -> Result<(), hearth_kernels::Error> {
        self.forward(plans, limbs)
    }
}

#[test]
fn failed_key_generation_wipes_the_key_before_freeing_it() {
    let ctx = ctx();
    let n = ctx.degree();
    let limbs = 3; // two chain primes and one special prime
    SCAN_SIZES.with(|s| s.set((n, n * limbs * 8)));
    SCANNED.with(|s| s.set((0, 0)));
    SCAN.with(|s| s.set(true));
    let r = SecretKey::generate(&ctx, &mut Failing, &mut SecretRng::new(&SEED));
    SCAN.with(|s| s.set(false));
    assert!(r.is_err());
    let (seen, dirty) = SCANNED.with(Cell::get);
    // The coefficients and the partial NTT-domain key were both freed...
    assert!(seen >= 2, "{seen} key-sized blocks freed");
    // ...and wiped first.
    assert_eq!(
        dirty, 0,
        "{dirty} of {seen} freed key buffers still held the key"
    );
}

#[test]
fn seeded_ciphertexts_are_marked_and_refused_by_default() {
    let ctx = ctx();
    let mut e = SoftwareNtt;
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let sk = SecretKey::generate(&ctx, &mut e, &mut rng).unwrap();
    let pk = PublicKey::generate(&ctx, &mut e, &sk, &mut rng).unwrap();
    let enc = Encryptor::new(&ctx);
    let pt = enc
        .encode_real(&mut e, &[0.25], ctx.params().scale(), ctx.max_level())
        .unwrap();
    let ct = enc.encrypt_pk(&mut e, &pk, &pt, &mut rng).unwrap();

    let fresh = ct.to_le_bytes_with(&ctx, Randomness::Fresh);
    assert_eq!(fresh, ct.to_le_bytes(&ctx));
    assert_eq!(fresh[7], 0);
    let seeded = ct.to_le_bytes_with(&ctx, Randomness::Seeded);
    assert_eq!(seeded[7], 1);
    assert_eq!(seeded[..7], fresh[..7]);
    assert_eq!(seeded[8..], fresh[8..]);

    assert_eq!(
        Ciphertext::<u64>::from_le_bytes(&ctx, &seeded),
        Err(CkksError::SeededCiphertext)
    );
    assert_eq!(
        Ciphertext::<u64>::from_le_bytes_with_randomness(&ctx, &seeded).unwrap(),
        (ct.clone(), Randomness::Seeded)
    );
    assert_eq!(
        Ciphertext::<u64>::from_le_bytes_with_randomness(&ctx, &fresh).unwrap(),
        (ct, Randomness::Fresh)
    );
    for (at, v) in [(7, 2u8), (7, 0x81), (12, 1), (15, 0x80)] {
        let mut b = fresh.clone();
        b[at] = v;
        assert!(
            matches!(
                Ciphertext::<u64>::from_le_bytes(&ctx, &b),
                Err(CkksError::Malformed(_))
            ),
            "byte {at} = {v:#x}"
        );
    }
}
