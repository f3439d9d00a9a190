//! Homomorphic evaluation of a real polynomial in the power basis, with
//! baby-step giant-step splitting and exact scale targets.
//!
//! ## The algorithm
//! (Paterson and Stockmeyer 1973; the scale handling follows Bossuat,
//! Mouchet, Troncoso-Pastoriza, Hubaux, "Efficient bootstrapping for
//! approximate homomorphic encryption with non-sparse keys", EUROCRYPT 2021,
//! §4.2.) The powers `x^1 … x^b` (`b` a power of two) and the giant powers
//! `x^(b·2^k)` are computed by products, `x^(2^k + r) = x^(2^k)·x^r`. A
//! polynomial `p` of degree `d ≥ b` is split at the largest giant power
//! `g ≤ d` as `p = q·x^g + r`; one of degree `< b` is a leaf
//! `Σ c_i x^i`.
//!
//! ## Scales
//! Every node is asked for an output at level `λ` with scale exactly `T`.
//! A leaf multiplies each `x^i` (dropped to level `λ + 1`) by the integer
//! `⌊c_i·T·q_(λ+1)/Δ(x^i)⌉`, adds `⌊c_0·T·q_(λ+1)⌉` and rescales once: every
//! term then has the scale `T`, so no two ciphertexts of different scales
//! are ever added. A split asks `q` for the scale `T·q_(λ+1)/Δ(x^g)`, so
//! `q·x^g` rescaled has scale `T` too. The depth is `⌈log2 b⌉ + 1` for the
//! leaves plus one per giant step.
//!
//! All constants are `f64` products and `libm::round` (bit-identical on every
//! target, see [`super::linear`]).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::super::keys::RelinKey;
use super::super::types::Ciphertext;
use super::super::{CkksError, Evaluator};
use crate::arith::Word;
use crate::ntt::NttEngine;

/// The baby-step size for a polynomial of degree `d`: the power of two
/// nearest `√(d+1)` from above (at least 2).
pub fn baby_steps(d: usize) -> usize {
    let mut b = 2;
    while b * b < d + 1 {
        b *= 2;
    }
    b
}

/// The powers of the input needed by a polynomial of degree `d`.
fn needed_powers(d: usize) -> Vec<usize> {
    let b = baby_steps(d);
    let mut out: Vec<usize> = (1..=b.min(d.max(1))).collect();
    let mut g = b;
    while g <= d {
        if g > b {
            out.push(g);
        }
        g *= 2;
    }
    out
}

/// How many levels `x^i` is below the input.
fn power_depth(i: usize) -> usize {
    // x^(2^k) is k squarings; x^(2^k + r) one product more.
    let k = (usize::BITS - 1 - i.leading_zeros()) as usize;
    if i.is_power_of_two() {
        k
    } else {
        k + 1
    }
}

/// Levels consumed by [`eval_poly`] on coefficients `c` (from the input
/// level to the output level).
pub fn depth(c: &[f64]) -> usize {
    let b = baby_steps(c.len().saturating_sub(1));
    // A large sentinel top level; the result is top − achievable level.
    let top = 1 << 20;
    top - achievable(c, b, top).min(top)
}

/// The highest level at which `c` can be produced from `x` at `top`.
fn achievable(c: &[f64], b: usize, top: usize) -> usize {
    let d = c.len().saturating_sub(1);
    if d < b {
        let lowest = (1..=d)
            .filter(|&i| c[i] != 0.0)
            .map(|i| top - power_depth(i))
            .min();
        return lowest.map_or(top, |l| l - 1);
    }
    let g = giant(d, b);
    let (r, q) = c.split_at(g);
    let lg = top - power_depth(g);
    let lq = achievable(q, b, top).min(lg);
    (lq - 1).min(achievable(r, b, top))
}

/// The largest `b·2^k ≤ d`.
fn giant(d: usize, b: usize) -> usize {
    let mut g = b;
    while 2 * g <= d {
        g *= 2;
    }
    g
}

/// Evaluates `Σ c_i x^i` on `x`; the result has scale exactly `target` and
/// level `x.level() − depth(c)`.
pub fn eval_poly<W: Word, E: NttEngine<W>>(
    ev: &mut Evaluator<'_, W, E>,
    rk: &RelinKey<W>,
    x: &Ciphertext<W>,
    c: &[f64],
    target: f64,
) -> Result<Ciphertext<W>, CkksError> {
    let d = c.len().saturating_sub(1);
    let b = baby_steps(d);
    let top = x.level();
    let dep = depth(c);
    if top < dep {
        return Err(CkksError::LevelExhausted);
    }
    let out_level = top - dep;
    let mut powers = BTreeMap::new();
    powers.insert(1usize, x.clone());
    for i in needed_powers(d) {
        if powers.contains_key(&i) {
            continue;
        }
        let hi = 1usize << (usize::BITS - 1 - i.leading_zeros());
        let lo = if hi == i { hi / 2 } else { i - hi };
        let hi = i - lo;
        let p = mul_rescale(ev, rk, &powers[&hi], &powers[&lo])?;
        powers.insert(i, p);
    }
    eval_node(ev, rk, &powers, c, b, out_level, target)
}

