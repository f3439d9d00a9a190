//! Driver event logging: `defmt` macros with the `defmt` feature, nothing
//! (and no cost) without it.

#[cfg(feature = "defmt")]
macro_rules! info { ($($t:tt)*) => { defmt::info!($($t)*) }; }
#[cfg(feature = "defmt")]
macro_rules! debug { ($($t:tt)*) => { defmt::debug!($($t)*) }; }
#[cfg(feature = "defmt")]
macro_rules! warning { ($($t:tt)*) => { defmt::warn!($($t)*) }; }

#[cfg(not(feature = "defmt"))]
macro_rules! info {
    ($($t:tt)*) => {{}};
}
#[cfg(not(feature = "defmt"))]
macro_rules! debug {
    ($($t:tt)*) => {{}};
}
#[cfg(not(feature = "defmt"))]
macro_rules! warning {
    ($($t:tt)*) => {{}};
}

pub(crate) use {debug, info, warning};
