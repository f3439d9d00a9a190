//! The envelope of an object in the store: magic `HSO1`, the name's length
//! (u16 little-endian), the UTF-8 name, then the object's bytes; and the
//! record key derived from the name (64-bit FNV-1a, Fowler–Noll–Vo,
//! <http://www.isthe.com/chongo/tech/comp/fnv/>).

use crate::error::{Error, Result};

/// Magic bytes at the start of every envelope.
pub const MAGIC: &[u8; 4] = b"HSO1";

/// The record key of object `name` (64-bit FNV-1a of its bytes).
#[must_use]
pub fn key_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Wraps `body` with `name`.
pub fn seal(name: &str, body: &[u8]) -> Result<Vec<u8>> {
    let len = u16::try_from(name.len()).map_err(|_| Error::NameTooLong { len: name.len() })?;
    let mut out = Vec::with_capacity(6 + name.len() + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// Splits an envelope into its name and body, or says what is malformed.
pub fn open(bytes: &[u8]) -> core::result::Result<(&str, &[u8]), &'static str> {
    let bad = |m: &'static str| m;
    if bytes.len() < 6 || &bytes[..4] != MAGIC {
        return Err(bad("not an HSO1 envelope"));
    }
    let n = usize::from(u16::from_le_bytes([bytes[4], bytes[5]]));
    let name = bytes
        .get(6..6 + n)
        .ok_or_else(|| bad("name runs past the record"))?;
    let name = std::str::from_utf8(name).map_err(|_| bad("name is not UTF-8"))?;
    Ok((name, &bytes[6 + n..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_reference_values() {
        // Published FNV-1a 64 test vectors (the FNV reference test suite).
        assert_eq!(key_of(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(key_of("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(key_of("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn seal_then_open_round_trips_and_rejects_garbage() {
        let e = seal("t1/model/w0", b"\x01\x02\x03").unwrap();
        assert_eq!(open(&e).unwrap(), ("t1/model/w0", &b"\x01\x02\x03"[..]));
        assert!(open(b"HSO1\xff\x00ab").is_err());
        assert!(open(b"XXXX\x00\x00").is_err());
    }
}
