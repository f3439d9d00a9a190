//! Exact CRT reconstruction of small centred coefficients into `i128`.
//!
//! For `x` with residues `x_i` modulo `q_0..q_(k-1)`, `y_i = [x_i·q̂_i^-1]_(q_i)`
//! gives `x ≡ Σ y_i·q̂_i (mod Q)` and `Σ y_i/q_i = x/Q + v` for an integer
//! `v`. When the centred `x` is small against `Q`, `v = ⌊Σ y_i/q_i⌉`, and the
//! sum only needs a few bits of precision (here 64 fractional bits). Then
//! `x = Σ y_i·q̂_i − v·Q`, computed modulo `2^128`, is exact whenever
//! `|x| < 2^127` (Halevi, Polyakov, Shoup, "An improved RNS variant of the
//! BFV homomorphic encryption scheme", CT-RSA 2019, §2.3 uses the same
//! fractional sum).

use alloc::vec::Vec;

use crate::arith::{Modulus, ShoupOperand, Word};
use crate::poly::RnsPoly;
use crate::rns::product_mod;

/// The centred values of a coefficient-domain polynomial over the first
/// `poly.basis().q` moduli of `moduli`, modulo `2^128`.
pub fn centered_i128<W: Word>(moduli: &[Modulus<W>], poly: &RnsPoly<W>) -> Vec<i128> {
    let k = poly.basis().q;
    let q = &moduli[..k];
    let n = poly.degree();
    let mut inv = Vec::with_capacity(k);
    let mut qhat_wrapped = Vec::with_capacity(k);
    let mut others = Vec::with_capacity(k);
    for (i, qi) in q.iter().enumerate() {
        others.clear();
        others.extend(
            q.iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, m)| *m),
        );
        let qhat = product_mod(&others, qi);
        // The moduli are distinct primes, so the inverse exists.
        let qhat_inv = qi.inv_vartime(qhat).unwrap_or(W::ZERO);
        inv.push(ShoupOperand::new(qi, qhat_inv));
        qhat_wrapped.push(
            others
                .iter()
                .fold(1u128, |acc, m| acc.wrapping_mul(m.value().to_u64() as u128)),
        );
    }
    let big_q = q
        .iter()
        .fold(1u128, |acc, m| acc.wrapping_mul(m.value().to_u64() as u128));
    (0..n)
        .map(|c| {
            let mut frac = 0u128;
            let mut acc = 0u128;
            for i in 0..k {
                let y = inv[i].mul(&q[i], poly.limb(i)[c]).to_u64();
                frac += ((y as u128) << 64) / q[i].value().to_u64() as u128;
                acc = acc.wrapping_add((y as u128).wrapping_mul(qhat_wrapped[i]));
            }
            let v = (frac + (1u128 << 63)) >> 64;
            acc.wrapping_sub(v.wrapping_mul(big_q)) as i128
        })
        .collect()
}
