//! Hybrid key switching: ModUp, inner product with the key, ModDown.
//!
//! (Han and Ki, "Better bootstrapping for approximate homomorphic
//! encryption", CT-RSA 2020, §3; Cheon, Han, Kim, Kim, Song, SAC 2018, §4.)
//! Given `d` over `Q_l` (NTT domain) and a key from `s'` to `s`:
//!
//! 1. For each digit `j`, `d_j = [d]_(Q_j ∩ Q_l)` is extended to
//!    `Q_l ∪ P` by fast base conversion (ModUp; its own limbs are copied).
//! 2. `(u_0, u_1) = Σ_j d_j · (b_j, a_j)` over `Q_l ∪ P`. Modulo every
//!    prime this is `P·d·s' − u_1·s + small`, the gadget factor being
//!    `P` on the digit's own primes and `0` elsewhere.
//! 3. ModDown: `u_i ← (u_i − Conv_(P→Q_l)([u_i]_P)) · P^-1 mod Q_l`, so
//!    `u_0 + u_1·s ≈ d·s'` with an error of about `N·α·q·σ / P` plus the
//!    rounding, small when `P ≥ max_j Q_j`.
//!
//! Only the converted limbs and the `P` limbs are transformed: the digit's
//! own limbs and the result reuse the NTT domain.

use alloc::vec::Vec;

use super::eval::narrow_block;
use super::keys::KeySwitchKey;
use super::{CkksContext, CkksError};
use crate::arith::Word;
use crate::jobs::Jobs;
use crate::ntt::NttEngine;
use crate::poly::{Basis, Domain, RnsPoly};
use crate::rns::{BaseConverter, WideAcc, WideReducer, LAZY_TERMS};

/// Scratch space for key switching, reused across calls so that repeated
/// operations do not allocate (and fault in) fresh pages every time.
#[derive(Debug, Clone, Default)]
pub struct KeySwitchScratch<W: Word> {
    acc0: Vec<WideAcc<W>>,
    acc1: Vec<WideAcc<W>>,
    d_coeff: Vec<W>,
    bufs: ModUpBuffers<W>,
    p_part: Vec<W>,
    conv: Vec<W>,
}

/// Switches `d` (NTT domain, over `Q_l`) under `key`: returns `(u_0, u_1)`
/// over `Q_l`, NTT domain, with `u_0 + u_1·s ≈ d·s'`.
pub fn key_switch<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    d: &RnsPoly<W>,
    key: &KeySwitchKey<W>,
) -> Result<(RnsPoly<W>, RnsPoly<W>), CkksError> {
    key_switch_with(ctx, engine, d, key, &mut KeySwitchScratch::default())
}

/// [`key_switch`] with caller-owned scratch space.
pub fn key_switch_with<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    d: &RnsPoly<W>,
    key: &KeySwitchKey<W>,
    ws: &mut KeySwitchScratch<W>,
) -> Result<(RnsPoly<W>, RnsPoly<W>), CkksError> {
    d.expect_domain(Domain::Ntt)?;
    let ring = ctx.ring();
    let n = ring.degree();
    let basis = d.basis();
    if basis.p != 0 || basis.q == 0 || basis.q > ring.num_q() {
        return Err(CkksError::InvalidParameters(
            "key switching needs a chain polynomial",
        ));
    }
    let l1 = basis.q;
    let alpha = ctx.params().alpha();
    let ext = ctx.extended_basis(l1 - 1);
    if key.digits.len() * alpha < l1 || key.level() + 1 < l1 {
        return Err(CkksError::ParameterMismatch);
    }
    let KeySwitchScratch {
        acc0,
        acc1,
        d_coeff,
        bufs,
        p_part,
        conv,
    } = ws;
    d_coeff.clear();
    d_coeff.extend_from_slice(d.data());
    engine.inverse(&ring.plans_of(basis), d_coeff)?;

    let len = ext.len() * n;
    // Every accumulator is written by the first digit before it is read.
    acc0.resize(len, WideAcc::default());
    acc1.resize(len, WideAcc::default());
    bufs.converted.resize(len, W::ZERO);
    bufs.scratch.resize(alpha * n, W::ZERO);
    let reducers: Vec<WideReducer<W>> = (0..ext.len())
        .map(|i| WideReducer::new(ring.modulus(ring.prime_index(ext, i))))
        .collect();
    let mut pending = 0;
    for (j, (kb, ka)) in key.digits.iter().enumerate() {
        let (lo, hi) = (j * alpha, ((j + 1) * alpha).min(l1));
        if lo >= hi {
            break;
        }
        if pending == LAZY_TERMS {
            fold(&*engine, acc0, &reducers, n);
            fold(&*engine, acc1, &reducers, n);
            pending = 1;
        }
        pending += 1;
        mod_up(ctx, engine, d_coeff, l1, lo, hi, bufs)?;
        // The digit's own limbs are `d` itself (NTT domain); the others
        // come from the base conversion, in order: read both in place.
        let converted = &bufs.converted;
        let limb = |i: usize| -> &[W] {
            if (lo..hi).contains(&i) {
                &d.data()[i * n..(i + 1) * n]
            } else {
                let k = if i < lo { i } else { i - (hi - lo) };
                &converted[k * n..(k + 1) * n]
            }
        };
        let acc = (&mut acc0[..], &mut acc1[..]);
        accumulate((ctx, &*engine), ext, acc, limb, None, (kb, ka), j == 0);
    }
    let u0 = mod_down(ctx, engine, acc0, &reducers, l1, p_part, conv)?;
    let u1 = mod_down(ctx, engine, acc1, &reducers, l1, p_part, conv)?;
    Ok((u0, u1))
}

