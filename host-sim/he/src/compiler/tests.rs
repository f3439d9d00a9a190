//! The compiler against the IR's plaintext evaluation, and the encrypted
//! program against the plaintext program.

use super::schedule::Schedule;
use super::{compile, Step};
use crate::network::{run_encrypted, Compiled};
use crate::options::{Packing, RunOptions};
use hearth_device::Engine;
use hearth_nn::bundled::{MNIST, MNIST_DEEP, MNIST_TEST_CSV_GZ};
use hearth_nn::ir::{Affine, Conv2d, Dense, Network, Op, Polynomial, Pool2d};
use hearth_nn::onnx::{import_bytes, ImportOptions};
use hearth_nn::rng::Prng;
use hearth_nn::Dataset;
use std::path::Path;

fn random(rng: &mut Prng, n: usize, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|_| scale * (2.0 * rng.uniform() - 1.0))
        .collect()
}

/// Every op kind: conv (padded) → affine → square → residual add →
/// average pool → flatten → dense → cubic → dense.
fn every_op(rng: &mut Prng) -> Network {
    let mut n = Network::new(vec![2, 6, 6]).unwrap();
    let conv = Conv2d {
        weight: random(rng, 3 * 2 * 9, 0.5),
        bias: random(rng, 3, 0.1),
        in_channels: 2,
        out_channels: 3,
        kernel: (3, 3),
        stride: (1, 1),
        padding: [1, 1, 1, 1],
    };
    let v1 = n.push("conv", Op::Conv2d(conv), &[0], None).unwrap();
    let aff = Affine {
        scale: vec![0.5, -1.0, 2.0],
        shift: vec![0.1, 0.0, -0.2],
    };
    let v2 = n.push("bn", Op::Affine(aff), &[v1], None).unwrap();
    let v3 = n.push("sq", Op::Square, &[v2], None).unwrap();
    let v4 = n.push("res", Op::Add, &[v2, v3], None).unwrap();
    let pool = Pool2d {
        kernel: (2, 2),
        stride: (2, 2),
        padding: [0; 4],
        count_include_pad: true,
    };
    let v5 = n.push("pool", Op::AvgPool(pool), &[v4], None).unwrap();
    let v6 = n.push("flat", Op::Reshape, &[v5], Some(vec![27])).unwrap();
    let d1 = Dense {
        weight: random(rng, 5 * 27, 0.3),
        bias: random(rng, 5, 0.1),
        inputs: 27,
        outputs: 5,
    };
    let v7 = n.push("fc1", Op::Dense(d1), &[v6], None).unwrap();
    let p = Polynomial::new(vec![0.1, 0.5, 0.25, -0.05]);
    let v8 = n.push("act", Op::Poly(p), &[v7], None).unwrap();
    let d2 = Dense {
        weight: random(rng, 4 * 5, 0.5),
        bias: random(rng, 4, 0.1),
        inputs: 5,
        outputs: 4,
    };
    n.push("fc2", Op::Dense(d2), &[v8], None).unwrap();
    n
}

fn assert_close(a: &[f64], b: &[f64], rel: f64, what: &str) {
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= rel * scale, "{what}: {x} vs {y}");
    }
    assert_eq!(a.len(), b.len(), "{what}");
}

#[test]
fn lowering_keeps_the_meaning_of_every_op() {
    let mut rng = Prng::new(11);
    let net = every_op(&mut rng);
    let program = compile(&net).unwrap();
    for _ in 0..20 {
        let x = random(&mut rng, 72, 1.0);
        assert_close(
            &program.forward(&x),
            &net.forward(&x).unwrap(),
            1e-12,
            "program vs IR",
        );
    }
    // conv+affine: 1; square: 2; add+pool+flatten+dense: 3; cubic: x² 4,
    // x³ 5; dense: 6.
    assert_eq!(program.depth(), 6);
    // Square, then x² and x³ of the cubic: three product steps.
    let products = program
        .steps()
        .iter()
        .filter(|s| matches!(s, super::Step::Product { .. }))
        .count();
    assert_eq!(products, 3);
}

