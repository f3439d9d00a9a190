//! Compiles `proto/inference.proto` (the Open Inference Protocol's gRPC
//! service) with protox, a protobuf compiler in Rust, so no `protoc` is
//! needed on the build machine or in the container's build stage.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/inference.proto");
    let fds = protox::compile(["proto/inference.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