/// Digit `lo..hi` of `d` over all of `Q_l ∪ P` (NTT domain): its own limbs
/// copied from `d`, the others from the base conversion, in basis order.
fn extended_digit<W: Word>(
    d: &RnsPoly<W>,
    converted: &[W],
    lo: usize,
    hi: usize,
    limbs: usize,
    n: usize,
    out: &mut Vec<W>,
) {
    out.clear();
    let mut k = 0;
    for i in 0..limbs {
        if (lo..hi).contains(&i) {
            out.extend_from_slice(&d.data()[i * n..(i + 1) * n]);
        } else {
            out.extend_from_slice(&converted[k * n..(k + 1) * n]);
            k += 1;
        }
    }
}

/// The two accumulators of one limb (or of all limbs).
type LimbPair<'a, W> = (&'a mut [WideAcc<W>], &'a mut [WideAcc<W>]);

/// `acc += digit · (b_j, a_j)` limb by limb (`first`: `acc =`; `digit(i)` is
/// limb `i` of the digit over `Q_l ∪ P`), the digit
/// read through the automorphism gather `table` when given (hoisting:
/// `σ_k` commutes with the digit decomposition up to multiples of `Q_j`,
/// which the gadget factor `P·Q̂_j` removes modulo `Q·P`).
fn accumulate<'d, W: Word, J: Jobs + ?Sized>(
    (ctx, jobs): (&CkksContext<W>, &J),
    ext: Basis,
    (acc0, acc1): LimbPair<'_, W>,
    digit: impl Fn(usize) -> &'d [W] + Sync,
    table: Option<&[usize]>,
    (kb, ka): (&RnsPoly<W>, &RnsPoly<W>),
    first: bool,
) {
    let ring = ctx.ring();
    let n = ring.degree();
    // The key may be truncated ([`KeySwitchKey::truncated`]): its special
    // limbs follow its own chain limbs.
    let key_q = kb.basis().q;
    let mut limbs: Vec<LimbPair<'_, W>> = acc0
        .chunks_exact_mut(n)
        .zip(acc1.chunks_exact_mut(n))
        .take(ext.len())
        .collect();
    jobs.each(&mut limbs, 2 * n, &|i, (o0, o1)| {
        let idx = if i < ext.q { i } else { key_q + (i - ext.q) };
        let x = digit(i);
        let (b, a) = (kb.limb(idx), ka.limb(idx));
        let q = ring.modulus(ring.prime_index(ext, i)).value().to_u64();
        // Up to LAZY_TERMS products between folds: single-word sums when
        // they fit one 64-bit word.
        let narrow = W::BITS >= 64 && narrow_block(q).is_some_and(|b| b >= LAZY_TERMS);
        match table {
            None => mac((o0, o1), x.iter().copied(), (b, a), first, narrow),
            Some(tb) => mac((o0, o1), tb.iter().map(|&t| x[t]), (b, a), first, narrow),
        }
    });
}