#[test]
fn relu_and_constant_networks_are_refused_by_name() {
    let mut n = Network::new(vec![4]).unwrap();
    n.push("the_relu", Op::Relu, &[0], None).unwrap();
    let e = compile(&n).unwrap_err().to_string();
    assert!(e.contains("the_relu"), "{e}");
    let mut n = Network::new(vec![4]).unwrap();
    n.push("flat", Op::Poly(Polynomial::new(vec![2.0])), &[0], None)
        .unwrap();
    let e = compile(&n).unwrap_err().to_string();
    assert!(e.contains("flat") && e.contains("independent"), "{e}");
}

fn mnist(rows: usize) -> Dataset {
    let d = Dataset::parse_gz(Path::new("mnist_test.csv.gz"), MNIST_TEST_CSV_GZ).unwrap();
    d.subset(&(0..rows).collect::<Vec<_>>())
}

#[test]
fn bundled_mnist_networks_lower_exactly() {
    let data = mnist(16);
    // a, b: conv | x² | flatten+dense | x² | dense. c: conv+bn+pool |
    // x², x³ | conv+bn+pool | x², x³ | flatten+dense+bn | x², x³ |
    // dense+bn | x², x³, x⁴, x⁵ | dense.
    for (m, depth) in MNIST.iter().zip([5, 5, 14]) {
        let net = import_bytes(m.name, m.model, ImportOptions::default())
            .unwrap()
            .network;
        let program = compile(&net).unwrap();
        assert_eq!(program.depth(), depth, "{}", m.name);
        for x in &data.rows {
            assert_close(&program.forward(x), &net.forward(x).unwrap(), 1e-9, m.name);
        }
    }
}

fn soft(seed: u64) -> RunOptions {
    soft_packed(seed, Packing::Throughput)
}

fn soft_packed(seed: u64, packing: Packing) -> RunOptions {
    RunOptions {
        engine: Engine::Soft,
        threads: 1,
        packing,
        seed: Some(seed),
        calibration: None,
    }
}

#[test]
fn encrypted_program_matches_plaintext_on_every_op() {
    let mut rng = Prng::new(12);
    let net = every_op(&mut rng);
    let rows: Vec<Vec<f64>> = (0..8).map(|_| random(&mut rng, 72, 1.0)).collect();
    let compiled = Compiled::new(&net, &rows, Packing::Throughput).unwrap();
    let out = run_encrypted(&compiled, &rows, &soft(3), &mut |_| {}).unwrap();
    for (x, got) in rows.iter().zip(&out.logits) {
        assert_close(got, &net.forward(x).unwrap(), 1e-4, "encrypted vs IR");
    }
}

/// The products kept unrelinearized in the throughput packing: mnist_a's
/// two squares (each read by one dense layer alone); none of the every-op
/// network's, whose square feeds a residual sum with the value squared and
/// whose cubic's powers are summed together with the value and read by the
/// next power.
#[test]
fn only_products_read_by_one_linear_step_alone_stay_unrelinearized() {
    let lazy_products = |net: &Network| {
        let program = compile(net).unwrap();
        let lazy = super::encrypted::unrelinearized_sources(&program);
        program
            .steps()
            .iter()
            .filter(|s| matches!(s, Step::Product { .. }))
            .map(|s| lazy[s.out()])
            .collect::<Vec<bool>>()
    };
    let m = &MNIST[0];
    let mnist_a = import_bytes(m.name, m.model, ImportOptions::default())
        .unwrap()
        .network;
    assert_eq!(lazy_products(&mnist_a), [true, true]);
    let every_net = every_op(&mut Prng::new(12));
    let every = lazy_products(&every_net);
    assert!(!every.is_empty() && every.iter().all(|l| !l), "{every:?}");
    // Polynomials alive at once, by hand: the 784 inputs and the 256
    // convolution outputs (2 each) outweigh the 256 outputs with their
    // 256 unrelinearized squares (2 + 3 each) and every later step.
    let program = compile(&mnist_a).unwrap();
    let whole = Schedule::whole(&program);
    assert_eq!(whole.peak_polys(&program), 2 * (784 + 256));
    // The convolution's 256 outputs and their squares are not two slices'
    // worth: evaluated whole.
    assert_eq!(Schedule::new(&program), whole);
    // One sample per ciphertext: a step's input and output alive at once.
    assert_eq!(program.peak_sources(), 2);
    let program = compile(&every_net).unwrap();
    let whole = Schedule::whole(&program);
    assert_eq!(whole.peak_polys(&program), 2 * whole.peak_live(&program));
}

