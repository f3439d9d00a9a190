//! Validation and execution of a job, as the RTL does them.
//!
//! The transform is computed from what is in device memory (the twiddle
//! tables the driver wrote) with the hardware's datapath: the merged
//! Cooley–Tukey and Gentleman–Sande loops of Longa and Naehrig (CANS 2016,
//! Algorithms 1 and 2) and Barrett multiplication with the job's `μ` and `L`
//! (HAC Fact 14.42), every result fully reduced. It does not call the
//! kernels' NTT, so agreeing with `SoftwareNtt` is a real check.

use super::memory::Memory;
use hearth_hal::regmap::{descriptor, ErrorCode};

/// The parameters of one limb, from registers or a descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimbParams {
    /// `q`.
    pub q: u64,
    /// Barrett `μ = floor(2^(2L)/q)`.
    pub mu: u64,
    /// `L`, the bit length of `q`.
    pub bits: u32,
    /// `N^-1 mod q`.
    pub n_inv: u64,
    /// Word address of the twiddle table.
    pub twiddle_addr: u64,
}

/// A job as programmed in the registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// log2 N.
    pub log_n: u32,
    /// Inverse transform.
    pub inverse: bool,
    /// Descriptor mode.
    pub desc_en: bool,
    /// Limbs.
    pub batch: u32,
    /// Words between limbs.
    pub stride: u64,
    /// Source address.
    pub src: u64,
    /// Destination address.
    pub dst: u64,
    /// Descriptor table address.
    pub desc_addr: u64,
    /// Register-mode parameters.
    pub regs: LimbParams,
}

/// A refused or failed job: the code and the limb it concerns.
pub type Refusal = (ErrorCode, u32);

/// Device limits used by validation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Device word size.
    pub word_bits: u32,
    /// Largest log2 N.
    pub log_n_max: u32,
    /// Largest batch.
    pub max_batch: u32,
    /// Descriptor mode supported.
    pub descriptors: bool,
}

/// Checks the job in the order of `docs/pipeline-protocol.md` and returns the
/// parameters of every limb.
pub fn validate(job: &Job, lim: &Limits, mem: &Memory) -> Result<Vec<LimbParams>, Refusal> {
    let n = 1u64 << job.log_n.min(40);
    if job.log_n < hearth_hal::regmap::LOG_N_MIN || job.log_n > lim.log_n_max {
        return Err((ErrorCode::BadLogN, 0));
    }
    if job.batch == 0 || job.batch > lim.max_batch || (job.batch > 1 && job.stride < n) {
        return Err((ErrorCode::BadBatch, 0));
    }
    let limbs = if job.desc_en && lim.descriptors {
        let words = u64::from(descriptor::WORDS);
        if !mem.contains(job.desc_addr, words * u64::from(job.batch)) {
            return Err((ErrorCode::AddrRange, 0));
        }
        (0..u64::from(job.batch))
            .map(|i| {
                let d = mem
                    .slice(job.desc_addr + i * words, words as usize)
                    .unwrap_or(&[]);
                let w = |f: u32| d.get(f as usize).copied().unwrap_or(0);
                LimbParams {
                    q: w(descriptor::MODULUS),
                    mu: w(descriptor::BARRETT_MU),
                    bits: w(descriptor::MOD_BITS).min(64) as u32,
                    n_inv: w(descriptor::N_INV),
                    twiddle_addr: w(descriptor::TWIDDLE_ADDR),
                }
            })
            .collect()
    } else {
        vec![job.regs; job.batch as usize]
    };
    for (i, p) in limbs.iter().enumerate() {
        if !modulus_ok(p, n, lim.word_bits) {
            return Err((ErrorCode::BadModulus, i as u32));
        }
    }
    let span = (u64::from(job.batch) - 1) * job.stride + n;
    if !mem.contains(job.src, span) || !mem.contains(job.dst, span) {
        return Err((ErrorCode::AddrRange, 0));
    }
    if job.src != job.dst && job.src < job.dst + span && job.dst < job.src + span {
        return Err((ErrorCode::AddrRange, 0));
    }
    if let Some(i) = limbs
        .iter()
        .position(|p| !mem.contains(p.twiddle_addr, 2 * n))
    {
        return Err((ErrorCode::AddrRange, i as u32));
    }
    Ok(limbs)
}