/// `o += u·(b, a)` element-wise (`first`: `o =`); `narrow`: every sum
/// stays below `2^64` in the low word ([`WideAcc::add_narrow_product`]).
#[inline(always)]
fn mac<W: Word>(
    (o0, o1): (&mut [WideAcc<W>], &mut [WideAcc<W>]),
    xs: impl Iterator<Item = W>,
    (b, a): (&[W], &[W]),
    first: bool,
    narrow: bool,
) {
    if narrow {
        if first {
            o0.fill(WideAcc::default());
            o1.fill(WideAcc::default());
        }
        let terms = o0.iter_mut().zip(o1.iter_mut()).zip(xs).zip(b).zip(a);
        for ((((s0, s1), u), &vb), &va) in terms {
            s0.add_narrow_product(u, vb);
            s1.add_narrow_product(u, va);
        }
        return;
    }
    let terms = o0.iter_mut().zip(o1.iter_mut()).zip(xs).zip(b).zip(a);
    if first {
        for ((((s0, s1), u), &vb), &va) in terms {
            *s0 = WideAcc::product(u, vb);
            *s1 = WideAcc::product(u, va);
        }
    } else {
        for ((((s0, s1), u), &vb), &va) in terms {
            s0.mul_add(u, vb);
            s1.mul_add(u, va);
        }
    }
}

/// A polynomial decomposed once for several key switches (hoisting,
/// Halevi–Shoup, CRYPTO 2018 §5): its digits over `Q_l ∪ P`, NTT domain.
#[derive(Debug, Clone)]
pub struct Decomposed<W: Word> {
    l1: usize,
    digits: Vec<Vec<W>>,
}

/// Decomposes `d` (NTT domain, over `Q_l`) for [`key_switch_decomposed`].
pub fn decompose<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    d: &RnsPoly<W>,
) -> Result<Decomposed<W>, CkksError> {
    d.expect_domain(Domain::Ntt)?;
    let ring = ctx.ring();
    let n = ring.degree();
    let basis = d.basis();
    if basis.p != 0 || basis.q == 0 || basis.q > ring.num_q() {
        return Err(CkksError::InvalidParameters(
            "key switching needs a chain polynomial",
        ));
    }
    let l1 = basis.q;
    let alpha = ctx.params().alpha();
    let ext = ctx.extended_basis(l1 - 1);
    let mut d_coeff = d.data().to_vec();
    engine.inverse(&ring.plans_of(basis), &mut d_coeff)?;
    let mut bufs = ModUpBuffers {
        converted: alloc::vec![W::ZERO; ext.len() * n],
        scratch: alloc::vec![W::ZERO; alpha * n],
    };
    let mut digits = Vec::new();
    for j in 0..l1.div_ceil(alpha) {
        let (lo, hi) = (j * alpha, ((j + 1) * alpha).min(l1));
        mod_up(ctx, engine, &d_coeff, l1, lo, hi, &mut bufs)?;
        let mut digit = Vec::with_capacity(ext.len() * n);
        extended_digit(d, &bufs.converted, lo, hi, ext.len(), n, &mut digit);
        digits.push(digit);
    }
    Ok(Decomposed { l1, digits })
}

/// Key-switches `σ_k(d)` from its decomposition of `d`, `table` the NTT
/// gather of `σ_k` (identity when `None`): `(u_0, u_1)` over `Q_l` with
/// `u_0 + u_1·s ≈ σ_k(d)·s'`. The same result as [`key_switch`] on
/// `σ_k(d)`, up to the (equally small) rounding of the base conversion.
pub fn key_switch_decomposed<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    dec: &Decomposed<W>,
    table: Option<&[usize]>,
    key: &KeySwitchKey<W>,
    ws: &mut KeySwitchScratch<W>,
) -> Result<(RnsPoly<W>, RnsPoly<W>), CkksError> {
    let ring = ctx.ring();
    let n = ring.degree();
    let l1 = dec.l1;
    let ext = ctx.extended_basis(l1 - 1);
    if key.digits.len() < dec.digits.len() || key.level() + 1 < l1 {
        return Err(CkksError::ParameterMismatch);
    }
    let len = ext.len() * n;
    ws.acc0.resize(len, WideAcc::default());
    ws.acc1.resize(len, WideAcc::default());
    let reducers: Vec<WideReducer<W>> = (0..ext.len())
        .map(|i| WideReducer::new(ring.modulus(ring.prime_index(ext, i))))
        .collect();
    let mut pending = 0;
    for (j, (digit, (kb, ka))) in dec.digits.iter().zip(&key.digits).enumerate() {
        if pending == LAZY_TERMS {
            fold(&*engine, &mut ws.acc0, &reducers, n);
            fold(&*engine, &mut ws.acc1, &reducers, n);
            pending = 1;
        }
        pending += 1;
        let acc = (&mut ws.acc0[..], &mut ws.acc1[..]);
        let limb = |i: usize| &digit[i * n..(i + 1) * n];
        accumulate((ctx, &*engine), ext, acc, limb, table, (kb, ka), j == 0);
    }
    let u0 = mod_down(
        ctx,
        engine,
        &ws.acc0,
        &reducers,
        l1,
        &mut ws.p_part,
        &mut ws.conv,
    )?;
    let u1 = mod_down(
        ctx,
        engine,
        &ws.acc1,
        &reducers,
        l1,
        &mut ws.p_part,
        &mut ws.conv,
    )?;
    Ok((u0, u1))
}

