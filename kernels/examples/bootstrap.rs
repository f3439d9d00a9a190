//! One CKKS bootstrap per preset: time, precision, key-set size.
//!
//! ```sh
//! cargo run --release -p hearth-kernels --example bootstrap -- [PRESET…] [--repeat K]
//! ```
//!
//! Presets: `toy-n10`, `toy-n11-sparse`, `toy-n12`, `n16-full`,
//! `n16-sparse` (default: the three toys). Single thread. Inputs are uniform
//! in [−1, 1]; precision is `−log2 |error|` over the slots against the
//! message, mean and worst. The comparison with OpenFHE, run side by side,
//! is `hearth bench --bootstrap --openfhe BIN` (host-sim).

use hearth_kernels::ckks::boot::uniform_message;
use std::time::Instant;

use hearth_kernels::ckks::boot::presets::{self, BootPreset};
use hearth_kernels::ckks::boot::{
    key_switch_key_bytes, key_switch_key_bytes_at_level, Bootstrapper, MemoryKeySource,
};
use hearth_kernels::ckks::{CkksContext, Encryptor, Evaluator, PublicKey, SecretKey};
use hearth_kernels::ntt::SoftwareNtt;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU seconds of this process (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised name: utime and stime are the
            // 12th and 13th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .map_or(0.0, |ticks| ticks / 100.0)
}

const GIB: f64 = (1u64 << 30) as f64;

fn run(preset: &BootPreset, repeat: usize) {
    let params = if preset.secure {
        preset.params().expect("secure preset")
    } else {
        preset.insecure_for_tests().expect("preset")
    };
    println!(
        "== {}: N = 2^{}, log2 QP = {}, {} chain primes + {} special, dnum {}, h = {}, slots 2^{}",
        preset.name,
        preset.log_n,
        preset.log_qp(),
        params.chain().len(),
        params.special().len(),
        params.dnum(),
        preset.hamming_weight,
        preset.boot.log_slots
    );
    let ctx = CkksContext::<u64>::new(params).expect("context");
    let e = &mut SoftwareNtt;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let t = Instant::now();
    let boot = Bootstrapper::new(&ctx, e, preset.boot).expect("bootstrapper");
    let setup = t.elapsed().as_secs_f64();
    let schedule = boot.key_schedule();
    let elements = boot.galois_elements();
    let key_bytes = key_switch_key_bytes(&ctx);
    println!(
        "levels: output {} (of {}), EvalMod depth {}; DFT plaintexts {:.2} GiB (setup {setup:.1} s)",
        boot.output_level(),
        ctx.max_level(),
        boot.eval_mod_depth(),
        boot.plaintext_bytes() as f64 / GIB
    );
    let mut phase = None;
    let mut seen = std::collections::BTreeSet::new();
    for u in &schedule {
        if phase != Some(u.phase) {
            phase = Some(u.phase);
            let uses: Vec<_> = schedule.iter().filter(|v| v.phase == u.phase).collect();
            let new = uses
                .iter()
                .filter(|v| !seen.contains(&v.galois_element))
                .map(|v| v.galois_element)
                .collect::<std::collections::BTreeSet<_>>();
            let used = key_switch_key_bytes_at_level(&ctx, u.level);
            println!(
                "  {:<18} level {:>2}: {:>2} key switches, {:>2} new keys ({:.2} GiB), {:.1} MiB read per switch",
                format!("{:?}", u.phase),
                u.level,
                uses.len(),
                new.len(),
                (new.len() * key_bytes) as f64 / GIB,
                used as f64 / (1u64 << 20) as f64
            );
            seen.extend(new);
        }
    }
    let set_bytes = (elements.len() + 1) * key_bytes;
    println!(
        "key set: {} Galois keys + relinearization, {:.1} MiB each, {:.2} GiB",
        elements.len(),
        key_bytes as f64 / (1u64 << 20) as f64,
        set_bytes as f64 / GIB
    );
    let t = Instant::now();
    let sk = SecretKey::generate_sparse(&ctx, e, preset.hamming_weight, &mut rng).expect("sk");
    let pk = PublicKey::generate(&ctx, e, &sk, &mut rng).expect("pk");
    let mut keys = MemoryKeySource::generate(&ctx, e, &sk, &boot, &mut rng).expect("keys");
    println!("key generation: {:.1} s", t.elapsed().as_secs_f64());

    let slots = ctx.params().slots();
    let msg = uniform_message(boot.slots(), 42);
    let full: Vec<f64> = (0..slots).map(|i| msg[i % msg.len()]).collect();
    let enc = Encryptor::new(&ctx);
    let pt = enc
        .encode_real(e, &full, preset.boot.input_scale, 0)
        .expect("encode");
    let ct = enc.encrypt_pk(e, &pk, &pt, &mut rng).expect("encrypt");
    let mut ev = Evaluator::new(&ctx, SoftwareNtt);
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeat.max(1) {
        let (t, c) = (Instant::now(), cpu_seconds());
        let o = boot.bootstrap(&mut ev, &mut keys, &ct).expect("bootstrap");
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_seconds() - c);
        out = Some(o);
    }
    let out = out.expect("one run");
    let dec = enc
        .decode_complex(e, &enc.decrypt(&sk, &out).expect("decrypt"))
        .expect("decode");
    let bits: Vec<f64> = dec
        .iter()
        .zip(&full)
        .map(|(&(re, im), &w)| -(re - w).hypot(im).max(1e-300).log2())
        .collect();
    let mean = bits.iter().sum::<f64>() / bits.len() as f64;
    let worst = bits.iter().copied().fold(f64::INFINITY, f64::min);
    let rss = peak_rss_bytes() as f64 / GIB;
    println!(
        "one bootstrap: {best:.2} s wall, {best_cpu:.2} s CPU (min of {}), precision {mean:.2} bits mean / {worst:.2} worst, peak RSS {rss:.2} GiB",
        repeat.max(1)
    );
}

fn main() {
    let mut names = Vec::new();
    let mut repeat = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
        } else {
            names.push(a);
        }
    }
    if names.is_empty() {
        names = vec!["toy-n10".into(), "toy-n11-sparse".into(), "toy-n12".into()];
    }
    for name in names {
        let preset = match name.as_str() {
            "toy-n10" => presets::TOY_N10_FULL,
            "toy-n11-sparse" => presets::TOY_N11_SPARSE,
            "toy-n12" => presets::TOY_N12_FULL,
            "n16-full" => presets::N16_FULL,
            "n16-sparse" => presets::N16_SPARSE,
            other => {
                eprintln!("unknown preset {other}");
                std::process::exit(2);
            }
        };
        run(&preset, repeat);
    }
}