/// `mnist_c`'s two activations after its convolutions, each a region: the
/// first convolution's 1,568 pooled outputs with their squares and cubes
/// made 128 at a time and summed into the 784 outputs of the second
/// convolution and pool; the second's 784 powers 192 at a time into the 64
/// of the dense layer. The later activations (64 and 32 values) fit a
/// slice and are evaluated whole.
#[test]
fn wide_activations_are_summed_a_slice_at_a_time() {
    let m = &MNIST[2];
    let net = import_bytes(m.name, m.model, ImportOptions::default())
        .unwrap()
        .network;
    let program = compile(&net).unwrap();
    let schedule = Schedule::new(&program);
    let regions: Vec<(usize, Vec<usize>, usize, usize)> = schedule
        .regions()
        .iter()
        .map(|r| (r.sum, r.members.clone(), r.width, r.chunk))
        .collect();
    assert_eq!(
        regions,
        [(3, vec![0, 1, 2], 1568, 128), (6, vec![4, 5], 784, 192)]
    );
    // Polynomials at the peak, by hand: the 784 inputs, the 784 sums of
    // the first region and its slice of 128 values, squares and cubes (two
    // polynomials each); step by step, the 1,568 values, their squares and
    // cubes, and the 784 outputs.
    assert_eq!(schedule.peak_polys(&program), 2 * (784 + 784 + 3 * 128));
    let whole = Schedule::whole(&program);
    assert_eq!(whole.peak_polys(&program), 2 * (3 * 1568 + 784));
    // The sources the first region reads are kept until it is summed.
    let last = schedule.last_uses(&program);
    assert_eq!(last[0], Some(3));
}

/// A small convolution whose square only a dense layer reads (kept
/// unrelinearized), for the sliced sums of degree-two ciphertexts.
fn conv_square_dense(rng: &mut Prng) -> Network {
    let mut n = Network::new(vec![1, 8, 8]).unwrap();
    let conv = Conv2d {
        weight: random(rng, 3 * 9, 0.5),
        bias: random(rng, 3, 0.1),
        in_channels: 1,
        out_channels: 3,
        kernel: (3, 3),
        stride: (1, 1),
        padding: [0; 4],
    };
    let v1 = n.push("conv", Op::Conv2d(conv), &[0], None).unwrap();
    let v2 = n.push("sq", Op::Square, &[v1], None).unwrap();
    let v3 = n.push("flat", Op::Reshape, &[v2], Some(vec![108])).unwrap();
    let mut weight = random(rng, 4 * 108, 0.2);
    // An output reading nothing: its sum is the bias alone.
    weight[..108].fill(0.0);
    let d = Dense {
        weight,
        bias: random(rng, 4, 0.1),
        inputs: 108,
        outputs: 4,
    };
    n.push("fc", Op::Dense(d), &[v3], None).unwrap();
    n
}

/// Regions evaluated a slice at a time give the ciphertexts of the steps
/// evaluated whole, bit for bit: the every-op network (a residual sum of a
/// value and its square, a cubic's three powers read with their base
/// already whole) and a square kept unrelinearized, in slices that do not
/// divide the layers' widths.
#[test]
fn sliced_regions_give_the_ciphertexts_of_whole_steps() {
    let mut rng = Prng::new(21);
    // The regions sliced with slices of 2 and of 22 ciphertexts.
    let nets = [
        (every_op(&mut rng), [2, 1]),
        (conv_square_dense(&mut rng), [1, 1]),
    ];
    for (net, sliced_regions) in nets {
        let width = net.input_shape().iter().product();
        let rows: Vec<Vec<f64>> = (0..4).map(|_| random(&mut rng, width, 1.0)).collect();
        let compiled = Compiled::new(&net, &rows, Packing::Throughput).unwrap();
        let whole = Compiled {
            schedule: Schedule::whole(&compiled.program),
            ..compiled.clone()
        };
        let want = run_encrypted(&whole, &rows, &soft(8), &mut |_| {}).unwrap();
        for (slice, regions) in [2, 22].into_iter().zip(sliced_regions) {
            let sliced = Compiled {
                schedule: Schedule::with_slice(&compiled.program, slice),
                ..compiled.clone()
            };
            assert_eq!(sliced.schedule.regions().len(), regions, "slice {slice}");
            let got = run_encrypted(&sliced, &rows, &soft(8), &mut |_| {}).unwrap();
            assert!(want.ciphertext_sha256.is_some());
            assert_eq!(
                got.ciphertext_sha256, want.ciphertext_sha256,
                "slice {slice}"
            );
            assert_eq!(got.logits, want.logits);
        }
        for (x, got) in rows.iter().zip(&want.logits) {
            assert_close(got, &net.forward(x).unwrap(), 1e-4, "encrypted vs IR");
        }
        // An order made for another program is refused.
        let mut other = Network::new(vec![2]).unwrap();
        other.push("sq", Op::Square, &[0], None).unwrap();
        let wrong = Compiled {
            schedule: Schedule::whole(&compile(&other).unwrap()),
            ..compiled.clone()
        };
        let err = run_encrypted(&wrong, &rows, &soft(8), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("another program"), "{err}");
    }
}

