//! The PMEM region a run's ciphertexts cross between client and server, as
//! they would land in the server's persistent memory: each is written, made
//! durable (flush + fence) and read back, and the copy read back is what the
//! run continues with. The client's uploads cross in the compact seeded
//! format ([`SeededCiphertext`]: `c_0` bit-packed, `c_1` as its 32-byte
//! seed), which the server expands; the server's outputs in the plain
//! format.

use crate::error::{Error, Result};
use hearth_kernels::ckks::{Ciphertext, CkksContext, SeededCiphertext};
use hearth_pmem::{PmemFile, PmemStats};
use sha2::{Digest, Sha256};

/// Where a run's ciphertexts go between client and server: the PMEM
/// region, a running SHA-256 of every output ciphertext's digest, and the
/// bytes the client uploaded.
#[derive(Default)]
pub struct Transit {
    pmem: Option<PmemFile>,
    digest: Sha256,
    uploaded: u64,
}

impl Transit {
    /// PMEM traffic so far.
    pub fn pmem_stats(&self) -> PmemStats {
        self.pmem.as_ref().map(PmemFile::stats).unwrap_or_default()
    }

    /// The hex SHA-256 over the digests of every output ciphertext so far
    /// (equal for equal seeds whatever the engine).
    pub fn digest_hex(&self) -> Option<String> {
        Some(hex(&self.digest.clone().finalize()))
    }

    /// Hashes the server's output ciphertexts, then moves them through PMEM.
    pub fn output(
        &mut self,
        ctx: &CkksContext<u64>,
        cts: Vec<Ciphertext<u64>>,
    ) -> Result<Vec<Ciphertext<u64>>> {
        for c in &cts {
            self.digest.update(c.digest(ctx));
        }
        self.through_pmem(ctx, cts)
    }

    /// Bytes of the client's uploads so far (the seeded format's).
    pub fn uploaded_bytes(&self) -> u64 {
        self.uploaded
    }

    /// The client's upload: each seeded ciphertext's bytes
    /// ([`SeededCiphertext::to_le_bytes`]) cross the PMEM region (see
    /// `through_pmem`), and the server parses the copy read back and
    /// expands it into the ciphertext the run continues with.
    pub fn upload(
        &mut self,
        ctx: &CkksContext<u64>,
        cts: Vec<SeededCiphertext<u64>>,
    ) -> Result<Vec<Ciphertext<u64>>> {
        let mut out = Vec::with_capacity(cts.len());
        for c in cts {
            let bytes = c.to_le_bytes(ctx);
            drop(c);
            self.uploaded += bytes.len() as u64;
            let buf = stage(&mut self.pmem, bytes)?;
            out.push(SeededCiphertext::from_le_bytes(ctx, &buf)?.expand(ctx)?);
        }
        Ok(out)
    }

    /// Moves ciphertexts through the PMEM region (see `through_pmem`).
    pub fn through_pmem(
        &mut self,
        ctx: &CkksContext<u64>,
        cts: Vec<Ciphertext<u64>>,
    ) -> Result<Vec<Ciphertext<u64>>> {
        through_pmem(&mut self.pmem, ctx, cts)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Moves ciphertexts through the PMEM region one at a time (as the server
/// receives or emits them): each is written, made durable (flush + fence)
/// and read back from the mapped file, and the copy read back is what the
/// run continues with. One ciphertext's worth of region is mapped, so the
/// file's page cache does not inflate the resident set.
fn through_pmem(
    pmem: &mut Option<PmemFile>,
    ctx: &CkksContext<u64>,
    cts: Vec<Ciphertext<u64>>,
) -> Result<Vec<Ciphertext<u64>>> {
    let mut out = Vec::with_capacity(cts.len());
    for c in cts {
        let bytes = c.to_le_bytes(ctx);
        drop(c);
        let buf = stage(pmem, bytes)?;
        out.push(Ciphertext::from_le_bytes(ctx, &buf)?);
    }
    Ok(out)
}

/// Writes `bytes` at the start of the region (mapping a larger one when it
/// does not fit, its statistics carried over), makes them durable (flush +
/// fence) and reads them back into the same buffer, zeroed first.
fn stage(pmem: &mut Option<PmemFile>, bytes: Vec<u8>) -> Result<Vec<u8>> {
    let need = bytes.len() as u64;
    if pmem.as_ref().is_none_or(|p| p.len() < need) {
        let old = pmem.take().map(|p| p.stats()).unwrap_or_default();
        let mut p = PmemFile::temporary(need)?;
        p.carry_stats(old);
        *pmem = Some(p);
    }
    let p = pmem.as_mut().ok_or(Error::Worker {
        what: "PMEM staging",
        detail: "the region could not be mapped".into(),
    })?;
    p.write(0, &bytes)?;
    p.flush(0, need)?;
    p.fence();
    let mut buf = bytes;
    buf.iter_mut().for_each(|b| *b = 0);
    p.read(0, &mut buf)?;
    Ok(buf)
}
