//! `hearth demo` and `hearth infer`.

use anyhow::Context;
use hearth_device::Engine;
use hearth_he::infer::run;
use hearth_he::network::{self, Compiled};
use hearth_he::report::RunReport;
use hearth_he::{Packing, RunOptions};
use hearth_nn::bundled::{CASES, MNIST, MNIST_TEST_CSV_GZ, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use hearth_nn::ir::relu::ReluFit;
use hearth_nn::model::argmax;
use hearth_nn::onnx::{self, ImportOptions, ReluPolicy};
use hearth_nn::oracle::Oracle;
use hearth_nn::Mlp;
use std::path::{Path, PathBuf};

/// Arguments of `hearth demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// NTT engine.
    #[arg(long, value_enum, default_value_t = Engine::Sim)]
    engine: Engine,
    /// Slot layout.
    #[arg(long, value_enum, default_value_t = Packing::Throughput)]
    packing: Packing,
    /// Seed keys and encryption (default: OS entropy).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON array of reports instead of the table.
    #[arg(long)]
    json: bool,
}

/// Arguments of `hearth infer`.
#[derive(Debug, clap::Args)]
pub struct InferArgs {
    /// A `hearth-mlp-v1` safetensors model, or an ONNX model (`.onnx`).
    #[arg(long)]
    model: PathBuf,
    /// ONNX models: replace each ReLU by a least-squares polynomial of this
    /// degree fitted on the range the data reaches there (`poly:DEGREE`,
    /// degree 2–31); without it a ReLU is refused.
    #[arg(long, value_parser = parse_relu)]
    relu: Option<usize>,
    /// ONNX models: run on this bootstrapping preset's chain, the
    /// ciphertexts refreshed by bootstraps the compiler places (for
    /// networks deeper than one chain holds). One bootstrap at `n16-full`
    /// takes about half a minute on one core.
    #[arg(long, value_enum)]
    bootstrap: Option<hearth_he::boot::Preset>,
    /// Allow an insecure (toy) bootstrapping preset: for testing only, the
    /// data is not protected.
    #[arg(long, requires = "bootstrap")]
    insecure_preset: bool,
    /// Generate the bootstrapping keys into a PMEM store (a temporary file)
    /// and stream them from it, at most this many MiB of key resident
    /// (default: all keys in memory).
    #[arg(long, value_name = "MIB", requires = "bootstrap")]
    boot_key_budget: Option<u64>,
    /// ONNX models, latency packing: generate the rotation keys into a
    /// PMEM store and encode the diagonals into another (temporary files)
    /// and stream both from them as the evaluation reaches each, at most
    /// this many MiB of them resident (default: all in memory). The same
    /// results; for networks whose keys exceed memory.
    #[arg(long, value_name = "MIB")]
    stream_budget: Option<u64>,
    /// Run only the first N rows of the data.
    #[arg(long)]
    limit: Option<usize>,
    /// CSV data: header row, the model's feature columns, optional `label`.
    #[arg(long)]
    data: PathBuf,
    /// NTT engine.
    #[arg(long, value_enum, default_value_t = Engine::Sim)]
    engine: Engine,
    /// Threads of the software engine (`--engine soft`): a number or `all`;
    /// more than one runs the NTTs and the limb-wise work of key switching,
    /// rescaling and products on a pool, with the same results.
    #[arg(long, default_value = "1", value_parser = super::parse_threads)]
    threads: usize,
    /// Slot layout.
    #[arg(long, value_enum, default_value_t = Packing::Throughput)]
    packing: Packing,
    /// Seed keys and encryption (default: OS entropy).
    #[arg(long)]
    seed: Option<u64>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `hearth demo`: the bundled models on their held-out test splits.
pub fn demo(a: DemoArgs) -> anyhow::Result<()> {
    let mut reports = Vec::new();
    let mut names = Vec::new();
    for case in CASES {
        let mlp = Mlp::from_bytes(format!("bundled model {}", case.name), case.model)?;
        let data = Dataset::parse(Path::new(&format!("bundled {}.csv", case.name)), case.csv)?;
        let (train, test) = data.split(TEST_FRACTION, SPLIT_SEED)?;
        // Parameters are sized on the training split, as the model owner would.
        let opts = RunOptions {
            engine: a.engine,
            threads: 1,
            packing: a.packing,
            seed: a.seed,
            calibration: Some(train.rows),
        };
        if !a.json {
            eprintln!(
                "{}: {} — {} test samples",
                case.name,
                case.description,
                test.len()
            );
        }
        let bar = super::progress::samples(!a.json, test.len());
        let r = run(&mlp, &mlp.describe(), &test, &opts, &mut |n| {
            bar.inc(n as u64)
        })
        .with_context(|| format!("running the bundled {} model", case.name))?;
        bar.finish_and_clear();
        reports.push(r);
        names.push(case.name.to_string());
    }
    reports.push(demo_mnist(&a)?);
    names.push(MNIST_DEMO.name.to_string());
    if a.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        super::table::print(&reports, &names);
    }
    Ok(())
}