/// The `BAD_MODULUS` checks.
fn modulus_ok(p: &LimbParams, n: u64, word_bits: u32) -> bool {
    let q = u128::from(p.q);
    let bitlen = 64 - p.q.leading_zeros();
    let two_l = 1u128 << (2 * p.bits.min(63));
    p.q >= 3
        && p.q & 1 == 1
        && p.bits == bitlen
        && p.bits + 2 <= word_bits
        && (p.q - 1).is_multiple_of(2 * n)
        && q * u128::from(p.mu) <= two_l
        && two_l < q * (u128::from(p.mu) + 1)
        && p.n_inv < p.q
}

/// The hardware multiplier: `a·b mod q` by Barrett with `μ`, `L`.
fn mul(p: &LimbParams, a: u64, b: u64) -> u64 {
    let x = u128::from(a) * u128::from(b);
    let x1 = x >> (p.bits - 1);
    let t = (x1 * u128::from(p.mu)) >> (p.bits + 1);
    let mut r = x - t * u128::from(p.q);
    let q = u128::from(p.q);
    if r >= 2 * q {
        r -= 2 * q;
    }
    if r >= q {
        r -= q;
    }
    r as u64
}

fn add(q: u64, a: u64, b: u64) -> u64 {
    let s = a + b;
    if s >= q {
        s - q
    } else {
        s
    }
}

fn sub(q: u64, a: u64, b: u64) -> u64 {
    if a >= b {
        a - b
    } else {
        a + q - b
    }
}

/// Transforms one limb in place with twiddles `tw` (`2N` words).
pub fn transform(p: &LimbParams, tw: &[u64], a: &mut [u64], inverse: bool) {
    let n = a.len();
    let q = p.q;
    if !inverse {
        let (mut t, mut m) = (n, 1);
        while m < n {
            t /= 2;
            for i in 0..m {
                let s = tw[m + i];
                for j in 2 * i * t..2 * i * t + t {
                    let (u, v) = (a[j], mul(p, a[j + t], s));
                    a[j] = add(q, u, v);
                    a[j + t] = sub(q, u, v);
                }
            }
            m *= 2;
        }
    } else {
        let itw = &tw[n..];
        let (mut t, mut m) = (1, n);
        while m > 1 {
            let h = m / 2;
            for i in 0..h {
                let s = itw[h + i];
                for j in 2 * i * t..2 * i * t + t {
                    let (u, v) = (a[j], a[j + t]);
                    a[j] = add(q, u, v);
                    a[j + t] = mul(p, sub(q, u, v), s);
                }
            }
            t *= 2;
            m = h;
        }
        for x in a.iter_mut() {
            *x = mul(p, *x, p.n_inv);
        }
    }
}

/// Runs a validated job: limb by limb, load (refusing inputs `≥ q`),
/// transform, store. Returns the refusal for `INPUT_RANGE`.
pub fn execute(job: &Job, limbs: &[LimbParams], mem: &mut Memory) -> Result<(), Refusal> {
    let n = 1usize << job.log_n;
    for (i, p) in limbs.iter().enumerate() {
        let src = job.src + i as u64 * job.stride;
        let dst = job.dst + i as u64 * job.stride;
        let mut a = mem.slice(src, n).map(<[u64]>::to_vec).unwrap_or_default();
        if a.iter().any(|&x| x >= p.q) {
            return Err((ErrorCode::InputRange, i as u32));
        }
        let tw = mem
            .slice(p.twiddle_addr, 2 * n)
            .map(<[u64]>::to_vec)
            .unwrap_or_default();
        transform(p, &tw, &mut a, job.inverse);
        if let Ok(out) = mem.slice_mut(dst, n) {
            out.copy_from_slice(&a);
        }
    }
    Ok(())
}
