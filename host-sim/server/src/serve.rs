//! Running the server: the REST and gRPC listeners over one [`Service`],
//! and graceful shutdown.
//!
//! On shutdown (SIGTERM or Ctrl-C from [`terminated`], or any future the
//! caller passes) the service refuses new requests at once (503 /
//! `UNAVAILABLE`, readiness false), both listeners stop accepting
//! connections, and requests already admitted run to their answer before
//! [`run`] returns.

use crate::error::{Error, Result};
use crate::service::Service;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub async fn terminated() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Serves REST on `http` and gRPC on `grpc` until `shutdown` resolves,
/// then drains in-flight requests and returns.
pub async fn run(
    service: Arc<Service>,
    http: TcpListener,
    grpc: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (tx, rx) = watch::channel(false);
    let svc = service.clone();
    tokio::spawn(async move {
        shutdown.await;
        svc.stop();
        let _ = tx.send(true);
    });
    let wait = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let rest = axum::serve(http, crate::rest::router(service.clone()))
        .with_graceful_shutdown(wait(rx.clone()));
    let io = |e: std::io::Error| {
        tracing::error!("listener: {e}");
        Error::Internal("a listener failed")
    };
    match grpc {
        None => rest.await.map_err(io),
        Some(l) => {
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(l);
            let g = tonic::transport::Server::builder()
                .add_service(crate::grpc::server(service))
                .serve_with_incoming_shutdown(incoming, wait(rx));
            let (a, b) = tokio::join!(rest, g);
            a.map_err(io)?;
            b.map_err(|e| {
                tracing::error!("grpc: {e}");
                Error::Internal("the gRPC listener failed")
            })
        }
    }
}
