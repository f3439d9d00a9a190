//! Fallible allocation: a workload that does not fit the soft-core's heap
//! reports [`Error::OutOfMemory`] instead of aborting.

use crate::Error;
use alloc::vec::Vec;

/// A vector of `len` copies of `value`, or [`Error::OutOfMemory`].
pub fn try_vec<T: Clone>(value: T, len: usize) -> Result<Vec<T>, Error> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::OutOfMemory {
        bytes: len.saturating_mul(core::mem::size_of::<T>()),
    })?;
    v.resize(len, value);
    Ok(v)
}
