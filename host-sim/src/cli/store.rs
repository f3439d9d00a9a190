//! `hearth store list|verify|compact --file F`: inspect and maintain the
//! PMEM object store.

use hearth_pmem::store::ObjectStore;
use std::path::PathBuf;

/// Arguments of `hearth store`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List the objects (name, kind, bytes, sequence number).
    List(FileArg),
    /// Read every record and check its CRC-32C and envelope; fails if any is corrupt.
    Verify(FileArg),
    /// Copy the live, intact records into a fresh file and atomically replace the store.
    Compact(FileArg),
}

#[derive(Debug, clap::Args)]
struct FileArg {
    /// The PMEM store file.
    #[arg(long, default_value = "hearth.pmem")]
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn recovery_line(s: &ObjectStore) -> String {
    let r = s.recovery();
    format!(
        "recovery: {} records, {} superseded, {} torn (dropped), {} corrupt",
        r.records, r.superseded, r.torn, r.corrupt_records
    )
}

/// Runs `hearth store …`.
pub fn run(args: StoreArgs) -> anyhow::Result<()> {
    match args.action {
        Action::List(f) => {
            let mut s = ObjectStore::open(&f.file)?;
            let list = s.list();
            if f.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!("{}: {}", f.file.display(), recovery_line(&s));
            println!("{:<48} {:>12} {:>12} {:>8}", "name", "kind", "bytes", "seq");
            for o in &list {
                let name = o.name.clone().unwrap_or_else(|| format!("<{:#x}>", o.key));
                println!("{name:<48} {:>12} {:>12} {:>8}", o.kind, o.bytes, o.seq);
            }
            println!(
                "{} objects, {} bytes free of {}",
                list.len(),
                s.free_bytes(),
                s.capacity()
            );
        }
        Action::Verify(f) => {
            let mut s = ObjectStore::open(&f.file)?;
            let v = s.verify();
            if f.json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{}: {}", f.file.display(), recovery_line(&s));
                println!(
                    "{} objects intact ({} bytes), {} corrupt",
                    v.ok,
                    v.bytes,
                    v.corrupt.len()
                );
            }
            if !v.corrupt.is_empty() {
                anyhow::bail!(
                    "{}: {} corrupt records {:x?}; `hearth store compact` drops them",
                    f.file.display(),
                    v.corrupt.len(),
                    v.corrupt
                );
            }
        }
        Action::Compact(f) => {
            let s = ObjectStore::open(&f.file)?;
            let before = s.capacity() - s.free_bytes();
            let (s, r) = s.compact(None)?;
            let after = s.capacity() - s.free_bytes();
            if f.json {
                println!(
                    "{}",
                    serde_json::json!({"copied": r.copied, "dropped_corrupt": r.dropped_corrupt,
                        "bytes_before": before, "bytes_after": after})
                );
            } else {
                println!(
                    "{}: {} records copied, {} corrupt dropped, log {} -> {} bytes",
                    f.file.display(),
                    r.copied,
                    r.dropped_corrupt,
                    before,
                    after
                );
            }
        }
    }
    Ok(())
}
