//! What the server does, whatever the protocol: authenticate, admit,
//! find the tenant's keys and model, evaluate off the async runtime, store
//! uploads. The REST ([`crate::rest`]) and gRPC ([`crate::grpc`]) front
//! ends only translate.
//!
//! Records: `tenants/T` (the tenant, [`crate::tenants`]), `tenants/T/keys`
//! (its public evaluation keys), `tenants/T/models/M` (its models) and
//! `models/M` (public models the operator registered). A request is served
//! with the keys of the tenant its token authenticates, never with keys a
//! request names.

use crate::backend::{EvalError, Evaluator, KeyInfo, Records, StoreError};
use crate::error::{Error, Result};
use crate::limits::{Admission, Limits};
use crate::tenants::{self, Registry, Tenant};
use crate::tensors::{Output, Request};
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The one input of every hearth model.
pub const INPUT: &str = "ciphertexts";
/// The one output of every hearth model.
pub const OUTPUT: &str = "logits";
/// The platform name models report.
pub const PLATFORM: &str = "hearth-ckks";
/// The server's name in its metadata.
pub const SERVER_NAME: &str = "hearth";
/// Extensions of the protocol the server supports.
pub const EXTENSIONS: &[&str] = &["binary_tensor_data", "hearth_tenant_keys"];

/// Record of the public models.
pub fn public_model_record(model: &str) -> String {
    format!("models/{model}")
}

fn keys_record(tenant: &str) -> String {
    format!("{}{tenant}/keys", tenants::TENANT_PREFIX)
}

fn model_record(tenant: &str, model: &str) -> String {
    format!("{}{tenant}/models/{model}", tenants::TENANT_PREFIX)
}

fn store_failure(e: StoreError) -> Error {
    tracing::error!("store: {e}");
    Error::Internal("the key and model store failed")
}

/// Registers a public model (the operator's; every tenant may use it).
pub fn add_public_model(
    records: &dyn Records,
    evaluator: &dyn Evaluator,
    name: &str,
    model: &[u8],
) -> Result<()> {
    tenants::check_name("model", name)?;
    evaluator.check_model(model).map_err(Error::BadRequest)?;
    records
        .put(&public_model_record(name), model)
        .map_err(store_failure)
}

/// The server's state, shared by every connection.
pub struct Service {
    records: Arc<dyn Records>,
    evaluator: Arc<dyn Evaluator>,
    registry: Registry,
    admission: Admission,
    stopping: AtomicBool,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Service({:?}, {:?})", self.registry, self.admission)
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!("a blocking task failed: {e}");
        Error::Internal("a worker failed")
    })?
}

impl Service {
    /// A service over `records` (tenants are read from it) evaluating with
    /// `evaluator` within `limits`.
    pub fn new(
        records: Arc<dyn Records>,
        evaluator: Arc<dyn Evaluator>,
        limits: Limits,
    ) -> Result<Arc<Self>> {
        let registry = Registry::load(records.as_ref())?;
        Ok(Arc::new(Self {
            records,
            evaluator,
            registry,
            admission: Admission::new(limits),
            stopping: AtomicBool::new(false),
        }))
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        self.admission.limits()
    }

    /// Whether the service takes requests (not shutting down).
    pub fn ready(&self) -> bool {
        !self.stopping.load(Ordering::SeqCst)
    }

