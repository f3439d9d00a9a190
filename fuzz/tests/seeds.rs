//! Every seed passes its target's check (so a smoke run starts from inputs
//! that reach deep into each parser), and the committed seed files are the
//! ones the code makes now.

#[test]
fn seeds_pass_their_checks_and_are_committed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for (target, name, bytes) in hearth_fuzz::seeds::all() {
        match target {
            "kernels_ciphertext" => hearth_fuzz::kernels::ciphertext(&bytes),
            "kernels_keys" => hearth_fuzz::kernels::keys(&bytes),
            "kernels_plaintext" => hearth_fuzz::kernels::plaintext(&bytes),
            "hal_store_recover" => hearth_fuzz::store::recover(&bytes),
            "hal_store_compact" => hearth_fuzz::store::compact(&bytes),
            "hal_record_layout" => hearth_fuzz::store::layout(&bytes),
            "host_containers" => hearth_fuzz::host::containers(&bytes),
            "host_stream_meta" => hearth_fuzz::host::stream_meta(&bytes),
            "host_csv" => hearth_fuzz::host::csv(&bytes),
            "host_model" => hearth_fuzz::host::model(&bytes),
            #[cfg(feature = "onnx")]
            "host_onnx_import" => hearth_fuzz::host::onnx_import(&bytes),
            other => panic!("seed for unknown target {other}"),
        }
        let committed = std::fs::read(dir.join(target).join(&name)).unwrap_or_else(|e| {
            panic!("{target}/{name} not committed ({e}): cargo xtask fuzz --write-seeds")
        });
        assert_eq!(
            committed, bytes,
            "{target}/{name} is stale: cargo xtask fuzz --write-seeds"
        );
    }
}
