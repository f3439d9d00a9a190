//! Automorphisms `X → X^k` in the NTT domain (see [`crate::poly`]).

use alloc::vec::Vec;

use crate::ntt::bit_reverse;

/// The gather table of `σ_k` for degree `N = 2^log_n`: `out[i] = in[t[i]]`.
/// `k` must be odd (it is reduced modulo `2N`).
pub fn automorphism_table(log_n: u32, k: usize) -> Vec<usize> {
    let n = 1usize << log_n;
    let mask = 2 * n as u64 - 1;
    (0..n)
        .map(|i| {
            let e = 2 * bit_reverse(i, log_n) as u64 + 1;
            let ke = ((k as u64 & mask) * e) & mask;
            bit_reverse(((ke - 1) >> 1) as usize, log_n)
        })
        .collect()
}

/// Applies a gather table to one NTT-domain limb: `out[i] = input[table[i]]`.
pub fn apply_automorphism_ntt<W: Copy>(table: &[usize], input: &[W], out: &mut [W]) {
    for (o, &t) in out.iter_mut().zip(table) {
        *o = input[t];
    }
}
