//! Limits on what one request and all requests together may take.
//!
//! Admission is two bounded queues: a request takes a place in its
//! tenant's queue and one in the server's (`try_acquire`, never waiting);
//! when either is full it is refused at once with [`Error::Busy`] (HTTP 429
//! or gRPC `RESOURCE_EXHAUSTED`, with `Retry-After`). An admitted request
//! then waits for one of the evaluation workers, all within its time limit.
//! So a tenant that floods the server fills its own queue and is refused,
//! while every other tenant keeps its places.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Sizes, queues and time limits of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest inference request body (JSON header and binary data), bytes.
    pub max_request: u64,
    /// Largest evaluation-key upload, bytes.
    pub max_keys: u64,
    /// Largest model upload, bytes.
    pub max_model: u64,
    /// Requests one tenant may have admitted (queued or running).
    pub per_tenant_queue: usize,
    /// Requests all tenants together may have admitted.
    pub total_queue: usize,
    /// Evaluations running at once.
    pub workers: usize,
    /// Time limit of one request, from admission to answer.
    pub timeout: Duration,
    /// What `Retry-After` tells a refused client.
    pub retry_after: Duration,
}

impl Default for Limits {
    /// 64 MiB requests (a 30-column ciphertext file of `N = 2^13`, depth 3
    /// is about 16 MiB; base64 adds a third), 256 MiB key uploads, 64 MiB
    /// models, 4 requests per tenant, 64 in all, one worker per core, 5
    /// minutes per request.
    fn default() -> Self {
        Self {
            max_request: 64 << 20,
            max_keys: 256 << 20,
            max_model: 64 << 20,
            per_tenant_queue: 4,
            total_queue: 64,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            timeout: Duration::from_secs(300),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// A request's places in the queues; released when dropped.
#[derive(Debug)]
pub struct Admitted {
    _tenant: OwnedSemaphorePermit,
    _total: OwnedSemaphorePermit,
}

/// The queues and the worker pool.
#[derive(Debug)]
pub struct Admission {
    limits: Limits,
    total: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    tenants: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Admission {
    /// Queues of the sizes `limits` gives.
    pub fn new(limits: Limits) -> Self {
        Self {
            total: Arc::new(Semaphore::new(limits.total_queue.max(1))),
            workers: Arc::new(Semaphore::new(limits.workers.max(1))),
            tenants: Mutex::new(HashMap::new()),
            limits,
        }
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Takes a place for `tenant` in both queues, or refuses at once.
    pub fn admit(&self, tenant: &str) -> Result<Admitted> {
        let sem = {
            let mut map = self
                .tenants
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(tenant.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_tenant_queue.max(1))))
                .clone()
        };
        let wait = self.limits.retry_after;
        let t = sem
            .try_acquire_owned()
            .map_err(|_| Error::Busy("this tenant's queue is full", wait))?;
        let all = self
            .total
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::Busy("the server's queue is full", wait))?;
        Ok(Admitted {
            _tenant: t,
            _total: all,
        })
    }

    /// Waits for an evaluation worker.
    pub async fn worker(&self) -> Result<OwnedSemaphorePermit> {
        self.workers
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::ShuttingDown)
    }

    /// Refuses every request still waiting for a worker.
    pub fn close(&self) {
        self.workers.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Admission {
        Admission::new(Limits {
            per_tenant_queue: 2,
            total_queue: 3,
            ..Limits::default()
        })
    }

    #[test]
    fn a_full_tenant_queue_refuses_only_that_tenant() {
        let a = small();
        let x1 = a.admit("x").unwrap();
        let _x2 = a.admit("x").unwrap();
        let e = a.admit("x").unwrap_err();
        assert_eq!((e.http_status(), e.retry_after()), (429, Some(1)));
        let _y = a.admit("y").unwrap();
        // Total of 3 reached: another tenant is refused too.
        assert_eq!(a.admit("z").unwrap_err().http_status(), 429);
        drop(x1);
        assert!(a.admit("z").is_ok());
    }
}
