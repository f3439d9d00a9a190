//! Errors of the HE crate: a key or ciphertext file that is malformed, of
//! another key set or too short a chain; data that does not fit the model;
//! parameters that cannot hold the network's values; a compiled model in
//! the store that is missing, stale or tampered with; and the errors of the
//! crates below (kernels, networks, PMEM, device), kept typed. Every
//! variant carries the numbers a person needs to fix the cause.

use std::path::PathBuf;

/// Errors of `hearth-he`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        cause: std::io::Error,
    },
    /// A key or ciphertext file is malformed, corrupt or of the wrong kind.
    #[error("{path}: {message}")]
    Container {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The data does not fit the model or the keys (rows, key set).
    #[error("{path}: {message}")]
    Mismatch {
        /// The data or ciphertext file.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// The data has another number of feature columns than the model inputs.
    #[error(
        "{path}: the data has {columns} feature columns but the model takes {inputs} inputs; \
         use the CSV the model was trained on (a `label` column is not a feature)"
    )]
    FeatureCount {
        /// The data file.
        path: PathBuf,
        /// Feature columns in the data.
        columns: usize,
        /// Inputs of the model.
        inputs: usize,
    },
    /// No 128-bit-secure parameter set up to `N = 2^16` holds the network.
    #[error(
        "no 128-bit-secure CKKS parameters up to N=2^16 hold this network: depth {depth}, \
         logits up to {logits:.1} (×{margin} margin), {min_scale_bits}+ bits of precision \
         needed; retrain with more weight decay or a smaller activation to shrink the values, \
         or refresh the ciphertexts by bootstrapping (--bootstrap PRESET)"
    )]
    NoParameters {
        /// Rescales the network needs.
        depth: usize,
        /// The largest logit magnitude calibrated.
        logits: f64,
        /// The safety factor applied to it.
        margin: f64,
        /// The fewest scale bits accepted.
        min_scale_bits: u32,
    },
    /// A computation needs more rescales than the chain has levels.
    #[error(
        "the computation needs {needed} rescales but the parameters allow {available}; \
         choose a longer chain"
    )]
    DepthExceeded {
        /// Rescales needed.
        needed: usize,
        /// Rescales the chain allows.
        available: usize,
    },
    /// A stored parameter description has a field out of its range.
    #[error(
        "CKKS parameter `{field}` is {value}, outside {min}..={max}; the description is \
         corrupt or from another program"
    )]
    ParamRange {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The smallest accepted value.
        min: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// The network has no layers.
    #[error("the network has no layers")]
    NoLayers,
    /// A layer index beyond the network.
    #[error("layer {layer} asked of a network of {layers} layers")]
    LayerIndex {
        /// The layer asked for.
        layer: usize,
        /// Layers in the network.
        layers: usize,
    },
    /// A layer with no inputs or only zero weights (nothing to evaluate).
    #[error("layer {layer} has no inputs or only zero weights")]
    EmptyLayer {
        /// The layer.
        layer: usize,
    },
    /// A layer's shape does not fit where it is used.
    #[error("layer {layer} of `{model}` is {outputs}×{inputs}; {need}")]
    LayerShape {
        /// The model.
        model: String,
        /// The layer.
        layer: usize,
        /// Its outputs.
        outputs: usize,
        /// Its inputs.
        inputs: usize,
        /// What was needed.
        need: String,
    },
    /// A generated network without layers, neurons or calibration rows.
    #[error(
        "a generated network needs at least one layer, one neuron and one calibration row \
         (asked for {layers} layers {width} wide, {rows} rows)"
    )]
    EmptyNetwork {
        /// Layers asked for.
        layers: usize,
        /// Width asked for.
        width: usize,
        /// Calibration rows given.
        rows: usize,
    },
    /// More values than fit the packing.
    #[error("{values} values do not fit {room} {unit}")]
    TooMany {
        /// Values given (rows, sample values, padded width).
        values: usize,
        /// Room available.
        room: usize,
        /// What the room is counted in (slots, a network's width).
        unit: &'static str,
    },
    /// A stored record is malformed or not what the evaluation needs.
    #[error("{name}: {what}")]
    Record {
        /// The record (or what it holds).
        name: String,
        /// What is wrong.
        what: String,
    },
    /// A stored plaintext at another scale than the evaluation needs.
    #[error("{name} was encoded at scale {stored:e}, the evaluation needs {needed:e}; recompile the model")]
    RecordScale {
        /// The record.
        name: String,
        /// Its scale.
        stored: f64,
        /// The scale the evaluation needs.
        needed: f64,
    },
    /// A record the evaluation needs is not in the store.
    #[error("record `{name}` of `{model}` is missing from {store}; recompile the model")]
    MissingRecord {
        /// The record.
        name: String,
        /// The model.
        model: String,
        /// The store file.
        store: PathBuf,
    },
    /// The model has not been compiled into the store.
    #[error("`{model}` is not compiled for the encrypted stream (no `{record}` in {store})")]
    NotCompiled {
        /// The model.
        model: String,
        /// The description record looked for.
        record: String,
        /// The store file.
        store: PathBuf,
    },
    /// The stored model was compiled by another format version or geometry.
    #[error("`{model}` was compiled {found}; this version needs {needed}; recompile it")]
    Stale {
        /// The model.
        model: String,
        /// What the store holds.
        found: String,
        /// What this version needs.
        needed: String,
    },
    /// The memory budget cannot hold the working set.
    #[error(
        "--mem-budget {} MiB cannot hold the run's working set (two evaluation keys, {live} \
         live ciphertexts, key-switching scratch, three plaintexts in flight, NTT tables); \
         raise it to at least {} MiB", budget >> 20, need.div_ceil(1 << 20)
    )]
    Budget {
        /// The budget, bytes.
        budget: u64,
        /// The working set, bytes.
        need: u64,
        /// Live ciphertexts counted in it.
        live: usize,
    },
    /// A value could not be serialized.
    #[error("serializing {what}: {cause}")]
    Serialize {
        /// What was being serialized.
        what: &'static str,
        /// The encoder's error.
        cause: postcard::Error,
    },
    /// The session lacks what was asked of it (keys, matching context,
    /// entropy).
    #[error("{0}")]
    Session(&'static str),
    /// Operating-system entropy is unavailable.
    #[error("operating-system entropy unavailable: {0}")]
    Entropy(getrandom::Error),
    /// A helper thread or process failed.
    #[error("{what}: {detail}")]
    Worker {
        /// Which helper.
        what: &'static str,
        /// Its error or output.
        detail: String,
    },
    /// An error of the CKKS scheme (levels, scales, keys, encoding).
    #[error("CKKS: {0}")]
    Ckks(#[from] hearth_kernels::ckks::CkksError),
    /// An error from the kernels (NTT, arithmetic).
    #[error("kernels: {0}")]
    Kernels(#[from] hearth_kernels::Error),
    /// An error from the networks crate (model, data).
    #[error(transparent)]
    Network(#[from] hearth_nn::Error),
    /// An error from the PMEM store.
    #[error(transparent)]
    Pmem(#[from] hearth_pmem::Error),
    /// A stored evaluation key (bootstrapping or rotation,
    /// [`crate::key_records`]) is missing, malformed, of other parameters
    /// or not the key asked for.
    #[error("evaluation key {record}: {message}")]
    KeyRecord {
        /// The record's name in the key store.
        record: String,
        /// What is wrong.
        message: String,
    },
    /// The memory budget cannot hold the working set of the streamed keys.
    #[error("memory budget of {budget} bytes too small: streaming the keys and plaintexts needs {needed} bytes ({} MiB)", needed.div_ceil(1 << 20))]
    MemBudget {
        /// Bytes the working set needs.
        needed: u64,
        /// The budget given.
        budget: u64,
    },
    /// A compiled network would not fit in the memory this machine has.
    #[error(
        "the {packing} packing of this network holds up to {} MiB of ciphertexts, plaintexts and \
         keys at once, more than the {} MiB of memory available; run it on a larger machine or \
         try the other packing (--packing)", needed >> 20, available >> 20
    )]
    OutOfMemory {
        /// The packing compiled for.
        packing: &'static str,
        /// Bytes the evaluation holds at its peak (an upper bound).
        needed: u64,
        /// Bytes available (`MemAvailable`).
        available: u64,
    },
    /// A program with bootstrap steps run without bootstrapping keys.
    #[error(
        "this network is refreshed by bootstrapping, but the run has no bootstrapping keys \
         (parameters chosen without a bootstrapping preset)"
    )]
    NoBootstrapKeys,
    /// An error building or probing an NTT engine.
    #[error(transparent)]
    Device(#[from] hearth_device::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// A [`Error::Record`] error.
    pub fn record(name: impl Into<String>, what: impl Into<String>) -> Self {
        Error::Record {
            name: name.into(),
            what: what.into(),
        }
    }
}
