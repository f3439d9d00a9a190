//! The `hearth` command-line program.

fn main() {
    eprintln!("hearth: no subcommands are available in this build yet");
    std::process::exit(2);
}