/// Reduces every accumulator to one word, so it can take more products.
fn fold<W: Word, J: Jobs + ?Sized>(
    jobs: &J,
    acc: &mut [WideAcc<W>],
    reducers: &[WideReducer<W>],
    n: usize,
) {
    jobs.each_chunk(acc, n, &|i, chunk| {
        for a in chunk.iter_mut() {
            *a = WideAcc::from_word(reducers[i].reduce(*a));
        }
    });
}

/// Scratch space of [`mod_up`], reused across digits.
#[derive(Debug, Clone, Default)]
struct ModUpBuffers<W: Word> {
    converted: Vec<W>,
    scratch: Vec<W>,
}

/// Converts digit `lo..hi` of `d` (coefficient domain, `l1` limbs) to the
/// other primes of `Q_l ∪ P`, in basis order, NTT domain, into
/// `bufs.converted`.
fn mod_up<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    d_coeff: &[W],
    l1: usize,
    lo: usize,
    hi: usize,
    bufs: &mut ModUpBuffers<W>,
) -> Result<(), CkksError> {
    let ring = ctx.ring();
    let n = ring.degree();
    let q = ring.q_moduli();
    let src = &q[lo..hi];
    let dst: Vec<_> = q[..lo]
        .iter()
        .chain(&q[hi..l1])
        .chain(ring.p_moduli())
        .copied()
        .collect();
    let conv = BaseConverter::new(src, &dst)?;
    let converted = &mut bufs.converted[..dst.len() * n];
    let scratch = &mut bufs.scratch[..src.len() * n];
    conv.convert_on(&*engine, n, &d_coeff[lo * n..hi * n], converted, scratch)?;
    let ext = ctx.extended_basis(l1 - 1);
    let plans: Vec<_> = (0..ext.len())
        .filter(|&i| !(lo..hi).contains(&i))
        .map(|i| ring.plan(ring.prime_index(ext, i)))
        .collect();
    engine.forward(&plans, converted)?;
    Ok(())
}

/// `(x − Conv_(P→Q_l)([x]_P)) · P^-1` for `x` over `Q_l ∪ P` (NTT domain),
/// `x` given as unreduced accumulators, reduced here.
fn mod_down<W: Word, E: NttEngine<W>>(
    ctx: &CkksContext<W>,
    engine: &mut E,
    acc: &[WideAcc<W>],
    reducers: &[WideReducer<W>],
    l1: usize,
    p_part: &mut Vec<W>,
    conv: &mut Vec<W>,
) -> Result<RnsPoly<W>, CkksError> {
    let ring = ctx.ring();
    let n = ring.degree();
    let np = ring.num_p();
    p_part.clear();
    p_part.resize(np * n, W::ZERO);
    let reduce_p = |i: usize, out: &mut [W]| {
        let (red, a) = (&reducers[l1 + i], &acc[(l1 + i) * n..(l1 + i + 1) * n]);
        out.iter_mut().zip(a).for_each(|(o, &x)| *o = red.reduce(x));
    };
    engine.each_chunk(p_part, n, &reduce_p);
    let p_plans: Vec<_> = (0..np).map(|j| ring.plan(ring.num_q() + j)).collect();
    engine.inverse(&p_plans, p_part)?;
    conv.resize(l1 * n, W::ZERO);
    let mut data = Vec::with_capacity(l1 * n);
    // `data` serves as the conversion's scratch before it takes the result.
    data.resize(np * n, W::ZERO);
    ctx.p_to_q()
        .convert_on(&*engine, n, p_part, conv, &mut data)?;
    let q_plans: Vec<_> = (0..l1).map(|i| ring.plan(i)).collect();
    engine.forward(&q_plans, conv)?;
    data.clear();
    data.resize(l1 * n, W::ZERO);
    let conv = &*conv;
    let divide = |i: usize, out: &mut [W]| {
        let (m, red) = (ring.modulus(i), &reducers[i]);
        let pinv = ctx.p_inv()[i];
        let (a, c) = (&acc[i * n..(i + 1) * n], &conv[i * n..(i + 1) * n]);
        for ((o, &x), &b) in out.iter_mut().zip(a).zip(c) {
            *o = pinv.mul(m, m.sub(red.reduce(x), b));
        }
    };
    engine.each_chunk(&mut data, n, &divide);
    Ok(RnsPoly::from_reduced_limbs(
        n,
        Basis { q: l1, p: 0 },
        Domain::Ntt,
        data,
    ))
}
