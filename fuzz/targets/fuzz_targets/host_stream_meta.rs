#![no_main]
//! See `hearth_fuzz::host::stream_meta`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::host::stream_meta(data));
