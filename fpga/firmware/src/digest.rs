//! Digests of word vectors, printed by the firmware and recomputed on the
//! host.
//!
//! The digest of a vector of words is SHA-256 (FIPS 180-4) of the words
//! written as 8-byte little-endian integers, one after another, so a `u32`
//! and a `u64` vector holding the same numbers have the same digest.

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest.
pub type Digest = [u8; 32];

/// SHA-256 of `words` as 8-byte little-endian integers.
pub fn words_digest(words: impl IntoIterator<Item = u64>) -> Digest {
    let mut h = Sha256::new();
    for w in words {
        h.update(w.to_le_bytes());
    }
    h.finalize().into()
}

/// SHA-256 of `bytes`.
pub fn bytes_digest(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// Lower-case hexadecimal of a digest.
pub fn hex(d: &Digest) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(d) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 15)];
    }
    out
}

/// [`hex`] as a `&str` in `buf`.
pub fn hex_str<'a>(d: &Digest, buf: &'a mut [u8; 64]) -> &'a str {
    *buf = hex(d);
    core::str::from_utf8(buf).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_and_abc_match_fips_180_examples() {
        let mut buf = [0u8; 64];
        assert_eq!(
            hex_str(&bytes_digest(b"abc"), &mut buf),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex_str(&bytes_digest(b""), &mut buf),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn words_are_hashed_as_8_byte_little_endian() {
        let bytes: std::vec::Vec<u8> = [1u64, 0x0102_0304_0506_0708]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        assert_eq!(
            words_digest([1, 0x0102_0304_0506_0708]),
            bytes_digest(&bytes)
        );
    }
}