#[test]
fn mnist_a_encrypted_agrees_with_plaintext() {
    let data = mnist(32);
    let m = &MNIST[0];
    let net = import_bytes(m.name, m.model, ImportOptions::default())
        .unwrap()
        .network;
    let compiled = Compiled::new(&net, &data.rows, Packing::Throughput).unwrap();
    let out = run_encrypted(&compiled, &data.rows, &soft(4), &mut |_| {}).unwrap();
    for (x, got) in data.rows.iter().zip(&out.logits) {
        let want = net.forward(x).unwrap();
        assert_close(got, &want, 1e-3, "mnist_a");
        assert_eq!(
            hearth_nn::model::argmax(got),
            hearth_nn::model::argmax(&want)
        );
    }
}

/// The latency packing (hybrid diagonals, folds, several parts per step
/// from the residual add and the polynomial's powers) against the IR.
#[test]
fn latency_packing_matches_plaintext_on_every_op() {
    let mut rng = Prng::new(13);
    let net = every_op(&mut rng);
    let rows: Vec<Vec<f64>> = (0..3).map(|_| random(&mut rng, 72, 1.0)).collect();
    let compiled = Compiled::new(&net, &rows, Packing::Latency).unwrap();
    let out = run_encrypted(
        &compiled,
        &rows,
        &soft_packed(5, Packing::Latency),
        &mut |_| {},
    )
    .unwrap();
    for (x, got) in rows.iter().zip(&out.logits) {
        assert_close(got, &net.forward(x).unwrap(), 1e-4, "latency vs IR");
    }
}

/// On a pool of threads (the software engine's NTTs and the kernels'
/// limb-wise jobs, every batch on the pool however small) a network run
/// gives the same ciphertexts, hence the same logits, as on one thread; in
/// both packings. `--threads 2` builds that engine (with its grain).
#[test]
fn threaded_runs_give_the_same_ciphertexts() {
    let mut rng = Prng::new(14);
    let net = every_op(&mut rng);
    let rows: Vec<Vec<f64>> = (0..3).map(|_| random(&mut rng, 72, 1.0)).collect();
    for packing in [Packing::Latency, Packing::Throughput] {
        let compiled = Compiled::new(&net, &rows, packing).unwrap();
        let opts = soft_packed(6, packing);
        let single = run_encrypted(&compiled, &rows, &opts, &mut |_| {}).unwrap();
        let pool = hearth_device::ThreadedNtt::with_grain(2, 0).unwrap();
        let mut engine = hearth_device::Counting::new(pool);
        let threaded = crate::network::run_with(&compiled, &rows, &opts, &mut engine, &mut |_| {});
        let two = RunOptions {
            threads: 2,
            ..opts.clone()
        };
        let cli = run_encrypted(&compiled, &rows, &two, &mut |_| {}).unwrap();
        let runs = [single, threaded.unwrap(), cli];
        assert!(runs[0].ciphertext_sha256.is_some());
        for r in &runs[1..] {
            assert_eq!(runs[0].ciphertext_sha256, r.ciphertext_sha256);
            assert_eq!(runs[0].logits, r.logits);
        }
    }
}

