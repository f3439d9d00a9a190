#![no_main]
//! See `hearth_fuzz::store::layout`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::store::layout(data));
