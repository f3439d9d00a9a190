//! `cargo xtask kat ntt`: known-answer vectors for the negacyclic NTT.
//!
//! ```text
//! cargo xtask kat ntt --log-n K --bits B --word 32|64 --seed S [--out DIR]
//! ```
//!
//! Writes `ntt_w{word}_b{bits}_n{N}_s{seed}.json` with the keys `n`, `q`,
//! `psi`, `input`, `forward` (decimal integers), and the same vectors as
//! `$readmemh` files `….input.hex` and `….forward.hex` (one word per line,
//! lower-case hex zero-padded to the word width). `q` is the first prime of
//! the generator for `(bits, N)`; `input` is drawn from ChaCha20 seeded with
//! `S` by rejection sampling (see [`sample_below`]). The format is described
//! in `tests/kat/README.md`.

use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::NttPlan;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The parsed command line.
struct Args {
    log_n: u32,
    bits: u32,
    word: u32,
    seed: u64,
    out: PathBuf,
}

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("ntt") => ntt(parse(&args[1..])?),
        _ => Err(USAGE.to_string()),
    }
}

const USAGE: &str =
    "usage: cargo xtask kat ntt --log-n K --bits B --word 32|64 --seed S [--out DIR]";

fn parse(args: &[String]) -> Result<Args, String> {
    let (mut log_n, mut bits, mut word, mut seed) = (None, None, None, None);
    let mut out = crate::tools::root().join("tests").join("kat");
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        let num = || {
            value
                .parse::<u64>()
                .map_err(|e| format!("`{flag} {value}`: {e}"))
        };
        match flag.as_str() {
            "--log-n" => log_n = Some(num()? as u32),
            "--bits" => bits = Some(num()? as u32),
            "--word" => word = Some(num()? as u32),
            "--seed" => seed = Some(num()?),
            "--out" => out = PathBuf::from(value),
            _ => return Err(format!("unknown option `{flag}`\n{USAGE}")),
        }
    }
    let missing = |name: &str| format!("missing `{name}`\n{USAGE}");
    Ok(Args {
        log_n: log_n.ok_or_else(|| missing("--log-n"))?,
        bits: bits.ok_or_else(|| missing("--bits"))?,
        word: word.ok_or_else(|| missing("--word"))?,
        seed: seed.ok_or_else(|| missing("--seed"))?,
        out,
    })
}

/// A value uniform in `[0, q)`: take `next_u64()` from the stream, keep its
/// low `bitlen(q)` bits, and retry while the result is `≥ q`.
pub fn sample_below(rng: &mut ChaCha20Rng, q: u64) -> u64 {
    let mask = u64::MAX >> q.leading_zeros();
    loop {
        let x = rng.next_u64() & mask;
        if x < q {
            return x;
        }
    }
}

fn ntt(a: Args) -> Result<(), String> {
    if !(4..=17).contains(&a.log_n) {
        return Err(format!("--log-n {} is outside [4, 17]", a.log_n));
    }
    let n = 1usize << a.log_n;
    let q = NttPrimes::new(a.bits, n)
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("no {}-bit prime is 1 mod {}", a.bits, 2 * n))?;
    let mut rng = ChaCha20Rng::seed_from_u64(a.seed);
    let input: Vec<u64> = (0..n).map(|_| sample_below(&mut rng, q)).collect();
    let (psi, forward) = match a.word {
        32 => transform::<u32>(q, &input)?,
        64 => transform::<u64>(q, &input)?,
        w => return Err(format!("--word {w}: must be 32 or 64")),
    };
    let stem = format!("ntt_w{}_b{}_n{}_s{}", a.word, a.bits, n, a.seed);
    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    let write = |name: String, text: String| {
        let path = a.out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
        Ok::<(), String>(())
    };
    write(format!("{stem}.json"), json(n, q, psi, &input, &forward))?;
    let digits = a.word as usize / 4;
    write(format!("{stem}.input.hex"), hex(&input, digits))?;
    write(format!("{stem}.forward.hex"), hex(&forward, digits))?;
    Ok(())
}

fn transform<W: Word>(q: u64, input: &[u64]) -> Result<(u64, Vec<u64>), String> {
    let q = hearth_kernels::arith::Modulus::<W>::from_u64(q).map_err(|e| e.to_string())?;
    let plan = NttPlan::<W, _>::new(q.value(), input.len()).map_err(|e| e.to_string())?;
    let mut a: Vec<W> = input.iter().map(|&x| W::from_u64_truncating(x)).collect();
    plan.forward(&mut a).map_err(|e| e.to_string())?;
    Ok((plan.psi().to_u64(), a.iter().map(|x| x.to_u64()).collect()))
}

fn json(n: usize, q: u64, psi: u64, input: &[u64], forward: &[u64]) -> String {
    let list = |v: &[u64]| {
        let items: Vec<String> = v.iter().map(u64::to_string).collect();
        format!("[{}]", items.join(","))
    };
    format!(
        "{{\"n\":{n},\"q\":{q},\"psi\":{psi},\"input\":{},\"forward\":{}}}\n",
        list(input),
        list(forward)
    )
}

fn hex(v: &[u64], digits: usize) -> String {
    let mut s = String::with_capacity(v.len() * (digits + 1));
    for x in v {
        let _ = writeln!(s, "{x:0digits$x}");
    }
    s
}
