//! CKKS bootstrapping: refreshes a ciphertext at the bottom of the chain to
//! a high level, so computations can go deeper than one modulus chain.
//!
//! ## The pipeline
//! (Cheon, Han, Kim, Kim, Song, "Bootstrapping for approximate homomorphic
//! encryption", EUROCRYPT 2018; the factored DFTs of Cheon, Han, Kim, Kim,
//! Song, EUROCRYPT 2019 and Han and Ki, CT-RSA 2020; the slot handling of
//! Chen, Chillotti, Song, EUROCRYPT 2019.) A ciphertext at level 0 with
//! `c_0 + c_1·s = t mod q_0`, `t = Δ·μ(X)`:
//!
//! 1. **ModRaise**: read `c_0, c_1` as centred integers modulo the whole
//!    chain. Now `c_0 + c_1·s = t + q_0·I(X) mod Q_L` with `|I| ≲ √(h/12)`
//!    per coefficient for a secret of Hamming weight `h`. The ciphertext
//!    is taken at scale `q_0`, so its slots hold `Decode(t/q_0 + I)`.
//! 2. **SubSum** (sparse, `n_s < N/2` slots): `Σ_c σ_(5^(c·n_s))`, the trace
//!    onto `Z[X^(N/2n_s)]`, where a sparse message lives; it multiplies by
//!    `N/(2n_s)`, folded into step 3.
//! 3. **CoeffsToSlots**: the inverse decoding DFT ([`linear`]), in
//!    `cts_levels` sparse levels, baby-step giant-step, scaled by
//!    `1/(2K)`. Full slots: one conjugation splits the real part (the first
//!    `N/2` coefficients) from the imaginary part (the rest) into two
//!    ciphertexts; sparse: the last level writes the imaginary part into the
//!    second `n_s` slots (`−i` on those rows), so one conjugation leaves all
//!    `2n_s` coefficients as real slots of one ciphertext.
//! 4. **EvalMod** ([`evalmod`]): `t/q_0 mod 1`, times `ρ = q_0/Δ`, back to
//!    `μ` at the output scale. (Before step 1 the ciphertext is multiplied
//!    by an integer so that `ρ` is the configured message ratio.)
//! 5. **SlotsToCoeffs**: the decoding DFT in `stc_levels` levels (for sparse
//!    slots its first level also gathers the two halves again).
//!
//! The slots come out in the input's order and the output has the
//! configured scale exactly, at level [`Bootstrapper::output_level`].
//!
//! ## Keys
//! Rotations and the conjugation use Galois keys, EvalMod the
//! relinearization key, all requested from a [`BootKeySource`] in the order
//! of [`Bootstrapper::key_schedule`]; [`MemoryKeySource`] holds them all.
//!
//! ## Determinism
//! Every constant that reaches a ciphertext — DFT diagonals, polynomial
//! coefficients — is an `f64` computed with IEEE basic operations and the
//! pure-Rust `libm` (the same code and the same correctly rounded basic
//! operations on x86_64 and RISC-V, no fused multiply-add in Rust), then
//! encoded in fixed point or rounded to integers. So a seeded bootstrap is
//! bit-identical on every target (tested by a committed digest).

pub mod evalmod;
pub mod key_source;
pub mod linear;
pub mod poly_eval;
pub mod presets;
mod transform;

use alloc::vec::Vec;

pub use evalmod::EvalModShape;
pub use key_source::{
    key_switch_key_bytes, key_switch_key_bytes_at_level, BootKeySource, BootPhase, KeyUse,
    MemoryKeySource,
};
pub use transform::EncodedTransform;

use super::encrypt::Encryptor;
use super::keys::conjugation_galois_element;
use super::types::{Ciphertext, Plaintext};
use super::{CkksContext, CkksError, Evaluator};
use crate::arith::Word;
use crate::ntt::NttEngine;
use crate::poly::{Domain, RnsPoly};
use linear::{coeffs_to_slots_groups, slots_to_coeffs_groups, LinearMap, C64};

/// `n` values `((s >> 11)/2^53)·2 − 1` of the generator
/// `s ← 6364136223846793005·s + 1442695040888963407 (mod 2^64)`, first step
/// from `seed`: exact binary fractions in `[−1, 1)`, the same on every
/// target. The messages of the bootstrap's known answers (host, firmware),
/// tests and benchmarks; not for anything secret.
pub fn uniform_message(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// How many ciphertexts one bootstrap refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootMode {
    /// One ciphertext ([`Bootstrapper::bootstrap`]).
    Single,
    /// Two ciphertexts of real slots at once
    /// ([`Bootstrapper::bootstrap_pair`]).
    Pair,
}

