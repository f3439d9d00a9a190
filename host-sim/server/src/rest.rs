//! The REST front end (axum): the Open Inference Protocol's health,
//! metadata and inference routes, and hearth's routes for a tenant's keys
//! and models.
//!
//! | route | |
//! |---|---|
//! | `GET /v2/health/live`, `GET /v2/health/ready` | liveness; readiness (503 while shutting down) |
//! | `GET /v2` | server metadata (extensions: `binary_tensor_data`) |
//! | `GET /v2/models/{m}[/versions/{v}]` | model metadata (token) |
//! | `GET /v2/models/{m}[/versions/{v}]/ready` | 200 when the tenant can use `m` (token) |
//! | `POST /v2/models/{m}[/versions/{v}]/infer` | inference, JSON or binary tensors (token) |
//! | `PUT /v2/tenants/{t}/keys` | the tenant's public evaluation keys (token of `t`) |
//! | `PUT /v2/tenants/{t}/models/{m}` | a model of the tenant's own (token of `t`) |
//!
//! Bodies are read frame by frame against their limit (an announced
//! `Content-Length` over the limit is refused before a byte is read).
//! Errors are `{"error": "…"}` with the status of [`Error::http_status`]
//! and `Retry-After` where one applies.

use crate::error::Error;
use crate::service::{Service, EXTENSIONS, INPUT, OUTPUT, PLATFORM, SERVER_NAME};
use crate::tenants::Tenant;
use crate::tensors::{self, BYTES, HEADER_LENGTH};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use serde_json::json;
use std::sync::Arc;

type Shared = State<Arc<Service>>;

/// An [`Error`] as an HTTP answer.
#[derive(Debug)]
pub struct Failure(pub Error);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, Json(json!({ "error": self.0.to_string() }))).into_response();
        if let Some(secs) = self.0.retry_after() {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if matches!(self.0, Error::Unauthenticated) {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

type Answer = Result<Response, Failure>;

/// The router of every route above.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2", get(server_metadata))
        .route("/v2/models/{m}", get(model_metadata))
        .route("/v2/models/{m}/versions/{v}", get(model_metadata_v))
        .route("/v2/models/{m}/ready", get(model_ready))
        .route("/v2/models/{m}/versions/{v}/ready", get(model_ready_v))
        .route("/v2/models/{m}/infer", post(infer))
        .route("/v2/models/{m}/versions/{v}/infer", post(infer_v))
        .route("/v2/tenants/{t}/keys", put(put_keys))
        .route("/v2/tenants/{t}/models/{m}", put(put_model))
        .fallback(|| async { Failure(Error::NotFound("no such route".into())) })
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(service)
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "live": true }))
}

async fn ready(State(s): Shared) -> Response {
    let status = if s.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(json!({ "ready": s.ready() }))).into_response()
}

async fn server_metadata() -> Json<serde_json::Value> {
    Json(json!({
        "name": SERVER_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": EXTENSIONS,
    }))
}

async fn tenant(s: &Arc<Service>, headers: &HeaderMap) -> Result<Tenant, Failure> {
    let h = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    Ok(s.authenticate(h).await?)
}

async fn model_metadata(State(s): Shared, Path(m): Path<String>, headers: HeaderMap) -> Answer {
    let t = tenant(&s, &headers).await?;
    s.model_exists(&t, &m).await?;
    let tensor = |name: &str| json!({ "name": name, "datatype": BYTES, "shape": [-1] });
    Ok(Json(json!({
        "name": m,
        "versions": ["1"],
        "platform": PLATFORM,
        "inputs": [tensor(INPUT)],
        "outputs": [tensor(OUTPUT)],
    }))
    .into_response())
}

async fn model_metadata_v(
    s: Shared,
    Path((m, _v)): Path<(String, String)>,
    h: HeaderMap,
) -> Answer {
    model_metadata(s, Path(m), h).await
}

async fn model_ready(State(s): Shared, Path(m): Path<String>, headers: HeaderMap) -> Answer {
    let t = tenant(&s, &headers).await?;
    if s.model_ready(&t, &m).await? {
        Ok(Json(json!({ "name": m, "ready": true })).into_response())
    } else {
        Err(Error::NotFound(format!("model `{m}` not found")).into())
    }
}

async fn model_ready_v(s: Shared, Path((m, _v)): Path<(String, String)>, h: HeaderMap) -> Answer {
    model_ready(s, Path(m), h).await
}

/// Reads `body` up to `limit` bytes.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
    what: &'static str,
) -> Result<Bytes, Failure> {
    if let Some(len) = headers.get(header::CONTENT_LENGTH) {
        let len: u64 = len
            .to_str()
            .ok()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::BadRequest("Content-Length is not a number".into()))?;
        if len > limit {
            return Err(Error::TooLarge {
                what,
                actual: len,
                limit,
            }
            .into());
        }
    }
    let mut body = body;
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Error::BadRequest(format!("the body ended early or could not be read: {e}"))
        })?;
        if let Ok(data) = frame.into_data() {
            let total = buf.len() as u64 + data.len() as u64;
            if total > limit {
                return Err(Error::TooLarge {
                    what,
                    actual: total,
                    limit,
                }
                .into());
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

async fn infer(State(s): Shared, Path(m): Path<String>, headers: HeaderMap, body: Body) -> Answer {
    let t = tenant(&s, &headers).await?;
    let body = read_body(
        &headers,
        body,
        s.limits().max_request,
        "the inference request",
    )
    .await?;
    let header_len = match headers.get(HEADER_LENGTH) {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            Error::BadRequest("Inference-Header-Content-Length is not text".into())
        })?),
    };
    let req = tensors::decode(body, header_len)?;
    let (id, binary) = (req.id.clone(), req.binary_output);
    let out = s.infer(&t, &m, req).await?;
    let (body, json_len) = tensors::encode(&m, id.as_deref(), &[out], binary)?;
    let mut r = Response::new(Body::from(body));
    let h = r.headers_mut();
    match json_len {
        Some(n) => {
            h.insert(HEADER_LENGTH, HeaderValue::from(n));
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
        }
        None => {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
    }
    Ok(r)
}

async fn infer_v(
    s: Shared,
    Path((m, _v)): Path<(String, String)>,
    h: HeaderMap,
    body: Body,
) -> Answer {
    infer(s, Path(m), h, body).await
}

async fn put_keys(
    State(s): Shared,
    Path(t): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let me = tenant(&s, &headers).await?;
    if me.name != t {
        return Err(Error::Forbidden.into());
    }
    let body = read_body(&headers, body, s.limits().max_keys, "the evaluation keys").await?;
    let size = body.len();
    let info = s.put_keys(&me, &t, body).await?;
    let id: String = info.key_id.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Json(json!({ "tenant": t, "key_id": id, "bytes": size })).into_response())
}

async fn put_model(
    State(s): Shared,
    Path((t, m)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let me = tenant(&s, &headers).await?;
    if me.name != t {
        return Err(Error::Forbidden.into());
    }
    let body = read_body(&headers, body, s.limits().max_model, "the model").await?;
    let size = body.len();
    s.put_model(&me, &t, &m, body).await?;
    Ok(Json(json!({ "tenant": t, "model": m, "bytes": size })).into_response())
}
