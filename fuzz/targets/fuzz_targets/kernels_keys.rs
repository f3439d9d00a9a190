#![no_main]
//! See `hearth_fuzz::kernels::keys`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::kernels::keys(data));