/// `mnist_a` one image per ciphertext: the 7×7 stride-3 convolution's
/// outputs on the image's grid (fewer diagonals than the 256 of a compact
/// layout), then 256 → 64 and 64 → 10.
#[test]
fn mnist_a_latency_agrees_with_plaintext() {
    let data = mnist(3);
    let m = &MNIST[0];
    let net = import_bytes(m.name, m.model, ImportOptions::default())
        .unwrap()
        .network;
    let compiled = Compiled::new(&net, &data.rows, Packing::Latency).unwrap();
    assert_eq!(compiled.plan.min_slots(), 1024);
    assert!(compiled.plan.diagonals() < 256 + 64 + 16);
    let out = run_encrypted(
        &compiled,
        &data.rows,
        &soft_packed(6, Packing::Latency),
        &mut |_| {},
    )
    .unwrap();
    for (x, got) in data.rows.iter().zip(&out.logits) {
        let want = net.forward(x).unwrap();
        assert_close(got, &want, 1e-3, "mnist_a latency");
        assert_eq!(
            hearth_nn::model::argmax(got),
            hearth_nn::model::argmax(&want)
        );
    }
}

/// `mnist_c` (14 levels, `N = 2^15`) in the throughput packing holds its
/// 784 inputs, the 784 sums of its first region and a slice (about 15 GiB,
/// estimated at the top level): refused on a smaller machine with its
/// estimate before any key is made.
#[test]
fn a_network_larger_than_memory_is_refused_with_its_estimate() {
    let data = mnist(4);
    let m = &MNIST[2];
    let net = import_bytes(m.name, m.model, ImportOptions::default())
        .unwrap()
        .network;
    let compiled = Compiled::new(&net, &data.rows, Packing::Throughput).unwrap();
    assert!(compiled.peak_bytes > 8 << 30, "{}", compiled.peak_bytes);
    let err = compiled.check_memory(Some(8 << 30)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("{} MiB", compiled.peak_bytes >> 20)),
        "{text}"
    );
    assert!(text.contains("8192 MiB"), "{text}");
    assert!(compiled.check_memory(None).is_ok());
    assert!(compiled.check_memory(Some(compiled.peak_bytes)).is_ok());
}

fn mnist_deep() -> Network {
    import_bytes(MNIST_DEEP.name, MNIST_DEEP.model, ImportOptions::default())
        .unwrap()
        .network
}

/// Bootstraps placed for every number of user levels: the same values, no
/// source read below level 1, no more levels used than the chain has, and
/// the refreshes the longest path needs (`⌈13/L⌉ − 1`, one source of 32
/// values each) for every `L` but 3 (one more); each range a power of two
/// covering its source's calibrated values with the margin.
#[test]
fn bootstraps_are_placed_where_levels_run_out() {
    let program = compile(&mnist_deep()).unwrap();
    assert_eq!(program.depth(), 13);
    assert_eq!(program.bootstraps(), (0, 0));
    let data = mnist(16);
    let ranges = program.source_ranges(&data.rows);
    for levels in 1..=14usize {
        let placed = program.with_bootstraps(levels, &data.rows, 4.0).unwrap();
        assert_eq!(placed.depth(), 13);
        assert!(placed.chain_depth() <= levels, "{levels}");
        let (steps, ciphertexts) = placed.bootstraps();
        eprintln!("{levels} user levels: {steps} bootstraps, {ciphertexts} ciphertexts");
        let bound = 13usize.div_ceil(levels) - 1;
        assert_eq!(steps, bound + usize::from(levels == 3), "{levels}");
        assert_eq!(ciphertexts, 32 * steps);
        assert_eq!(steps == 0, levels >= 13);
        let used = placed.levels_used();
        for step in placed.steps() {
            if !matches!(step, super::Step::Bootstrap { .. }) {
                assert!(step.reads().iter().all(|&s| used[s] < levels));
            }
        }
        let placed_ranges = placed.source_ranges(&data.rows);
        for step in placed.steps() {
            if let super::Step::Bootstrap { source, range, .. } = step {
                assert!(*range >= 4.0 * placed_ranges[*source]);
                assert!(*range < 8.0 * placed_ranges[*source].max(0.25));
                assert_eq!(range.log2().fract(), 0.0);
            }
        }
        for x in &data.rows {
            assert_eq!(placed.forward(x), program.forward(x));
        }
    }
    assert!(ranges.iter().all(|r| r.is_finite()));
    assert!(program.with_bootstraps(0, &data.rows, 4.0).is_err());
}

