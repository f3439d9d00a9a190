//! The committed NTT known-answer vectors, replayed on the soft-core.
//!
//! Each vector gives `N`, `q`, `ψ`, an input in natural order and its forward
//! transform `out[i] = a(ψ^(2·brv(i)+1)) mod q` (the convention of
//! `hearth_kernels::ntt`). [`Kat::run`] builds the plan for `(q, N)`, checks
//! that its `ψ` is the vector's, transforms the input forward and compares
//! with the vector, then transforms back and compares with the input. Moduli
//! below `2^30` run on `u32` words, larger ones on `u64` words.

use crate::digest::{words_digest, Digest};
use crate::mem::try_vec;
use crate::Error;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::{NttEngine, NttPlan, SoftwareNtt};

/// One known-answer vector, embedded in flash at build time.
#[derive(Debug, Clone, Copy)]
pub struct Kat {
    /// The vector's file name without `.json`.
    pub name: &'static str,
    /// Ring degree `N`.
    pub n: usize,
    /// The modulus `q`.
    pub q: u64,
    /// The smallest primitive `2N`-th root of unity mod `q`.
    pub psi: u64,
    /// Bytes per stored word: 4 or 8, little-endian.
    pub word_bytes: usize,
    /// The input coefficients.
    pub input: &'static [u8],
    /// The expected forward transform.
    pub forward: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/kats.rs"));

/// What replaying a vector found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KatOutcome {
    /// The plan's `ψ` equals the vector's.
    pub psi_ok: bool,
    /// The forward transform equals the vector's.
    pub forward_ok: bool,
    /// The inverse of the forward transform equals the input.
    pub inverse_ok: bool,
    /// [`words_digest`] of the computed forward transform.
    pub digest: Digest,
}

impl KatOutcome {
    /// Every check passed.
    pub fn passed(&self) -> bool {
        self.psi_ok && self.forward_ok && self.inverse_ok
    }
}

impl Kat {
    /// Word `i` of a stored vector.
    fn word(&self, bytes: &[u8], i: usize) -> u64 {
        let mut w = [0u8; 8];
        let start = i * self.word_bytes;
        if let (Some(dst), Some(src)) = (
            w.get_mut(..self.word_bytes),
            bytes.get(start..start + self.word_bytes),
        ) {
            dst.copy_from_slice(src);
        }
        u64::from_le_bytes(w)
    }

    /// The input coefficients.
    pub fn input_words(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.n).map(|i| self.word(self.input, i))
    }

    /// The expected forward transform.
    pub fn forward_words(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.n).map(|i| self.word(self.forward, i))
    }

    /// Replays the vector with the kernels' software NTT (see the module
    /// documentation).
    pub fn run(&self) -> Result<KatOutcome, Error> {
        self.run_on(&mut SoftwareNtt)
    }

    /// Replays the vector with the transforms of `engine`.
    pub fn run_on<E: NttEngine<u32> + NttEngine<u64>>(
        &self,
        engine: &mut E,
    ) -> Result<KatOutcome, Error> {
        if self.q < 1 << 30 {
            self.run_word::<u32, E>(engine)
        } else if self.q < 1 << 62 {
            self.run_word::<u64, E>(engine)
        } else {
            Err(Error::UnsupportedModulus { modulus: self.q })
        }
    }

    fn run_word<W: Word, E: NttEngine<W>>(&self, engine: &mut E) -> Result<KatOutcome, Error> {
        let plan = NttPlan::new_in(
            W::from_u64_truncating(self.q),
            self.n,
            try_vec(W::ZERO, 4 * self.n)?,
        )?;
        let mut a = try_vec(W::ZERO, self.n)?;
        for (x, w) in a.iter_mut().zip(self.input_words()) {
            *x = W::from_u64_truncating(w);
        }
        engine.forward(&[&plan], &mut a)?;
        let forward_ok = a.iter().map(|x| x.to_u64()).eq(self.forward_words());
        let digest = words_digest(a.iter().map(|x| x.to_u64()));
        engine.inverse(&[&plan], &mut a)?;
        Ok(KatOutcome {
            psi_ok: plan.psi().to_u64() == self.psi,
            forward_ok,
            inverse_ok: a.iter().map(|x| x.to_u64()).eq(self.input_words()),
            digest,
        })
    }
}