/// `a·b` at the lower of their levels, relinearized and rescaled.
pub fn mul_rescale<W: Word, E: NttEngine<W>>(
    ev: &mut Evaluator<'_, W, E>,
    rk: &RelinKey<W>,
    a: &Ciphertext<W>,
    b: &Ciphertext<W>,
) -> Result<Ciphertext<W>, CkksError> {
    let l = a.level().min(b.level());
    let a = ev.drop_to_level(a, l)?;
    let b = ev.drop_to_level(b, l)?;
    let p = ev.multiply_relin(&a, &b, rk)?;
    ev.rescale(&p)
}

/// Adds the integer `v` to every slot's underlying polynomial constant term
/// (that is, `v/Δ` to every slot).
pub fn add_integer<W: Word>(ctx: &super::super::CkksContext<W>, ct: &mut Ciphertext<W>, v: i128) {
    let ring = ctx.ring();
    for (i, m) in ring.moduli_of(ct.c0.basis()).enumerate() {
        let r = crate::rns::reduce_i128(m, v);
        ct.c0.limb_mut(i).iter_mut().for_each(|x| *x = m.add(*x, r));
    }
}

/// `⌊x⌉` as an integer (`|x| < 2^126`).
pub fn round_i128(x: f64) -> Result<i128, CkksError> {
    if !(x.is_finite() && x.abs() < 8.507_059_173_023_462e37) {
        return Err(CkksError::ValueOutOfRange);
    }
    Ok(libm::round(x) as i128)
}

fn eval_node<W: Word, E: NttEngine<W>>(
    ev: &mut Evaluator<'_, W, E>,
    rk: &RelinKey<W>,
    powers: &BTreeMap<usize, Ciphertext<W>>,
    c: &[f64],
    b: usize,
    level: usize,
    target: f64,
) -> Result<Ciphertext<W>, CkksError> {
    let d = c.len().saturating_sub(1);
    if d < b {
        return leaf(ev, powers, c, level, target);
    }
    let q_next = ev.context().ring().modulus(level + 1).value().to_u64() as f64;
    let g = giant(d, b);
    let (r, q) = c.split_at(g);
    let xg = ev.drop_to_level(&powers[&g], level + 1)?;
    let q_scale = target * q_next / xg.scale;
    let qc = eval_node(ev, rk, powers, q, b, level + 1, q_scale)?;
    let prod = ev.multiply_relin(&qc, &xg, rk)?;
    let mut out = ev.rescale(&prod)?;
    out.scale = target;
    let mut rc = eval_node(ev, rk, powers, r, b, level, target)?;
    rc.scale = target;
    ev.add(&out, &rc)
}

fn leaf<W: Word, E: NttEngine<W>>(
    ev: &mut Evaluator<'_, W, E>,
    powers: &BTreeMap<usize, Ciphertext<W>>,
    c: &[f64],
    level: usize,
    target: f64,
) -> Result<Ciphertext<W>, CkksError> {
    let ctx = ev.context();
    let has_terms = c.iter().skip(1).any(|&x| x != 0.0);
    if !has_terms {
        // A trivial encryption of the constant, at `level`.
        let mut z = ev.drop_to_level(&powers[&1], level)?;
        z = ev.mul_integer(&z, 0);
        z.scale = target;
        add_integer(
            ctx,
            &mut z,
            round_i128(c.first().copied().unwrap_or(0.0) * target)?,
        );
        return Ok(z);
    }
    let q_next = ctx.ring().modulus(level + 1).value().to_u64() as f64;
    let full = target * q_next;
    let mut acc: Option<Ciphertext<W>> = None;
    for (i, &ci) in c.iter().enumerate().skip(1) {
        if ci == 0.0 {
            continue;
        }
        let xi = ev.drop_to_level(&powers[&i], level + 1)?;
        let mut t = ev.mul_integer(&xi, round_i128(ci * full / xi.scale)?);
        t.scale = full;
        acc = Some(match acc {
            None => t,
            Some(a) => ev.add(&a, &t)?,
        });
    }
    let mut acc = acc.ok_or(CkksError::LevelExhausted)?;
    add_integer(ctx, &mut acc, round_i128(c[0] * full)?);
    let mut out = ev.rescale(&acc)?;
    out.scale = target;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_log_plus_one() {
        // x + x^2 + x^3 = x + x^2·(1 + x): (1 + x) at depth 1 times x^2.
        assert_eq!(depth(&[0.0, 1.0, 1.0, 1.0]), 2);
        assert_eq!(depth(&[0.5, 1.0]), 1);
        // Degree 30: b = 8, giants 8 and 16.
        assert_eq!(depth(&[1.0; 31]), 6);
    }
}