/// Test images the demo runs in the latency packing (one ciphertext each).
const DEMO_LATENCY_IMAGES: usize = 100;

/// The demo's convolutional network: CryptoNets/LoLa-class `mnist_b`.
const MNIST_DEMO: &hearth_nn::bundled::BundledOnnx = &MNIST[1];

/// `mnist_b`, imported from its ONNX file, on the bundled MNIST test images,
/// compared with tract running the file.
fn demo_mnist(a: &DemoArgs) -> anyhow::Result<RunReport> {
    let m = MNIST_DEMO;
    let net = onnx::import_bytes(m.name, m.model, ImportOptions::default())?.network;
    let mut data = Dataset::parse_gz(Path::new("bundled mnist_test.csv.gz"), MNIST_TEST_CSV_GZ)?;
    let oracle = Oracle::from_bytes(m.name, m.model, net.input_shape())?;
    let compiled = Compiled::new(&net, &data.rows, a.packing)?;
    if a.packing == Packing::Latency {
        // One ciphertext per image: the first images show the latency.
        data = data.subset(&(0..data.len().min(DEMO_LATENCY_IMAGES)).collect::<Vec<_>>());
    }
    if !a.json {
        eprintln!(
            "{}: {} — {} test images\ncompiled: {}",
            m.name,
            m.description,
            data.len(),
            compiled.summary()
        );
    }
    let opts = RunOptions {
        engine: a.engine,
        threads: 1,
        packing: a.packing,
        seed: a.seed,
        calibration: None,
    };
    let bar = super::progress::samples(!a.json, data.len());
    let r = network::run(
        &net,
        &compiled,
        &format!("{}.onnx", m.name),
        &data,
        &|x| oracle.run(x),
        &opts,
        &mut |n| bar.inc(n as u64),
    )
    .with_context(|| format!("running the bundled {} network", m.name))?;
    bar.finish_and_clear();
    Ok(r)
}

/// `poly:DEGREE` → the degree.
fn parse_relu(s: &str) -> Result<usize, String> {
    s.strip_prefix("poly:")
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| format!("`{s}`: expected poly:DEGREE, e.g. poly:4"))
}

/// Runs `hearth infer`.
pub fn infer(a: InferArgs) -> anyhow::Result<()> {
    let mut data = Dataset::load(&a.data)?;
    if let Some(n) = a.limit {
        data = data.subset(&(0..n.min(data.len())).collect::<Vec<_>>());
    }
    if super::is_onnx(&a.model) {
        return infer_onnx(a, data);
    }
    if a.relu.is_some() || a.bootstrap.is_some() || a.stream_budget.is_some() {
        anyhow::bail!(
            "--relu, --bootstrap and --stream-budget apply to ONNX models; {} is not one (`hearth stream --encrypted` streams an MLP)",
            a.model.display()
        );
    }
    let mlp = Mlp::load(&a.model)?;
    let opts = RunOptions {
        engine: a.engine,
        threads: a.threads,
        packing: a.packing,
        seed: a.seed,
        calibration: None,
    };
    let bar = super::progress::samples(!a.json, data.len());
    let r = run(
        &mlp,
        &a.model.display().to_string(),
        &data,
        &opts,
        &mut |n| bar.inc(n as u64),
    )?;
    bar.finish_and_clear();
    print_report(&a, &r)
}

fn print_report(a: &InferArgs, r: &RunReport) -> anyhow::Result<()> {
    if a.json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else {
        let name = a
            .data
            .file_name()
            .map_or("data".into(), |n| n.to_string_lossy().into_owned());
        super::table::print(std::slice::from_ref(r), &[name]);
        if let Some(t) = &r.streamed {
            let mib = |b: u64| b as f64 / f64::from(1 << 20);
            println!(
                "streamed from PMEM: {} records ({:.1} MiB) written, {} records ({:.1} MiB, {:.1} MiB per sample) read, at most {:.1} MiB of them resident",
                t.records_written,
                mib(t.bytes_written),
                t.records_read,
                mib(t.bytes_read),
                mib(t.bytes_read) / r.samples.max(1) as f64,
                mib(t.peak_resident)
            );
        }
    }
    Ok(())
}