/// The shape of a bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootConfig {
    /// `log2 n_s`, the number of slots (`≤ log2 N − 1`; below is sparse).
    pub log_slots: u32,
    /// Levels of CoeffsToSlots.
    pub cts_levels: usize,
    /// Levels of SlotsToCoeffs.
    pub stc_levels: usize,
    /// EvalMod's range, double angles and arcsine correction.
    pub eval_mod: EvalModShape,
    /// The scale `Δ` of the ciphertexts bootstrapped.
    pub input_scale: f64,
    /// `log2 ρ`: before ModRaise the ciphertext is multiplied by the integer
    /// `c = ⌊q_0/(2^ratio·Δ)⌋`, so the message takes `q_0/ρ` of `q_0`,
    /// `ρ = q_0/(c·Δ) ≥ 2^ratio`. A small ratio keeps EvalMod's error small
    /// in the message's units; the sine's own error, `(2π)²·μ³/(6ρ²)` per
    /// coefficient `μ`, sets the floor.
    pub log_message_ratio: u32,
    /// The scale of the bootstrapped ciphertexts.
    pub output_scale: f64,
}

/// A bootstrapper for one context: the encoded DFT matrices and the level
/// plan.
#[derive(Debug, Clone)]
pub struct Bootstrapper<W: Word> {
    config: BootConfig,
    n: usize,
    ns: usize,
    subsum: Vec<usize>,
    cts: Vec<EncodedTransform<W>>,
    stc: Vec<EncodedTransform<W>>,
    /// `−i` at EvalMod's input level and `i` at SlotsToCoeffs' input level
    /// (full slots only): the monomials `∓X^(N/2)`.
    neg_i: Option<Plaintext<W>>,
    pos_i: Option<Plaintext<W>>,
    q0: f64,
    evalmod_level: usize,
    stc_level: usize,
    output_level: usize,
}

impl<W: Word> Bootstrapper<W> {
    /// Plans the levels and encodes the DFT matrices for `ctx`.
    ///
    /// Errors with [`CkksError::InvalidParameters`] when the shape does not
    /// fit `N` or the chain is too short for its levels.
    pub fn new<E: NttEngine<W>>(
        ctx: &CkksContext<W>,
        engine: &mut E,
        config: BootConfig,
    ) -> Result<Self, CkksError> {
        let log_n = ctx.params().log_degree();
        let n = ctx.degree() / 2;
        if config.log_slots == 0 || config.log_slots > log_n - 1 {
            return Err(CkksError::InvalidParameters(
                "log_slots must be in [1, log2 N − 1]",
            ));
        }
        let ns = 1usize << config.log_slots;
        let m = config.log_slots as usize;
        if !(1..=m).contains(&config.cts_levels) || !(1..=m).contains(&config.stc_levels) {
            return Err(CkksError::InvalidParameters(
                "DFT levels must be in [1, log2 slots]",
            ));
        }
        if config.eval_mod.k_range == 0 || config.eval_mod.arcsine_degree.is_multiple_of(2) {
            return Err(CkksError::InvalidParameters(
                "EvalMod needs K ≥ 1 and an odd arcsine degree",
            ));
        }
        let q0 = ctx.ring().modulus(0).value().to_u64() as f64;
        if !(config.input_scale >= 1.0 && config.input_scale <= max_input_scale(q0, &config))
            || config.output_scale < 1.0
        {
            return Err(CkksError::InvalidScale);
        }
        let top = ctx.max_level();
        let short = CkksError::InvalidParameters("chain too short for these bootstrapping levels");
        let evalmod_level = top.checked_sub(config.cts_levels).ok_or(short)?;
        let stc_level = evalmod_level
            .checked_sub(config.eval_mod.depth())
            .ok_or(short)?;
        let output_level = stc_level.checked_sub(config.stc_levels).ok_or(short)?;

        let (cts_maps, stc_maps) = Self::maps(n, ns, &config);
        let mut cts = Vec::new();
        for (i, map) in cts_maps.iter().enumerate() {
            cts.push(EncodedTransform::new(ctx, engine, map, top - i)?);
        }
        let mut stc = Vec::new();
        for (i, map) in stc_maps.iter().enumerate() {
            stc.push(EncodedTransform::new(ctx, engine, map, stc_level - i)?);
        }
        let full = ns == n;
        let (neg_i, pos_i) = if full {
            (
                Some(monomial_half(ctx, engine, -1, evalmod_level)?),
                Some(monomial_half(ctx, engine, 1, stc_level)?),
            )
        } else {
            (None, None)
        };
        let mut subsum = Vec::new();
        let mut step = ns;
        while step < n {
            subsum.push(step);
            step *= 2;
        }
        Ok(Self {
            config,
            n,
            ns,
            subsum,
            cts,
            stc,
            neg_i,
            pos_i,
            q0,
            evalmod_level,
            stc_level,
            output_level,
        })
    }

