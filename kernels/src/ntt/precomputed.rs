//! Forward-only plans over precomputed tables (e.g. `&'static` tables in a
//! device's flash).
//!
//! A forward transform needs only `ψ^brv(j)` and their Shoup companions
//! `⌊ψ^brv(j)·2^W/q⌋`, `j = 0..N` (`2·N` words). A device that encrypts
//! (three forward transforms per limb, no inverse) can keep them in flash
//! instead of computing `4·N` words into RAM ([`NttPlan::new_in`]).
//!
//! ## Validation: O(N) word operations, no division
//! [`NttPlan::from_forward_tables`] accepts tables only if they are exactly
//! the forward half of [`NttPlan::new_in`]'s tables for *some* primitive
//! `2N`-th root `ψ`:
//!
//! 1. `N` a supported power of two, `q` a valid odd modulus with
//!    `q ≡ 1 (mod 2N)`, `2·N` words;
//! 2. `ψ = t[brv(1)] = t[N/2]` satisfies `ψ^N ≡ −1 (mod q)`: then `ψ^(2N) = 1`
//!    and the order of `ψ` divides `2N = 2^(k+1)` but not `N`, so it is
//!    exactly `2N` (a primitive `2N`-th root);
//! 3. `t[brv(j)] = ψ^j` for every `j` (one multiplication each);
//! 4. every companion `c` of a twiddle `w` is `⌊w·2^W/q⌋`, checked without a
//!    division: `c = ⌊w·2^W/q⌋` iff `0 ≤ w·2^W − c·q < q`, i.e. the
//!    double-word product `c·q` is `w·2^W` exactly, or has high word `w − 1`
//!    and low word `L` with `2^W − L < q`.
//!
//! So a plan that is built computes the transform of the NTT convention for
//! the `ψ` it reports ([`NttPlan::psi`]). That this `ψ` is the *smallest*
//! primitive root (the convention's choice) costs `N` products and a primality
//! test (`smallest_primitive_root`); compare [`NttPlan::psi`] with
//! [`NttPlan::new`]'s, or the tables with [`NttPlan::forward_tables`], where
//! that cost does not matter (on the host, in a test).

use super::plan::{bit_reverse, NttPlan, MAX_DEGREE, MIN_DEGREE};
use crate::arith::{Modulus, ShoupOperand, Word};
use crate::error::Error;

impl<W: Word, S: AsRef<[W]>> NttPlan<W, S> {
    /// A forward-only plan over `tables`: `ψ^brv(j)` for `j = 0..N`, then
    /// their Shoup companions (`2·N` words; [`NttPlan::forward_tables`] of a
    /// full plan). Validated as the module documentation says; the plan's
    /// [`NttPlan::inverse`] fails with [`Error::NoInverseTables`].
    ///
    /// Errors: [`Error::InvalidDegree`], the [`Modulus::new`] errors,
    /// [`Error::NotNttFriendly`], [`Error::LengthMismatch`] (not `2·N`
    /// words), [`Error::InvalidTables`] (the tables are not those of a
    /// primitive `2N`-th root).
    pub fn from_forward_tables(q: W, degree: usize, tables: S) -> Result<Self, Error> {
        if !degree.is_power_of_two() || !(MIN_DEGREE..=MAX_DEGREE).contains(&degree) {
            return Err(Error::InvalidDegree {
                degree,
                min: MIN_DEGREE,
                max: MAX_DEGREE,
            });
        }
        let modulus = Modulus::new(q)?;
        let q64 = q.to_u64();
        if !(q64 - 1).is_multiple_of(2 * degree as u64) {
            return Err(Error::NotNttFriendly {
                modulus: q64,
                degree,
            });
        }
        let t = tables.as_ref();
        if t.len() != 2 * degree {
            return Err(Error::LengthMismatch {
                expected: 2 * degree,
                actual: t.len(),
            });
        }
        let (vals, quots) = t.split_at(degree);
        let invalid = |reason| Error::InvalidTables {
            modulus: q64,
            reason,
        };
        let psi = vals.get(degree / 2).copied().unwrap_or(W::ZERO);
        if modulus.pow(psi, degree as u64) != q.wrapping_sub(W::ONE) {
            return Err(invalid("ψ = t[N/2] is not a primitive 2N-th root of unity"));
        }
        check_powers(&modulus, psi, vals).map_err(|()| invalid("t[brv(j)] ≠ ψ^j"))?;
        if !vals
            .iter()
            .zip(quots)
            .all(|(&w, &c)| is_shoup_companion(w, c, q))
        {
            return Err(invalid("a Shoup companion is not ⌊w·2^W/q⌋"));
        }
        let psi_inv = modulus.pow(psi, 2 * degree as u64 - 1);
        let n_inv = modulus
            .inv_vartime(modulus.reduce_u64_vartime(degree as u64))
            .ok_or(Error::NotPrime { modulus: q64 })?;
        // The inverse tables' entry 1 is ψ^-brv(1) = ψ^-(N/2).
        let last = modulus.mul(modulus.pow(psi_inv, degree as u64 / 2), n_inv);
        Ok(Self::forward_only_unchecked(
            modulus,
            degree,
            psi,
            ShoupOperand::new(&modulus, n_inv),
            ShoupOperand::new(&modulus, last),
            tables,
        ))
    }
}

/// `vals[brv(j)] = ψ^j` for `j = 0..N`.
fn check_powers<W: Word>(m: &Modulus<W>, psi: W, vals: &[W]) -> Result<(), ()> {
    let log_n = vals.len().trailing_zeros();
    let mut power = m.reduce(W::ONE);
    for j in 0..vals.len() {
        if vals.get(bit_reverse(j, log_n)) != Some(&power) {
            return Err(());
        }
        power = m.mul(power, psi);
    }
    Ok(())
}

