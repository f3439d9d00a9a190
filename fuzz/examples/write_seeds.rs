//! Writes every target's seeds to `<dir>/<target>/<name>` (run by
//! `cargo xtask fuzz --write-seeds`).

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds".into()));
    for (target, name, bytes) in hearth_fuzz::seeds::all() {
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(&name), &bytes)?;
        println!("{target}/{name}: {} bytes", bytes.len());
    }
    Ok(())
}
