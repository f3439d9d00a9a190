//! Errors of the serving crate.

/// Errors of `hearth-serve`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tenant's request was refused (another key set's ciphertext, a
    /// malformed tenant ciphertext).
    #[error(transparent)]
    Tenant(#[from] crate::tenant::TenantError),
    /// The device thread could not start, or its device did not probe.
    #[error("the device thread: {0}")]
    Device(String),
    /// A worker thread or pool could not start, or stopped.
    #[error("{0}")]
    Thread(String),
    /// An argument out of range.
    #[error("{0}")]
    Invalid(String),
    /// A shared structure's lock was poisoned by a panicking holder.
    #[error("the {0} lock is poisoned")]
    Poisoned(&'static str),
    /// An error of the CKKS scheme.
    #[error("CKKS: {0}")]
    Ckks(#[from] hearth_kernels::ckks::CkksError),
    /// An error of the encrypted evaluation.
    #[error(transparent)]
    He(#[from] hearth_he::Error),
    /// An error of the PMEM store.
    #[error(transparent)]
    Pmem(#[from] hearth_pmem::Error),
    /// An error building the device engine.
    #[error(transparent)]
    Engine(#[from] hearth_device::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