/// Whether `c = ⌊w·2^W/q⌋` for `w < q`, without a division (see the module
/// documentation).
fn is_shoup_companion<W: Word>(w: W, c: W, q: W) -> bool {
    if w >= q {
        return false;
    }
    let (hi, lo) = (c.mul_hi(q), c.wrapping_mul(q));
    if lo == W::ZERO {
        hi == w
    } else {
        hi.wrapping_add(W::ONE) == w && W::ZERO.wrapping_sub(lo) < q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arith::prime::ntt_primes;
    use crate::ntt::OwnedNttPlan;
    use std::vec::Vec;

    fn prime(bits: u32, n: usize) -> u64 {
        let mut q = [0u64; 1];
        ntt_primes(bits, n, &mut q).unwrap();
        q[0]
    }

    #[test]
    fn forward_only_plan_transforms_like_the_full_plan() {
        for log_n in [4u32, 7, 12] {
            let n = 1usize << log_n;
            let q = prime(30, n) as u32;
            let full = OwnedNttPlan::<u32>::new(q, n).unwrap();
            let plan = NttPlan::from_forward_tables(q, n, full.forward_tables()).unwrap();
            assert_eq!(plan.psi(), full.psi());
            assert_eq!(plan.degree_inv(), full.degree_inv());
            assert_eq!(plan.last_inverse_twiddle(), full.last_inverse_twiddle());
            assert!(!plan.has_inverse() && plan.inverse_twiddles().is_empty());
            let input: Vec<u32> = (0..n as u32).map(|i| (i * 7919 + 13) % q).collect();
            let (mut a, mut b) = (input.clone(), input);
            plan.forward(&mut a).unwrap();
            full.forward(&mut b).unwrap();
            assert_eq!(a, b);
            assert_eq!(
                plan.inverse(&mut a),
                Err(Error::NoInverseTables {
                    modulus: u64::from(q),
                    degree: n
                })
            );
        }
        let q = prime(60, 1 << 10);
        let full = OwnedNttPlan::<u64>::new(q, 1 << 10).unwrap();
        assert!(NttPlan::from_forward_tables(q, 1 << 10, full.forward_tables()).is_ok());
    }

    #[test]
    fn a_primitive_root_other_than_the_smallest_is_accepted_and_reported() {
        // ψ^3 is also a primitive 2N-th root; its tables are valid tables.
        let n = 64;
        let q = prime(30, n) as u32;
        let m = Modulus::new(q).unwrap();
        let psi = OwnedNttPlan::<u32>::new(q, n).unwrap().psi();
        let psi3 = m.pow(psi, 3);
        let mut t = std::vec![0u32; 2 * n];
        for j in 0..n {
            let w = m.pow(psi3, j as u64);
            t[bit_reverse(j, 6)] = w;
            t[n + bit_reverse(j, 6)] = u32::shoup_quotient(w, q);
        }
        let plan = NttPlan::from_forward_tables(q, n, &t[..]).unwrap();
        assert_eq!(plan.psi(), psi3);
        assert_ne!(
            plan.psi(),
            psi,
            "the host test compares ψ with NttPlan::new's"
        );
    }

    #[test]
    fn corrupted_tables_are_refused() {
        let n = 256;
        let q = prime(30, n) as u32;
        let full = OwnedNttPlan::<u32>::new(q, n).unwrap();
        let good = full.forward_tables().to_vec();
        let refused = |t: &[u32]| {
            matches!(
                NttPlan::from_forward_tables(q, n, t),
                Err(Error::InvalidTables { .. })
            )
        };
        // Every single word changed by ±1 is refused (value or companion).
        for i in 0..2 * n {
            for delta in [1u32, q - 1] {
                let mut t = good.clone();
                t[i] = if i < n {
                    (t[i] + delta) % q
                } else {
                    t[i].wrapping_add(delta)
                };
                assert!(refused(&t), "word {i} changed by {delta} accepted");
            }
        }
        // ψ replaced by a non-primitive root (ψ^2), tables consistent with it.
        let m = Modulus::new(q).unwrap();
        let psi2 = m.mul(full.psi(), full.psi());
        let mut t = std::vec![0u32; 2 * n];
        for j in 0..n {
            let w = m.pow(psi2, j as u64);
            t[bit_reverse(j, 8)] = w;
            t[n + bit_reverse(j, 8)] = u32::shoup_quotient(w, q);
        }
        assert!(refused(&t));
        assert_eq!(
            NttPlan::from_forward_tables(q, n, &good[..n]).map(|_| ()),
            Err(Error::LengthMismatch {
                expected: 2 * n,
                actual: n
            })
        );
        assert!(matches!(
            NttPlan::from_forward_tables(q, 2 * n, &good[..]),
            Err(Error::NotNttFriendly { .. }) | Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            NttPlan::from_forward_tables(q, 24, &good[..48]),
            Err(Error::InvalidDegree { .. })
        ));
    }

    #[test]
    fn shoup_companion_check_agrees_with_division() {
        let q = prime(30, 16) as u32;
        for w in (0..q).step_by(9973).chain([0, 1, q - 1]) {
            let c = u32::shoup_quotient(w, q);
            assert!(is_shoup_companion(w, c, q));
            assert!(!is_shoup_companion(w, c.wrapping_add(1), q));
            assert!(!is_shoup_companion(w, c.wrapping_sub(1), q));
        }
        assert!(!is_shoup_companion(q, u32::shoup_quotient(0, q), q));
    }
}