    /// The DFT groups with every constant folded in.
    fn maps(n: usize, ns: usize, config: &BootConfig) -> (Vec<LinearMap>, Vec<LinearMap>) {
        let mut cts = coeffs_to_slots_groups(n, ns, config.cts_levels);
        let mut stc = slots_to_coeffs_groups(n, ns, config.stc_levels);
        // 1/(2K) and the trace's factor N/(2 n_s), in the first level.
        let f = 1.0 / (2.0 * config.eval_mod.k_range as f64 * (n / ns) as f64);
        if let Some(first) = cts.first_mut() {
            first.scale(C64::new(f, 0.0));
        }
        if ns < n {
            // Rows of the second half of every 2n_s block take −i, so that
            // y + ȳ holds the real parts, then the imaginary parts.
            let mask: Vec<C64> = (0..n)
                .map(|p| {
                    if p % (2 * ns) < ns {
                        C64::new(1.0, 0.0)
                    } else {
                        C64::new(0.0, -1.0)
                    }
                })
                .collect();
            if let Some(last) = cts.last_mut() {
                last.mask_rows(&mask);
            }
            // And back: c_p = v_p + i·v_(p+n_s) in the first half of every
            // 2n_s block, c_p = v_(p−n_s) + i·v_p in the second (periodic).
            let mut gather = LinearMap::zero(n);
            for p in 0..n {
                if p % (2 * ns) < ns {
                    gather.add_entry(0, p, C64::new(1.0, 0.0));
                    gather.add_entry(ns, p, C64::new(0.0, 1.0));
                } else {
                    gather.add_entry(n - ns, p, C64::new(1.0, 0.0));
                    gather.add_entry(0, p, C64::new(0.0, 1.0));
                }
            }
            if let Some(first) = stc.first_mut() {
                *first = first.compose(&gather);
            }
        }
        (cts, stc)
    }

    /// The configuration.
    pub fn config(&self) -> &BootConfig {
        &self.config
    }
    /// The number of slots bootstrapped.
    pub fn slots(&self) -> usize {
        self.ns
    }
    /// The level of a bootstrapped ciphertext.
    pub fn output_level(&self) -> usize {
        self.output_level
    }
    /// Levels consumed by EvalMod.
    pub fn eval_mod_depth(&self) -> usize {
        self.evalmod_level - self.stc_level
    }
    /// Bytes of the encoded DFT plaintexts held.
    pub fn plaintext_bytes(&self) -> usize {
        self.cts
            .iter()
            .chain(&self.stc)
            .map(EncodedTransform::bytes)
            .sum()
    }

    /// Every Galois-key use of one bootstrap ([`Self::bootstrap`]), in
    /// order (repeats included).
    pub fn key_schedule(&self) -> Vec<KeyUse> {
        self.key_schedule_of(BootMode::Single)
    }

    /// Every Galois-key use of one bootstrap run in `mode`, in order
    /// (repeats included): a pair bootstrap ([`Self::bootstrap_pair`]) is
    /// [`Self::key_schedule`] and one more conjugation, at the output level.
    pub fn key_schedule_of(&self, mode: BootMode) -> Vec<KeyUse> {
        let mut out = Vec::new();
        let n_full = 2 * self.n;
        let top = self.cts.first().map_or(0, EncodedTransform::level);
        for &step in &self.subsum {
            out.push(KeyUse {
                phase: BootPhase::SubSum,
                galois_element: super::keys::rotation_galois_element(n_full, step as i64),
                level: top,
            });
        }
        for (i, t) in self.cts.iter().enumerate() {
            for (elt, level) in t.galois_uses() {
                out.push(KeyUse {
                    phase: BootPhase::CoeffsToSlots(i),
                    galois_element: elt,
                    level,
                });
            }
        }
        out.push(KeyUse {
            phase: BootPhase::Conjugate,
            galois_element: conjugation_galois_element(n_full),
            level: self.evalmod_level,
        });
        for (i, t) in self.stc.iter().enumerate() {
            for (elt, level) in t.galois_uses() {
                out.push(KeyUse {
                    phase: BootPhase::SlotsToCoeffs(i),
                    galois_element: elt,
                    level,
                });
            }
        }
        if mode == BootMode::Pair {
            out.push(KeyUse {
                phase: BootPhase::SplitPair,
                galois_element: conjugation_galois_element(n_full),
                level: self.output_level,
            });
        }
        out
    }