    /// From now on, refuses new requests ([`Error::ShuttingDown`]); those
    /// already admitted finish.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn check_running(&self) -> Result<()> {
        if self.ready() {
            Ok(())
        } else {
            Err(Error::ShuttingDown)
        }
    }

    /// The tenant an `Authorization` header value authenticates.
    pub async fn authenticate(self: &Arc<Self>, header: Option<&str>) -> Result<Tenant> {
        let token = tenants::bearer(header)?.to_string();
        let me = self.clone();
        blocking(move || me.registry.authenticate(me.records.as_ref(), &token)).await
    }

    fn find_model(&self, tenant: &str, model: &str) -> Result<Vec<u8>> {
        tenants::check_name("model", model)?;
        for rec in [model_record(tenant, model), public_model_record(model)] {
            if let Some(m) = self.records.get(&rec).map_err(store_failure)? {
                return Ok(m);
            }
        }
        Err(Error::NotFound(format!("model `{model}` not found")))
    }

    /// Whether `tenant` can use `model` (its own or a public one).
    pub async fn model_ready(self: &Arc<Self>, tenant: &Tenant, model: &str) -> Result<bool> {
        self.check_running()?;
        let (me, t, m) = (self.clone(), tenant.name.clone(), model.to_string());
        match blocking(move || me.find_model(&t, &m)).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Fails with [`Error::NotFound`] unless `tenant` can use `model`.
    pub async fn model_exists(self: &Arc<Self>, tenant: &Tenant, model: &str) -> Result<()> {
        let (me, t, m) = (self.clone(), tenant.name.clone(), model.to_string());
        blocking(move || me.find_model(&t, &m).map(drop)).await
    }

    fn check_request(req: &Request) -> Result<()> {
        match req.inputs.as_slice() {
            [t] if t.name == INPUT => {}
            _ => {
                let names: Vec<&str> = req.inputs.iter().map(|t| t.name.as_str()).collect();
                return Err(Error::BadRequest(format!(
                    "hearth models take one input `{INPUT}` (BYTES: hearth ciphertext files); got {names:?}"
                )));
            }
        }
        if let Some(o) = req.outputs.iter().find(|o| o.as_str() != OUTPUT) {
            return Err(Error::BadRequest(format!(
                "unknown output `{o}`; hearth models have one output `{OUTPUT}`"
            )));
        }
        Ok(())
    }

    /// Runs `model` on every element of the request's input with the
    /// tenant's evaluation keys; one output element per input element.
    pub async fn infer(
        self: &Arc<Self>,
        tenant: &Tenant,
        model: &str,
        req: Request,
    ) -> Result<Output> {
        self.check_running()?;
        Self::check_request(&req)?;
        let _place = self.admission.admit(&tenant.name)?;
        let limit = self.limits().timeout;
        let me = self.clone();
        let (t, m) = (tenant.clone(), model.to_string());
        let elements: Vec<Bytes> = req.inputs.into_iter().flat_map(|i| i.elements).collect();
        let work = async move {
            let worker = me.admission.worker().await?;
            let me2 = me.clone();
            // The worker's permit moves into the blocking task, so a request
            // that timed out still holds it until its evaluation ends.
            blocking(move || {
                let _worker = worker;
                me2.evaluate_all(&t, &m, &elements)
            })
            .await
        };
        let elements = tokio::time::timeout(limit, work)
            .await
            .map_err(|_| Error::Timeout(limit))??;
        Ok(Output {
            name: OUTPUT.to_string(),
            elements,
        })
    }

    fn evaluate_all(&self, tenant: &Tenant, model: &str, inputs: &[Bytes]) -> Result<Vec<Vec<u8>>> {
        let model_bytes = self.find_model(&tenant.name, model)?;
        let keys = self
            .records
            .get(&keys_record(&tenant.name))
            .map_err(store_failure)?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no evaluation keys for this tenant; upload them first (PUT /v2/tenants/{}/keys)",
                    tenant.name
                ))
            })?;
        inputs
            .iter()
            .enumerate()
            .map(|(i, x)| {
                self.evaluator
                    .evaluate(tenant.lane, &keys, &model_bytes, x)
                    .map_err(|e| match e {
                        EvalError::BadInput(m) => Error::BadRequest(format!("element {i}: {m}")),
                        EvalError::Mismatch(m) => Error::Unprocessable(format!("element {i}: {m}")),
                        EvalError::Internal(m) => {
                            tracing::error!("evaluation failed: {m}");
                            Error::Internal("the evaluation failed")
                        }
                    })
            })
            .collect()
    }

    fn owner(tenant: &Tenant, path_tenant: &str) -> Result<()> {
        if tenant.name == path_tenant {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Stores `keys` as `tenant`'s evaluation keys (after the evaluator
    /// checked them), replacing earlier ones; durable when it returns.
    pub async fn put_keys(
        self: &Arc<Self>,
        tenant: &Tenant,
        path_tenant: &str,
        keys: Bytes,
    ) -> Result<KeyInfo> {
        self.check_running()?;
        Self::owner(tenant, path_tenant)?;
        let _place = self.admission.admit(&tenant.name)?;
        let (me, t) = (self.clone(), tenant.name.clone());
        blocking(move || {
            let info = me.evaluator.check_keys(&keys).map_err(Error::BadRequest)?;
            me.records
                .put(&keys_record(&t), &keys)
                .map_err(store_failure)?;
            Ok(info)
        })
        .await
    }

    /// Stores `model` as `tenant`'s model `name`; durable when it returns.
    pub async fn put_model(
        self: &Arc<Self>,
        tenant: &Tenant,
        path_tenant: &str,
        name: &str,
        model: Bytes,
    ) -> Result<()> {
        self.check_running()?;
        Self::owner(tenant, path_tenant)?;
        tenants::check_name("model", name)?;
        let _place = self.admission.admit(&tenant.name)?;
        let (me, t, n) = (self.clone(), tenant.name.clone(), name.to_string());
        blocking(move || {
            me.evaluator
                .check_model(&model)
                .map_err(Error::BadRequest)?;
            me.records
                .put(&model_record(&t, &n), &model)
                .map_err(store_failure)
        })
        .await
    }
}
