//! `hearth store list|verify|compact --file F`: inspect and maintain the
//! PMEM object store.

use hearth_pmem::store::ObjectStore;
use hearth_pmem::Sharing;
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
        "recovery: {} records, {} superseded, {} torn (dropped), {} corrupt, \
         {} bytes of damaged records skipped (dropped), trailing garbage: {}",
        r.records,
        r.superseded,
        r.torn,
        r.corrupt_records,
        r.corrupt_bytes,
        if r.trailing_garbage {
            "yes (dropped)"
        } else {
            "no"
        }
    )
}

/// Runs `hearth store …`.
pub fn run(args: StoreArgs) -> anyhow::Result<()> {
    match args.action {
        Action::List(f) => {
            // Reading only: shares the store with coordinated servers.
            let mut s = ObjectStore::open_shared(&f.file, Sharing::Coordinated)?;
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
            let mut s = ObjectStore::open_shared(&f.file, Sharing::Coordinated)?;
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
            if !v.is_clean() {
                let mut what = Vec::new();
                if !v.corrupt.is_empty() {
                    what.push(format!(
                        "{} corrupt records {:x?}",
                        v.corrupt.len(),
                        v.corrupt
                    ));
                }
                if v.corrupt_bytes > 0 {
                    what.push(format!(
                        "{} bytes of damaged records skipped: records there were dropped",
                        v.corrupt_bytes
                    ));
                }
                if v.trailing_garbage {
                    what.push(
                        "damaged bytes after the last record: a torn write or a damaged last \
                         record was dropped"
                            .into(),
                    );
                }
                if v.torn > 0 {
                    what.push(format!("{} uncommitted (torn) records dropped", v.torn));
                }
                anyhow::bail!(
                    "{}: {}; `hearth store compact` rewrites the store without them",
                    f.file.display(),
                    what.join("; ")
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use hearth_pmem::store::RecordKind;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        store: StoreArgs,
    }

    fn verify(path: &std::path::Path) -> anyhow::Result<()> {
        let p = path.to_str().unwrap();
        run(Cli::try_parse_from(["store", "verify", "--file", p])
            .unwrap()
            .store)
    }

    /// Flips one bit in the header of `which` of three committed records:
    /// the record vanishes at open, and verify must say so and fail.
    fn flipped_header(which: usize) -> String {
        let dir =
            std::env::temp_dir().join(format!("hearth-verify-{}-{which}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.pmem");
        let mut s = ObjectStore::create(&path, 1 << 16).unwrap();
        for i in 0..3 {
            s.put(&format!("t/{i}"), RecordKind::Blob, &[i as u8 + 1; 100])
                .unwrap();
        }
        drop(s);
        verify(&path).expect("an intact store verifies");
        let mut bytes = std::fs::read(&path).unwrap();
        let headers: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"HREC")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(headers.len(), 3, "one header per record");
        bytes[headers[which] + 12] ^= 0x04;
        std::fs::write(&path, &bytes).unwrap();
        let mut s = ObjectStore::open(&path).unwrap();
        assert_eq!(s.len(), 2, "the record with the damaged header vanished");
        assert!(!s.verify().is_clean());
        drop(s);
        let e = verify(&path).expect_err("verify fails when a record vanished");
        std::fs::remove_dir_all(&dir).unwrap();
        e.to_string()
    }

    #[test]
    fn verify_fails_when_a_damaged_header_drops_a_middle_record() {
        let e = flipped_header(1);
        assert!(e.contains("bytes of damaged records skipped"), "{e}");
    }

    #[test]
    fn verify_fails_when_a_damaged_header_drops_the_last_record() {
        let e = flipped_header(2);
        assert!(e.contains("after the last record"), "{e}");
    }
}
