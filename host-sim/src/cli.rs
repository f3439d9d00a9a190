//! Command-line definitions and dispatch.

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
    /// Train a `hearth-mlp-v1` model from a labelled CSV file.
    Train(train::TrainArgs),
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(a) => train::run(a),
    }
}