/// The ReLU fits are sized on at most this many rows.
const RELU_CALIBRATION_ROWS: usize = 512;

/// `hearth infer` of an ONNX model: imported into the IR, compared with
/// tract running the file.
fn infer_onnx(a: InferArgs, data: Dataset) -> anyhow::Result<()> {
    let relu = if a.relu.is_some() {
        ReluPolicy::Keep
    } else {
        ReluPolicy::Refuse
    };
    let imported = onnx::import(&a.model, ImportOptions { relu })?;
    let mut net = imported.network;
    data.check_shape(net.input_shape())?;
    let oracle = Oracle::load(&a.model, net.input_shape())?;
    if let Some(degree) = a.relu {
        let calib = &data.rows[..data.len().min(RELU_CALIBRATION_ROWS)];
        let fits = net.approximate_relu(degree, calib)?;
        report_relu_fits(&a, &net, &oracle, &data, &fits)?;
    }
    let mut compiled = match a.bootstrap {
        Some(preset) => Compiled::bootstrapped(
            &net,
            &data.rows,
            a.packing,
            &preset.preset(),
            a.insecure_preset,
        )?,
        None => Compiled::new(&net, &data.rows, a.packing)?,
    };
    if let Some(mib) = a.boot_key_budget {
        compiled.boot_keys = network::BootKeys::Streamed { budget: mib << 20 };
    }
    if let Some(mib) = a.stream_budget {
        if a.packing != Packing::Latency {
            anyhow::bail!(
                "--stream-budget streams the latency packing's rotation keys and diagonals: add --packing latency (the throughput packing has no rotation keys)"
            );
        }
        compiled.latency_weights = network::LatencyWeights::Streamed {
            budget: mib.saturating_mul(1 << 20),
        };
    }
    if !a.json {
        eprintln!("{}: {}", a.model.display(), net.describe());
        eprintln!("compiled: {}", compiled.summary());
    }
    let opts = RunOptions {
        engine: a.engine,
        threads: a.threads,
        packing: a.packing,
        seed: a.seed,
        calibration: None,
    };
    let bar = super::progress::samples(!a.json, data.len());
    let r = network::run(
        &net,
        &compiled,
        &a.model.display().to_string(),
        &data,
        &|x| oracle.run(x),
        &opts,
        &mut |n| bar.inc(n as u64),
    )?;
    bar.finish_and_clear();
    print_report(&a, &r)
}

/// Prints each ReLU's replacement and what it changes in plaintext: the
/// accuracy (labelled data) and the agreement with the ReLU network.
fn report_relu_fits(
    a: &InferArgs,
    net: &hearth_nn::ir::Network,
    oracle: &Oracle,
    data: &Dataset,
    fits: &[ReluFit],
) -> anyhow::Result<()> {
    if a.json {
        return Ok(());
    }
    for f in fits {
        eprintln!(
            "ReLU `{}` → degree-{} polynomial on [−{:.3}, {:.3}]: max error {:.3e}, RMS {:.3e}",
            f.node,
            f.polynomial.degree(),
            f.range,
            f.range,
            f.max_error,
            f.rms_error
        );
    }
    let (mut agree, mut right_poly, mut right_relu) = (0usize, 0usize, 0usize);
    for (i, x) in data.rows.iter().enumerate() {
        let p = argmax(&net.forward(x)?);
        let r = argmax(&oracle.run(x)?);
        agree += usize::from(p == r);
        if let Some(l) = data.labels.as_ref().and_then(|l| l.get(i)) {
            right_poly += usize::from(p == *l);
            right_relu += usize::from(r == *l);
        }
    }
    let n = data.len().max(1) as f64;
    eprintln!(
        "plaintext, polynomial vs ReLU network: {agree}/{} predictions agree",
        data.len()
    );
    if data.labels.is_some() {
        eprintln!(
            "plaintext accuracy: ReLU {:.2} %, polynomial {:.2} % ({:+.2} points)",
            100.0 * right_relu as f64 / n,
            100.0 * right_poly as f64 / n,
            100.0 * (right_poly as f64 - right_relu as f64) / n
        );
    }
    Ok(())
}
