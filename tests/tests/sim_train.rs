//! The bundled models are exactly what `hearth train` produces from the
//! bundled data with the documented commands (`hearth_nn::bundled`).

use hearth_nn::bundled::{CASES, SPLIT_SEED, TEST_FRACTION};
use hearth_nn::data::Dataset;
use hearth_nn::train::{accuracy, train, TrainConfig};
use std::path::Path;

#[test]
fn retraining_reproduces_the_bundled_models_byte_for_byte() {
    for (case, hidden) in CASES.iter().zip([16usize, 32]) {
        assert!(case.train_command.contains(&format!("--hidden {hidden} ")));
        let data = Dataset::parse(Path::new(case.name), case.csv).unwrap();
        let (tr, te) = data.split(TEST_FRACTION, SPLIT_SEED).unwrap();
        let cfg = TrainConfig {
            hidden: vec![hidden],
            epochs: 60,
            seed: 1,
            ..Default::default()
        };
        let mlp = train(&tr, &cfg).unwrap();
        assert_eq!(mlp.to_bytes().unwrap(), case.model, "{}", case.name);
        let acc = accuracy(&mlp, &te).unwrap();
        eprintln!("{}: test accuracy {:.2} %", case.name, 100.0 * acc);
        assert!(acc > 0.9, "{}: {acc}", case.name);
    }
}
