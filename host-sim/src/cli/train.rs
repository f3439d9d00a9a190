//! `hearth train`.

use anyhow::Context;
use hearth_nn::data::Dataset;
use hearth_nn::model::Activation;
use hearth_nn::train::{accuracy, train, TrainConfig};
use std::path::PathBuf;

/// Arguments of `hearth train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Labelled CSV data (header row, feature columns, `label`).
    #[arg(long)]
    data: PathBuf,
    /// Where to write the safetensors model.
    #[arg(long)]
    out: PathBuf,
    /// Hidden-layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "16")]
    hidden: Vec<usize>,
    /// `square`, or polynomial coefficients as a JSON array `[c0,c1,c2,c3]`.
    #[arg(long, default_value = "square")]
    activation: String,
    /// Passes over the training split.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Adam step size.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Decoupled weight decay.
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    /// Mini-batch size.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Seed of initialisation and batch order.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fraction of rows held out for testing.
    #[arg(long, default_value_t = hearth_nn::bundled::TEST_FRACTION)]
    test_fraction: f64,
    /// Seed of the train/test split.
    #[arg(long, default_value_t = hearth_nn::bundled::SPLIT_SEED)]
    split_seed: u64,
}

/// Runs `hearth train`.
pub fn run(a: TrainArgs) -> anyhow::Result<()> {
    let data = Dataset::load(&a.data)?;
    let (tr, te) = data.split(a.test_fraction, a.split_seed)?;
    let activation =
        Activation::parse(&a.activation).map_err(|m| anyhow::anyhow!("--activation: {m}"))?;
    let cfg = TrainConfig {
        hidden: a.hidden,
        activation,
        epochs: a.epochs,
        learning_rate: a.lr,
        weight_decay: a.weight_decay,
        batch: a.batch,
        seed: a.seed,
    };
    let mlp = train(&tr, &cfg)?;
    mlp.save(&a.out).with_context(|| "writing the model")?;
    let acc = |d| accuracy(&mlp, d).map_or("-".into(), |a| format!("{:.2} %", 100.0 * a));
    println!(
        "trained {} on {} rows; train accuracy {}, test accuracy {} ({} rows); wrote {}",
        mlp.describe(),
        tr.len(),
        acc(&tr),
        acc(&te),
        te.len(),
        a.out.display()
    );
    let ranges = hearth_nn::calibrate::ranges(&mlp, &tr.rows);
    println!("largest |value| per stage (input, each layer's output): {ranges:.2?}");
    Ok(())
}