/// The deep network (13 levels) on the insecure N = 2^12 bootstrapping
/// chain of six user levels, all 2,004 test images in one batch: refreshed
/// by the bootstraps the compiler placed, its predictions agree with the
/// plaintext network's (which agree with tract's, `hearth-nn`'s tests) on
/// at least 99.5 % of the images, and its accuracy is within 0.3 points.
#[test]
fn deep_network_runs_refreshed_by_bootstrapping() {
    use hearth_kernels::ckks::boot::presets::TOY_N12_DEEP;
    let data = mnist(2004);
    let labels = data.labels.clone().unwrap();
    let net = mnist_deep();
    let compiled =
        Compiled::bootstrapped(&net, &data.rows, Packing::Throughput, &TOY_N12_DEEP, true).unwrap();
    assert_eq!(compiled.program.depth(), 13);
    assert!(compiled.program.chain_depth() <= 6);
    assert_eq!(compiled.program.bootstraps().0, 2);
    // Insecure presets need the explicit opt-in.
    assert!(
        Compiled::bootstrapped(&net, &data.rows, Packing::Throughput, &TOY_N12_DEEP, false)
            .is_err()
    );
    let out = run_encrypted(&compiled, &data.rows, &soft(6), &mut |_| {}).unwrap();
    assert_eq!(out.logits.len(), data.len());
    let (mut agree, mut right_he, mut right_plain) = (0usize, 0usize, 0usize);
    let mut worst = 0.0f64;
    for ((x, got), &label) in data.rows.iter().zip(&out.logits).zip(&labels) {
        let want = net.forward(x).unwrap();
        let (g, w) = (
            hearth_nn::model::argmax(got),
            hearth_nn::model::argmax(&want),
        );
        agree += usize::from(g == w);
        right_he += usize::from(g == label);
        right_plain += usize::from(w == label);
        let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (a, b) in got.iter().zip(&want) {
            worst = worst.max((a - b).abs() / scale);
        }
    }
    let n = data.len() as f64;
    eprintln!(
        "deep: agreement {agree}/{}, accuracy {:.2} % encrypted vs {:.2} % plain, worst relative logit error {worst:.2e}",
        data.len(),
        100.0 * right_he as f64 / n,
        100.0 * right_plain as f64 / n
    );
    assert!(agree as f64 >= 0.995 * n, "{agree}");
    assert!((right_he as f64 - right_plain as f64).abs() <= 0.003 * n);
}

/// A sparse preset refreshes `n_s` slots repeated: refused for the
/// throughput packing, accepted for the latency packing of a network whose
/// period divides `n_s`; the 128-bit full preset accepts both.
#[test]
fn sparse_bootstrapping_presets_are_refused_where_slots_differ() {
    use hearth_kernels::ckks::boot::presets::{N16_FULL, N16_SPARSE};
    let data = mnist(4);
    let net = mnist_deep();
    let e = Compiled::bootstrapped(&net, &data.rows, Packing::Throughput, &N16_SPARSE, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("32768") && e.contains("4096"), "{e}");
    for (preset, packing) in [
        (&N16_SPARSE, Packing::Latency),
        (&N16_FULL, Packing::Throughput),
        (&N16_FULL, Packing::Latency),
    ] {
        let c = Compiled::bootstrapped(&net, &data.rows, packing, preset, false).unwrap();
        assert_eq!(c.program.bootstraps().0, 6, "{}", preset.name);
        assert!(c.program.chain_depth() <= 2);
        assert!(c.summary().contains("6 bootstrap steps"), "{}", c.summary());
    }
}

