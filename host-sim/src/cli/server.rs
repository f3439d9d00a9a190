//! `hearth server`: the network server (Open Inference Protocol v2, REST
//! and gRPC) over a PMEM store of tenants, evaluation keys and models, and
//! its admin commands `hearth server tenant add` and `hearth server model
//! add`.

use anyhow::Context;
use hearth_serve::bench::EngineKind;
use hearth_serve::scheduler::{DeviceScheduler, SchedulerConfig};
use hearth_server::ckks::{CkksEvaluator, Engine};
use hearth_server::pmem::PmemRecords;
use hearth_server::{Evaluator, Limits, Records, Service};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `hearth server`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ServerArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// REST address (`host:port`; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// gRPC address (`host:port`; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    grpc_listen: String,
    /// The store file (tenants, evaluation keys, models); created if absent.
    #[arg(long, required = true)]
    store: Option<PathBuf>,
    /// Size of a new store file, MiB (opening a store reads all of it:
    /// size it for the keys it will hold, about 4.4 MiB per key set of the
    /// bundled models' parameters).
    #[arg(long, default_value_t = DEFAULT_MIB)]
    store_mib: u64,
    /// Where the NTTs run: the device model shared through its scheduler,
    /// or software.
    #[arg(long, value_enum, default_value_t = EngineKind::Device)]
    engine: EngineKind,
    /// Evaluations at once (0: one per core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Requests one tenant may have queued or running.
    #[arg(long, default_value_t = 4)]
    tenant_queue: usize,
    /// Requests all tenants may have queued or running.
    #[arg(long, default_value_t = 64)]
    queue: usize,
    /// Time limit of one request, seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Largest inference request, MiB.
    #[arg(long, default_value_t = 64)]
    max_request_mib: u64,
    /// Largest evaluation-key upload, MiB.
    #[arg(long, default_value_t = 256)]
    max_keys_mib: u64,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantAction),
    /// Public models (usable by every tenant).
    #[command(subcommand)]
    Model(ModelAction),
}

#[derive(Debug, clap::Subcommand)]
enum TenantAction {
    /// Create a tenant and print its bearer token (shown once; the store
    /// keeps only its SHA-256).
    Add {
        /// The tenants' names (one token each; with several names each line
        /// is `NAME TOKEN`).
        #[arg(required = true)]
        names: Vec<String>,
        /// The store file; created if absent.
        #[arg(long)]
        store: PathBuf,
        /// Size of the store file if it is created, MiB.
        #[arg(long, default_value_t = DEFAULT_MIB)]
        store_mib: u64,
    },
}

#[derive(Debug, clap::Subcommand)]
enum ModelAction {
    /// Register a public model (a `hearth-mlp-v1` safetensors file).
    Add {
        /// The name clients call it by.
        name: String,
        /// The model file.
        #[arg(long)]
        model: PathBuf,
        /// The store file; created if absent.
        #[arg(long)]
        store: PathBuf,
    },
}

const DEFAULT_MIB: u64 = 256;

fn open(store: &PathBuf, mib: u64) -> anyhow::Result<Arc<PmemRecords>> {
    let r = PmemRecords::open(store, mib << 20)
        .map_err(|e| anyhow::anyhow!("opening the store {}: {e}", store.display()))?;
    Ok(Arc::new(r))
}

/// Runs `hearth server`.
pub fn run(a: ServerArgs) -> anyhow::Result<()> {
    match a.action {
        Some(Action::Tenant(TenantAction::Add {
            names,
            store,
            store_mib,
        })) => {
            let r = open(&store, store_mib)?;
            for name in &names {
                let token = hearth_server::tenants::add_tenant(r.as_ref(), name)?;
                if names.len() == 1 {
                    println!("{token}");
                } else {
                    println!("{name} {token}");
                }
            }
            eprintln!(
                "{} tenant(s) added; each token is shown once (the store keeps its SHA-256)",
                names.len()
            );
            Ok(())
        }
        Some(Action::Model(ModelAction::Add { name, model, store })) => {
            let bytes =
                std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            let r = open(&store, DEFAULT_MIB)?;
            let ev = CkksEvaluator::new(Engine::Soft);
            hearth_server::service::add_public_model(r.as_ref(), &ev, &name, &bytes)?;
            eprintln!("public model `{name}` registered ({} bytes)", bytes.len());
            Ok(())
        }
        None => serve(a),
    }
}

fn serve(a: ServerArgs) -> anyhow::Result<()> {
    let store = a.store.clone().context("--store is required")?;
    let records = open(&store, a.store_mib)?;
    let engine = match a.engine {
        EngineKind::Soft => Engine::Soft,
        EngineKind::Device => Engine::Device(DeviceScheduler::spawn(SchedulerConfig::default())?),
    };
    let mut limits = Limits {
        max_request: a.max_request_mib << 20,
        max_keys: a.max_keys_mib << 20,
        per_tenant_queue: a.tenant_queue,
        total_queue: a.queue,
        timeout: Duration::from_secs(a.timeout),
        ..Limits::default()
    };
    if a.workers > 0 {
        limits.workers = a.workers;
    }
    let evaluator: Arc<dyn Evaluator> = Arc::new(CkksEvaluator::new(engine));
    let service = Service::new(records as Arc<dyn Records>, evaluator, limits)?;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let http = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        let grpc = tokio::net::TcpListener::bind(&a.grpc_listen)
            .await
            .with_context(|| format!("listening on {}", a.grpc_listen))?;
        println!(
            "hearth server: http {} grpc {} store {}",
            http.local_addr()?,
            grpc.local_addr()?,
            store.display()
        );
        std::io::stdout().flush()?;
        hearth_server::serve::run(
            service,
            http,
            Some(grpc),
            hearth_server::serve::terminated(),
        )
        .await?;
        eprintln!("hearth server: stopped (in-flight requests finished)");
        anyhow::Ok(())
    })
}
