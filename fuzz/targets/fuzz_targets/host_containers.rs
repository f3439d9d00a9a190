#![no_main]
//! See `hearth_fuzz::host::containers`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::host::containers(data));