/// The bootstrapping keys streamed from a PMEM store under a budget give
/// the same run, byte for byte, as the keys in memory (latency packing,
/// two images, two refreshes each); a budget below the working set is
/// refused with the bytes needed.
#[test]
fn streamed_bootstrapping_keys_give_the_same_run() {
    use crate::network::BootKeys;
    use hearth_kernels::ckks::boot::presets::TOY_N12_DEEP;
    let data = mnist(2);
    let net = mnist_deep();
    let mut compiled =
        Compiled::bootstrapped(&net, &data.rows, Packing::Latency, &TOY_N12_DEEP, true).unwrap();
    let opts = soft_packed(8, Packing::Latency);
    let memory = run_encrypted(&compiled, &data.rows, &opts, &mut |_| {}).unwrap();
    compiled.boot_keys = BootKeys::Streamed { budget: 64 << 20 };
    let streamed = run_encrypted(&compiled, &data.rows, &opts, &mut |_| {}).unwrap();
    assert_eq!(memory.logits, streamed.logits);
    assert_eq!(memory.ciphertext_sha256, streamed.ciphertext_sha256);
    for (x, got) in data.rows.iter().zip(&streamed.logits) {
        assert_close(got, &net.forward(x).unwrap(), 1e-3, "streamed");
    }
    compiled.boot_keys = BootKeys::Streamed { budget: 1 << 20 };
    let e = run_encrypted(&compiled, &data.rows, &opts, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("budget") && e.contains("needs"), "{e}");
}

/// The latency packing with its rotation keys and diagonals streamed from
/// PMEM stores (both read ahead on two more threads from the second sample
/// on) gives the in-memory run byte for byte on a network with several
/// parts per step, a residual sum and folds; every non-zero diagonal is
/// written once; a budget below the working set, and a program with
/// bootstrap steps, are refused before any key is made.
#[test]
fn streamed_latency_keys_and_diagonals_give_the_same_run() {
    use crate::network::LatencyWeights;
    let mut rng = Prng::new(15);
    let net = every_op(&mut rng);
    let rows: Vec<Vec<f64>> = (0..3).map(|_| random(&mut rng, 72, 1.0)).collect();
    let mut compiled = Compiled::new(&net, &rows, Packing::Latency).unwrap();
    let opts = soft_packed(9, Packing::Latency);
    let memory = run_encrypted(&compiled, &rows, &opts, &mut |_| {}).unwrap();
    assert!(memory.streamed.is_none());
    let budget = 256 << 20;
    compiled.latency_weights = LatencyWeights::Streamed { budget };
    let streamed = run_encrypted(&compiled, &rows, &opts, &mut |_| {}).unwrap();
    assert!(memory.ciphertext_sha256.is_some());
    assert_eq!(memory.ciphertext_sha256, streamed.ciphertext_sha256);
    assert_eq!(memory.logits, streamed.logits);
    let t = streamed.streamed.unwrap();
    let top = compiled.selection.encrypt_level();
    let key_uses = compiled.plan.key_uses(&compiled.program, top).unwrap();
    let key_records: usize = key_uses.values().map(|l| l.len()).sum();
    assert_eq!(
        t.records_written as usize,
        compiled.plan.diagonals() + key_records
    );
    // The first sample reads every diagonal on the evaluating thread; the
    // later ones read every diagonal and key ahead (the readers may read a
    // few of a fourth sample before they are stopped).
    let d = compiled.plan.diagonals() as u64;
    assert!(t.read_ahead >= 2 * d + 2, "{t:?}");
    assert!(t.records_read - t.read_ahead > d, "{t:?}");
    assert!(t.records_read >= 3 * d + 3, "{t:?}");
    assert!(t.peak_resident > 0 && t.peak_resident <= budget, "{t:?}");
    for (x, got) in rows.iter().zip(&streamed.logits) {
        assert_close(
            got,
            &net.forward(x).unwrap(),
            1e-4,
            "streamed latency vs IR",
        );
    }
    compiled.latency_weights = LatencyWeights::Streamed { budget: 1 << 20 };
    let e = run_encrypted(&compiled, &rows, &opts, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("budget") && e.contains("needs"), "{e}");

    use hearth_kernels::ckks::boot::presets::TOY_N12_DEEP;
    let data = mnist(1);
    let mut deep = Compiled::bootstrapped(
        &mnist_deep(),
        &data.rows,
        Packing::Latency,
        &TOY_N12_DEEP,
        true,
    )
    .unwrap();
    deep.latency_weights = LatencyWeights::Streamed { budget };
    let e = run_encrypted(&deep, &data.rows, &opts, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("without bootstrap steps"), "{e}");
}
