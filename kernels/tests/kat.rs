//! The committed known-answer vectors (`tests/kat/`) against the definition
//! and against the kernels (see `tests/kat/README.md`).

use hearth_kernels::arith::prime::NttPrimes;
use hearth_kernels::arith::Word;
use hearth_kernels::ntt::{bit_reverse, NttPlan};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};

struct Kat {
    name: String,
    word: u32,
    bits: u32,
    seed: u64,
    n: usize,
    q: u64,
    psi: u64,
    input: Vec<u64>,
    forward: Vec<u64>,
}

fn kat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/kat")
}

/// `ntt_w{W}_b{B}_n{N}_s{S}` → `(W, B, N, S)`.
fn parse_name(stem: &str) -> (u32, u32, usize, u64) {
    let parts: Vec<&str> = stem.split('_').collect();
    assert_eq!(parts.len(), 5, "{stem}");
    let num = |p: &str, tag: &str| p.strip_prefix(tag).unwrap().parse::<u64>().unwrap();
    (
        num(parts[1], "w") as u32,
        num(parts[2], "b") as u32,
        num(parts[3], "n") as usize,
        num(parts[4], "s"),
    )
}

fn numbers(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn load() -> Vec<Kat> {
    let mut kats = Vec::new();
    for entry in std::fs::read_dir(kat_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (word, bits, n, seed) = parse_name(&name);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "{name}: exactly n, q, psi, input, forward");
        let kat = Kat {
            name,
            word,
            bits,
            seed,
            n: v["n"].as_u64().unwrap() as usize,
            q: v["q"].as_u64().unwrap(),
            psi: v["psi"].as_u64().unwrap(),
            input: numbers(&v["input"]),
            forward: numbers(&v["forward"]),
        };
        assert_eq!(kat.n, n, "{}", kat.name);
        kats.push(kat);
    }
    kats.sort_by(|a, b| a.name.cmp(&b.name));
    kats
}

fn pow_mod(mut a: u128, mut e: u128, q: u128) -> u128 {
    let mut r = 1u128;
    while e > 0 {
        if e & 1 == 1 {
            r = r * a % q;
        }
        a = a * a % q;
        e >>= 1;
    }
    r
}

/// `a(ψ^(2·brv(i)+1)) mod q` by Horner's rule.
fn definition(k: &Kat, i: usize) -> u64 {
    let q = k.q as u128;
    let e = 2 * bit_reverse(i, k.n.trailing_zeros()) as u128 + 1;
    let x = pow_mod(k.psi as u128, e, q);
    k.input
        .iter()
        .rev()
        .fold(0u128, |acc, &c| (acc * x + c as u128) % q) as u64
}

fn check_hex(k: &Kat, which: &str, expect: &[u64]) {
    let path = kat_dir().join(format!("{}.{which}.hex", k.name));
    let text = std::fs::read_to_string(&path).unwrap();
    let digits = k.word as usize / 4;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), k.n, "{}", path.display());
    for (line, &x) in lines.iter().zip(expect) {
        assert_eq!(line.len(), digits, "{}", path.display());
        assert_eq!(
            u64::from_str_radix(line, 16).unwrap(),
            x,
            "{}",
            path.display()
        );
    }
}

fn check_kernels<W: Word>(k: &Kat) {
    let plan = NttPlan::<W, _>::new(W::from_u64_truncating(k.q), k.n).unwrap();
    assert_eq!(plan.psi().to_u64(), k.psi, "{}", k.name);
    let mut a: Vec<W> = k.input.iter().map(|&x| W::from_u64_truncating(x)).collect();
    plan.forward(&mut a).unwrap();
    assert!(
        a.iter().map(|x| x.to_u64()).eq(k.forward.iter().copied()),
        "{}",
        k.name
    );
    plan.inverse(&mut a).unwrap();
    assert!(
        a.iter().map(|x| x.to_u64()).eq(k.input.iter().copied()),
        "{}",
        k.name
    );
}

#[test]
fn committed_kats_match_definition_and_kernels() {
    let kats = load();
    assert!(kats.len() >= 8, "the committed KAT files are present");
    for k in &kats {
        // Parameters re-derived from the name.
        let q = NttPrimes::new(k.bits, k.n).unwrap().next().unwrap();
        assert_eq!(k.q, q, "{}: q is the generator's first prime", k.name);
        let mut rng = ChaCha20Rng::seed_from_u64(k.seed);
        let mask = u64::MAX >> q.leading_zeros();
        let input: Vec<u64> = (0..k.n)
            .map(|_| loop {
                let x = rng.next_u64() & mask;
                if x < q {
                    break x;
                }
            })
            .collect();
        assert_eq!(k.input, input, "{}: input from the seed", k.name);
        assert_eq!(
            pow_mod(k.psi as u128, k.n as u128, q as u128),
            q as u128 - 1,
            "{}: psi^N = -1",
            k.name
        );
        // The definition, at every index for small N and sampled for large N.
        let stride = if k.n <= 1024 { 1 } else { k.n / 64 + 1 };
        for i in (0..k.n).step_by(stride) {
            assert_eq!(k.forward[i], definition(k, i), "{} index {i}", k.name);
        }
        check_hex(k, "input", &k.input);
        check_hex(k, "forward", &k.forward);
        match k.word {
            32 => check_kernels::<u32>(k),
            64 => check_kernels::<u64>(k),
            w => panic!("{}: word {w}", k.name),
        }
    }
}
