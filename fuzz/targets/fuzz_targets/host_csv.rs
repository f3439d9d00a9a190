#![no_main]
//! See `hearth_fuzz::host::csv`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::host::csv(data));
