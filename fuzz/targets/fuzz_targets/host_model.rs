#![no_main]
//! See `hearth_fuzz::host::model`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::host::model(data));
