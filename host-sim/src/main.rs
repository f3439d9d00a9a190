//! The `hearth` command-line program: encrypted inference of neural networks
//! on the simulated hearth machine (`hearth demo`), and the tools around it.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    hearth_pmem::usage::keep_freed_buffers();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hearth: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
