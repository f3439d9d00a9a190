//! CRC-32C (Castagnoli; RFC 3720 §B.4, the `CRC_32_ISCSI` of the CRC
//! catalogue), the checksum of the store's headers and payloads: one
//! function, two implementations of the same standard. On x86-64 hosts,
//! where the store checksums gigabytes of keys and encoded weights per
//! inference, the `crc32c` crate runs the SSE 4.2 `crc32` instruction
//! (chosen by `cpuid` at run time, its own tables otherwise); every other
//! target (the soft-core) uses the `crc` crate's slice-by-16 tables (16 KiB,
//! built at compile time).

/// The CRC-32C of the store.
pub(crate) struct Crc32c;

/// The one CRC-32C instance.
pub(crate) const CRC32C: Crc32c = Crc32c;

#[cfg(not(target_arch = "x86_64"))]
static TABLES: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);

impl Crc32c {
    /// The CRC-32C of `bytes`.
    pub(crate) fn checksum(&self, bytes: &[u8]) -> u32 {
        let mut d = self.digest();
        d.update(bytes);
        d.finalize()
    }

    /// A running CRC-32C: [`Digest::update`] with consecutive pieces gives
    /// the checksum of their concatenation.
    pub(crate) fn digest(&self) -> Digest {
        #[cfg(target_arch = "x86_64")]
        {
            Digest { crc: 0 }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Digest {
                inner: TABLES.digest(),
            }
        }
    }
}

/// A CRC-32C over pieces fed in order.
pub(crate) struct Digest {
    #[cfg(target_arch = "x86_64")]
    crc: u32,
    #[cfg(not(target_arch = "x86_64"))]
    inner: crc::Digest<'static, u32, crc::Table<16>>,
}

impl Digest {
    /// Feeds the next piece.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        {
            self.crc = crc32c::crc32c_append(self.crc, bytes);
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.inner.update(bytes);
    }

    /// The checksum of everything fed.
    pub(crate) fn finalize(self) -> u32 {
        #[cfg(target_arch = "x86_64")]
        {
            self.crc
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self.inner.finalize()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CRC32C;

    /// Pseudo-random bytes (xorshift), no dependency.
    fn bytes(n: usize, seed: u64) -> ([u8; 5000], usize) {
        let mut out = [0u8; 5000];
        let mut x = seed | 1;
        for b in out.iter_mut().take(n) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        (out, n)
    }

    /// The catalogue's check value and RFC 3720's test vectors.
    #[test]
    fn known_answers() {
        assert_eq!(CRC32C.checksum(b"123456789"), 0xE306_9283);
        assert_eq!(CRC32C.checksum(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(CRC32C.checksum(&[0xffu8; 32]), 0x62A8_AB43);
        let inc: [u8; 32] = core::array::from_fn(|i| i as u8);
        assert_eq!(CRC32C.checksum(&inc), 0x46DD_794E);
        assert_eq!(CRC32C.checksum(b""), 0);
    }

    /// Any split of the input gives the one-shot checksum, which equals the
    /// `crc` crate's table-driven CRC-32C at every length and alignment.
    #[test]
    fn pieces_and_both_implementations_agree() {
        let tables = crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);
        for (i, n) in [0usize, 1, 7, 8, 9, 63, 64, 65, 1000, 4999]
            .into_iter()
            .enumerate()
        {
            let (buf, n) = bytes(n, i as u64 + 3);
            for start in [0usize, 1, 3] {
                let data = buf.get(start.min(n)..n).unwrap_or(&[]);
                let whole = CRC32C.checksum(data);
                assert_eq!(whole, tables.checksum(data), "length {n}, start {start}");
                for cut in [0, data.len() / 3, data.len()] {
                    let mut d = CRC32C.digest();
                    d.update(&data[..cut]);
                    d.update(&data[cut..]);
                    assert_eq!(d.finalize(), whole);
                }
            }
        }
    }
}