    /// The distinct Galois elements of [`Self::key_schedule`], in order of
    /// first use: the order to generate or stream the keys in.
    pub fn galois_elements(&self) -> Vec<usize> {
        let mut seen = alloc::collections::BTreeSet::new();
        self.key_schedule()
            .into_iter()
            .map(|u| u.galois_element)
            .filter(|&e| seen.insert(e))
            .collect()
    }

    /// The largest scale [`Self::bootstrap`] accepts, `q_0/2^ratio`
    /// ([`BootConfig::log_message_ratio`]); a message read at this scale
    /// must lie in about `[−1, 1]`.
    pub fn max_input_scale(&self) -> f64 {
        max_input_scale(self.q0, &self.config)
    }

    /// Bootstraps `ct` (any level below [`Self::output_level`], any scale
    /// up to `q_0/2^ratio`, typically [`BootConfig::input_scale`]): the
    /// result holds the same slots at
    /// level [`Self::output_level`] and scale [`BootConfig::output_scale`].
    /// For sparse slots the message must be periodic (`n_s` values repeated
    /// over the `N/2` slots), and so is the result.
    pub fn bootstrap<E: NttEngine<W>, K: BootKeySource<W>>(
        &self,
        ev: &mut Evaluator<'_, W, E>,
        keys: &mut K,
        ct: &Ciphertext<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        if ct.level() >= self.output_level {
            return Err(CkksError::BootstrapLevel {
                level: ct.level(),
                output_level: self.output_level,
            });
        }
        let max = max_input_scale(self.q0, &self.config);
        if !(ct.scale >= 1.0 && ct.scale <= max) {
            return Err(CkksError::BootstrapScale {
                scale: ct.scale,
                max,
            });
        }
        // Scale up by an integer (exact at level 0): the message takes
        // q_0/ρ of q_0.
        let c = libm::floor(max_input_scale(self.q0, &self.config) / ct.scale);
        let ct0 = ev.drop_to_level(ct, 0)?;
        let ct0 = ev.mul_integer(&ct0, c as i128);
        let rho = self.q0 / (ct.scale * c);
        let mut x = self.mod_raise(ev, &ct0)?;
        for &step in &self.subsum {
            let elt = super::keys::rotation_galois_element(2 * self.n, step as i64);
            let r = ev.apply_galois_key(&x, elt, keys.galois_key(elt)?)?;
            x = ev.add(&x, &r)?;
        }
        for t in &self.cts {
            x = t.apply(ev, keys, &x)?;
        }
        let conj = conjugation_galois_element(2 * self.n);
        let xc = ev.apply_galois_key(&x, conj, keys.galois_key(conj)?)?;
        let out_scale = self.config.output_scale;
        let shape = self.config.eval_mod;
        let mut w = match (&self.neg_i, &self.pos_i) {
            (Some(neg_i), Some(pos_i)) => {
                let re = ev.add(&x, &xc)?;
                let mut im = ev.mul_plain(&ev.sub(&x, &xc)?, neg_i)?;
                im.scale = re.scale;
                let rk = keys.relin_key()?;
                let re = evalmod::eval_mod(ev, rk, &shape, &re, rho, out_scale)?;
                let im = evalmod::eval_mod(ev, rk, &shape, &im, rho, out_scale)?;
                let mut im = ev.mul_plain(&im, pos_i)?;
                im.scale = re.scale;
                ev.add(&re, &im)?
            }
            _ => {
                let v = ev.add(&x, &xc)?;
                let rk = keys.relin_key()?;
                evalmod::eval_mod(ev, rk, &shape, &v, rho, out_scale)?
            }
        };
        for t in &self.stc {
            w = t.apply(ev, keys, &w)?;
        }
        w.scale = out_scale;
        Ok(w)
    }

