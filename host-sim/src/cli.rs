//! Command-line definitions and dispatch.

mod bench;
mod bench_boot;
mod bench_prod;
mod client;
mod files;
mod infer;
mod kat;
mod progress;
mod serve;
mod server;
mod store;
mod stream;
mod table;
mod train;

use clap::{Parser, Subcommand};

/// hearth: encrypted neural-network inference on a simulated FPGA + PMEM machine.
#[derive(Debug, Parser)]
#[command(name = "hearth", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bundled breast-cancer and digits models on their held-out test
    /// splits, encrypted, on the simulated machine, and print a summary.
    Demo(infer::DemoArgs),
    /// Run a model over a CSV data set, encrypted, and compare with plaintext.
    Infer(infer::InferArgs),
    /// Train a `hearth-mlp-v1` model from a labelled CSV file.
    Train(train::TrainArgs),
    /// Measure both bundled models in both packings (optionally against TenSEAL).
    Bench(bench::BenchArgs),
    /// Replay the NTT known-answer vectors through an engine.
    Kat(kat::KatArgs),
    /// Generate a secret key file (for a model with --model and --data).
    Keygen(files::KeygenArgs),
    /// Encrypt the columns of a CSV file under a secret key.
    Encrypt(files::EncryptArgs),
    /// Decrypt a ciphertext file back to CSV.
    Decrypt(files::DecryptArgs),
    /// Export the public evaluation keys of a secret key (for the server).
    Evalkeys(files::EvalkeysArgs),
    /// Server side: run a model on a ciphertext file with evaluation keys only.
    Evaluate(files::EvaluateArgs),
    /// Inspect and maintain the PMEM object store (list, verify, compact).
    Store(store::StoreArgs),
    /// Run a generated network larger than --mem-budget layer by layer from PMEM.
    Stream(stream::StreamArgs),
    /// Serve many tenants' models at once, each under its own keys, and measure.
    Serve(serve::ServeArgs),
    /// The network server: Open Inference Protocol v2 (REST, gRPC) for
    /// tenants' ciphertexts; `tenant add` and `model add` administer it.
    Server(server::ServerArgs),
    /// The hospital's side of `hearth server`: upload evaluation keys,
    /// encrypt, infer, decrypt.
    Client(client::ClientArgs),
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(a) => infer::demo(a),
        Command::Infer(a) => infer::infer(a),
        Command::Train(a) => train::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Kat(a) => kat::run(a),
        Command::Keygen(a) => files::keygen(a),
        Command::Encrypt(a) => files::encrypt(a),
        Command::Decrypt(a) => files::decrypt(a),
        Command::Evalkeys(a) => files::evalkeys(a),
        Command::Evaluate(a) => files::evaluate(a),
        Command::Store(a) => store::run(a),
        Command::Stream(a) => stream::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Server(a) => server::run(a),
        Command::Client(a) => client::run(a),
    }
}

/// Whether `model` names an ONNX file (by its `.onnx` extension); other
/// models are `hearth-mlp-v1` safetensors.
fn is_onnx(model: &std::path::Path) -> bool {
    model.extension().is_some_and(|e| e == "onnx")
}

/// `--threads`: a positive number, or `all` (the cores available).
fn parse_threads(arg: &str) -> Result<usize, String> {
    match arg {
        "all" => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
        n => match n.parse::<usize>() {
            Ok(k) if k > 0 => Ok(k),
            _ => Err(format!("a positive number or `all` (got `{n}`)")),
        },
    }
}
