//! Size limits on what hearth reads from files, checked before anything is
//! allocated: a whole file is read only when its size is within the limit
//! of its kind ([`read_capped`]), and counts read from a file (classes) are
//! bounded here, in one place.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Largest CSV data file read (1 GiB).
pub const MAX_CSV_BYTES: u64 = 1 << 30;
/// Largest model file read (1 GiB).
pub const MAX_MODEL_BYTES: u64 = 1 << 30;
/// Largest key or ciphertext container read (4 GiB: evaluation keys of the
/// largest parameter sets fit with room to spare).
pub const MAX_CONTAINER_BYTES: u64 = 4 << 30;
/// Most classes a label column may name: labels are `0 ..= MAX_CLASSES − 1`.
pub const MAX_CLASSES: usize = 1 << 16;

/// Reads the whole file at `path` if it holds at most `limit` bytes;
/// [`Error::TooLarge`] otherwise, before reading. A file that grows while it
/// is read is cut off at `limit + 1` bytes and refused, so at most that is
/// ever allocated (special files such as `/dev/zero` included).
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let io = |e| Error::io(path, e);
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let too_large = |size: u64| Error::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_before_reading() {
        let path = std::env::temp_dir().join(format!("hearth-cap-{}", std::process::id()));
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_capped(&path, 100).unwrap(), vec![7u8; 100]);
        let e = read_capped(&path, 99).unwrap_err();
        assert!(
            matches!(
                e,
                Error::TooLarge {
                    size: 100,
                    limit: 99,
                    ..
                }
            ),
            "{e}"
        );
        // A sparse file far over the limit: refused from its size alone.
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(MAX_CSV_BYTES + 1)
            .unwrap();
        assert!(matches!(
            read_capped(&path, MAX_CSV_BYTES),
            Err(Error::TooLarge { .. })
        ));
        std::fs::remove_file(&path).unwrap();
        // A device that never ends is cut off at the limit.
        let e = read_capped(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(matches!(e, Error::TooLarge { size: 4097, .. }), "{e}");
    }
}
