#![no_main]
//! See `hearth_fuzz::host::onnx_import`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::host::onnx_import(data));
