//! Precomputed twiddle tables for one `(q, N)`.

use super::backend::Backend;
use crate::arith::prime::smallest_primitive_root;
use crate::arith::{Modulus, ShoupOperand, Word};
use crate::error::Error;

/// Smallest supported ring degree.
pub const MIN_DEGREE: usize = 16;
/// Largest supported ring degree.
pub const MAX_DEGREE: usize = 1 << 17;

/// Reverses the low `bits` bits of `x`.
#[inline]
pub const fn bit_reverse(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Twiddle tables for the NTT of degree `N` modulo `q`.
///
/// The tables live in caller-provided storage `S` of `4·N` words (an array,
/// a `&mut [W]`, or a `Vec<W>` with the `alloc` feature), laid out as
/// `[ψ^brv(j) | their Shoup companions | ψ^-brv(j) | their companions]`,
/// `j = 0..N`. No allocation happens here. A *forward-only* plan
/// ([`NttPlan::from_forward_tables`]) holds the first half only (`2·N`
/// words, e.g. `&'static` tables in flash); its inverse transforms fail with
/// [`Error::NoInverseTables`].
#[derive(Debug, Clone)]
pub struct NttPlan<W: Word, S: AsRef<[W]>> {
    modulus: Modulus<W>,
    degree: usize,
    log_degree: u32,
    psi: W,
    degree_inv: ShoupOperand<W>,
    /// `ψ^-brv(1)·N^-1`: the last inverse stage's twiddle with `N^-1` folded in.
    last_inverse_twiddle: ShoupOperand<W>,
    backend: Backend,
    /// Whether `tables` holds the inverse half (`4·N` words, not `2·N`).
    has_inverse: bool,
    tables: S,
}

/// A plan owning its tables.
#[cfg(feature = "alloc")]
pub type OwnedNttPlan<W> = NttPlan<W, alloc::vec::Vec<W>>;

#[cfg(feature = "alloc")]
impl<W: Word> NttPlan<W, alloc::vec::Vec<W>> {
    /// Builds a plan with owned tables (see [`NttPlan::new_in`]).
    pub fn new(q: W, degree: usize) -> Result<Self, Error> {
        Self::new_in(q, degree, alloc::vec![W::ZERO; 4 * degree])
    }
}

impl<W: Word, S: AsRef<[W]> + AsMut<[W]>> NttPlan<W, S> {
    /// Builds the tables for `(q, degree)` into `storage` (`4·degree` words).
    ///
    /// Errors: [`Error::InvalidDegree`] unless `degree` is a power of two in
    /// `[MIN_DEGREE, MAX_DEGREE]`; the [`Modulus::new`] errors;
    /// [`Error::NotPrime`]; [`Error::NotNttFriendly`] if `q ≢ 1 (mod 2N)`;
    /// [`Error::LengthMismatch`] if `storage` is not `4·degree` long.
    pub fn new_in(q: W, degree: usize, mut storage: S) -> Result<Self, Error> {
        if !degree.is_power_of_two() || !(MIN_DEGREE..=MAX_DEGREE).contains(&degree) {
            return Err(Error::InvalidDegree {
                degree,
                min: MIN_DEGREE,
                max: MAX_DEGREE,
            });
        }
        let modulus = Modulus::new(q)?;
        let psi = smallest_primitive_root(&modulus, degree)?;
        let tables = storage.as_mut();
        if tables.len() != 4 * degree {
            return Err(Error::LengthMismatch {
                expected: 4 * degree,
                actual: tables.len(),
            });
        }
        let log_degree = degree.trailing_zeros();
        let psi_inv = modulus.inv_vartime(psi).ok_or(Error::NotPrime {
            modulus: q.to_u64(),
        })?;
        let (fwd, inv) = tables.split_at_mut(2 * degree);
        fill_bit_reversed_powers(&modulus, psi, log_degree, fwd);
        fill_bit_reversed_powers(&modulus, psi_inv, log_degree, inv);
        let n_inv = modulus
            .inv_vartime(modulus.reduce_u64_vartime(degree as u64))
            .ok_or(Error::NotPrime {
                modulus: q.to_u64(),
            })?;
        let last = modulus.mul(inv[1], n_inv);
        Ok(Self {
            modulus,
            degree,
            log_degree,
            psi,
            degree_inv: ShoupOperand::new(&modulus, n_inv),
            last_inverse_twiddle: ShoupOperand::new(&modulus, last),
            backend: Backend::fastest::<W>(modulus.bits()),
            has_inverse: true,
            tables: storage,
        })
    }
}

impl<W: Word, S: AsRef<[W]>> NttPlan<W, S> {
    /// A forward-only plan over already validated forward tables (see
    /// [`NttPlan::from_forward_tables`], which validates them).
    pub(super) fn forward_only_unchecked(
        modulus: Modulus<W>,
        degree: usize,
        psi: W,
        degree_inv: ShoupOperand<W>,
        last_inverse_twiddle: ShoupOperand<W>,
        tables: S,
    ) -> Self {
        Self {
            modulus,
            degree,
            log_degree: degree.trailing_zeros(),
            psi,
            degree_inv,
            last_inverse_twiddle,
            backend: Backend::fastest::<W>(modulus.bits()),
            has_inverse: false,
            tables,
        }
    }
}

/// Writes `root^brv(j)` into `out[..n]` and their Shoup companions into
/// `out[n..2n]`.
fn fill_bit_reversed_powers<W: Word>(m: &Modulus<W>, root: W, log_n: u32, out: &mut [W]) {
    let n = 1usize << log_n;
    let (vals, quots) = out.split_at_mut(n);
    let mut power = m.reduce(W::ONE);
    for j in 0..n {
        let idx = bit_reverse(j, log_n);
        vals[idx] = power;
        quots[idx] = W::shoup_quotient(power, m.value());
        power = m.mul(power, root);
    }
}

impl<W: Word, S: AsRef<[W]>> NttPlan<W, S> {
    /// The modulus.
    #[inline]
    pub fn modulus(&self) -> &Modulus<W> {
        &self.modulus
    }
    /// The ring degree `N`.
    #[inline]
    pub fn degree(&self) -> usize {
        self.degree
    }
    /// `log2 N`.
    #[inline]
    pub fn log_degree(&self) -> u32 {
        self.log_degree
    }
    /// `ψ`, the smallest primitive `2N`-th root of unity.
    #[inline]
    pub fn psi(&self) -> W {
        self.psi
    }
    /// `N^-1 mod q` with its Shoup companion.
    #[inline]
    pub fn degree_inv(&self) -> ShoupOperand<W> {
        self.degree_inv
    }
    /// The backend [`Self::forward`] and [`Self::inverse`] use: the fastest
    /// one this CPU supports for the plan's word and modulus.
    #[inline]
    pub fn backend(&self) -> Backend {
        self.backend
    }
    /// Forward twiddles `ψ^brv(j)`, `j = 0..N`.
    #[inline]
    pub fn forward_twiddles(&self) -> &[W] {
        &self.tables.as_ref()[..self.degree]
    }
    /// Shoup companions of [`Self::forward_twiddles`].
    #[inline]
    pub fn forward_twiddles_shoup(&self) -> &[W] {
        &self.tables.as_ref()[self.degree..2 * self.degree]
    }
    /// Whether the plan holds inverse tables (false for a forward-only plan,
    /// [`NttPlan::from_forward_tables`]).
    #[inline]
    pub fn has_inverse(&self) -> bool {
        self.has_inverse
    }
    /// The forward half of the tables: [`Self::forward_twiddles`] then
    /// [`Self::forward_twiddles_shoup`] (`2·N` words), the storage a
    /// forward-only plan is built from.
    #[inline]
    pub fn forward_tables(&self) -> &[W] {
        &self.tables.as_ref()[..2 * self.degree]
    }
    /// Inverse twiddles `ψ^-brv(j)`, `j = 0..N`; empty for a forward-only
    /// plan.
    #[inline]
    pub fn inverse_twiddles(&self) -> &[W] {
        self.tables
            .as_ref()
            .get(2 * self.degree..3 * self.degree)
            .unwrap_or(&[])
    }
    /// Shoup companions of [`Self::inverse_twiddles`]; empty for a
    /// forward-only plan.
    #[inline]
    pub fn inverse_twiddles_shoup(&self) -> &[W] {
        self.tables
            .as_ref()
            .get(3 * self.degree..4 * self.degree)
            .unwrap_or(&[])
    }

    /// `ψ^-brv(1)·N^-1` with its Shoup companion: the last inverse stage's
    /// twiddle with the scaling by `N^-1` folded in (used by the SIMD
    /// backends, whose last inverse stage includes the scaling).
    #[inline]
    pub fn last_inverse_twiddle(&self) -> ShoupOperand<W> {
        self.last_inverse_twiddle
    }

    pub(crate) fn check_len(&self, len: usize) -> Result<(), Error> {
        if len == self.degree {
            Ok(())
        } else {
            Err(Error::LengthMismatch {
                expected: self.degree,
                actual: len,
            })
        }
    }
}