    /// Bootstraps two ciphertexts whose slots are real (CKKS encodings of
    /// real vectors) with one bootstrap: `a + i·b` (the monomial `X^(N/2)`
    /// is `i` in every slot, an exact product) is refreshed read at twice
    /// its scale, so it holds `(a + i·b)/2` and stays in EvalMod's range
    /// for `|a|, |b| ≤ 1` at [`Self::max_input_scale`]` / 2`; then
    /// `w + w̄ = a` and `−i·(w − w̄) = b`, one conjugation at the output
    /// level (the last use of [`Self::key_schedule_of`] in
    /// [`BootMode::Pair`]). Both results have level
    /// [`Self::output_level`] and scale [`BootConfig::output_scale`].
    ///
    /// `a` and `b` need the same scale, at most half the largest one
    /// [`Self::bootstrap`] accepts ([`CkksError::BootstrapScale`] names
    /// the limit); an imaginary part of either one (its encoding noise)
    /// adds to the other's real part.
    pub fn bootstrap_pair<E: NttEngine<W>, K: BootKeySource<W>>(
        &self,
        ev: &mut Evaluator<'_, W, E>,
        keys: &mut K,
        a: &Ciphertext<W>,
        b: &Ciphertext<W>,
    ) -> Result<(Ciphertext<W>, Ciphertext<W>), CkksError> {
        let max = max_input_scale(self.q0, &self.config);
        for ct in [a, b] {
            if ct.level() >= self.output_level {
                return Err(CkksError::BootstrapLevel {
                    level: ct.level(),
                    output_level: self.output_level,
                });
            }
            if !(ct.scale >= 1.0 && 2.0 * ct.scale <= max) {
                return Err(CkksError::BootstrapScale {
                    scale: ct.scale,
                    max: max / 2.0,
                });
            }
        }
        let ctx = ev.context();
        let i_bottom = monomial_half(ctx, ev.engine(), 1, 0)?;
        let a0 = ev.drop_to_level(a, 0)?;
        let b0 = ev.drop_to_level(b, 0)?;
        let mut packed = ev.add(&a0, &ev.mul_plain(&b0, &i_bottom)?)?;
        packed.scale = 2.0 * a.scale;
        let w = self.bootstrap(ev, keys, &packed)?;
        let conj = conjugation_galois_element(2 * self.n);
        let wc = ev.apply_galois_key(&w, conj, keys.galois_key(conj)?)?;
        let re = ev.add(&w, &wc)?;
        let neg_i = monomial_half(ctx, ev.engine(), -1, self.output_level)?;
        let mut im = ev.mul_plain(&ev.sub(&w, &wc)?, &neg_i)?;
        im.scale = re.scale;
        Ok((re, im))
    }

    /// ModRaise: `(c_0, c_1)` modulo `q_0` as centred integers modulo the
    /// whole chain, at scale `q_0`.
    fn mod_raise<E: NttEngine<W>>(
        &self,
        ev: &mut Evaluator<'_, W, E>,
        ct: &Ciphertext<W>,
    ) -> Result<Ciphertext<W>, CkksError> {
        let ctx = ev.context();
        let ring = ctx.ring();
        let basis = ctx.level_basis(ctx.max_level());
        let q0 = ring.modulus(0).value().to_u64();
        let mut raise = |p: &RnsPoly<W>| -> Result<RnsPoly<W>, CkksError> {
            let mut c = p.clone();
            c.to_coefficient(ring, ev.engine())?;
            let mut out = RnsPoly::zero(ring, basis, Domain::Coefficient);
            let n = ring.degree();
            for (i, m) in ring.moduli_of(basis).enumerate() {
                let r64 = crate::rns::two_pow_64_mod(m);
                for (o, &x) in out.limb_mut(i).iter_mut().zip(c.limb(0)) {
                    let x = x.to_u64();
                    let v = if x > q0 / 2 {
                        x as i128 - q0 as i128
                    } else {
                        x as i128
                    };
                    *o = crate::rns::reduce_i128_with(m, r64, v);
                }
                debug_assert_eq!(out.limb(i).len(), n);
            }
            out.to_ntt(ring, ev.engine())?;
            Ok(out)
        };
        let c0 = raise(&ct.c0)?;
        let c1 = raise(&ct.c1)?;
        Ok(Ciphertext {
            c0,
            c1,
            scale: self.q0,
        })
    }
}

/// `q_0/2^ratio`, the largest scale a bootstrapped message may have.
fn max_input_scale(q0: f64, config: &BootConfig) -> f64 {
    q0 / (1u64 << config.log_message_ratio.min(62)) as f64
}

/// The plaintext `sign·X^(N/2)` at `level`, scale 1: it multiplies every
/// slot by `sign·i` exactly.
fn monomial_half<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    sign: i128,
    level: usize,
) -> Result<Plaintext<W>, CkksError> {
    let mut coeffs = alloc::vec![0i128; ctx.degree()];
    coeffs[ctx.degree() / 2] = sign;
    Encryptor::new(ctx).plaintext_from_coeffs(engine, &coeffs, 1.0, level)
}
