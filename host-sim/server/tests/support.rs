//! A toy evaluator with an independent rule, a loopback server around it,
//! and a bare HTTP/1.1 client that can also send malformed requests.

// The helpers are named for what they do.
#![allow(missing_docs)]

use hearth_server::memory::MemoryRecords;
use hearth_server::{EvalError, Evaluator, KeyInfo, Limits, Records, Service};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Keys: `K` + 8-byte key id. Models: `M` + one byte `k`. Ciphertexts:
/// `C` + key id + payload. The "evaluation" adds `k` to every payload byte;
/// a payload of `slow` waits until the gate opens.
#[derive(Default)]
pub struct Toy {
    gate: Arc<(Mutex<bool>, Condvar)>,
    waiting: std::sync::atomic::AtomicUsize,
}

impl Toy {
    /// Waits until `n` evaluations wait at the gate.
    pub fn wait_for_waiters(&self, n: usize) {
        while self.waiting.load(std::sync::atomic::Ordering::SeqCst) < n {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn open_gate(&self) {
        let (m, c) = &*self.gate;
        *m.lock().unwrap() = true;
        c.notify_all();
    }
}

pub fn keys(id: u8) -> Vec<u8> {
    let mut k = vec![b'K'];
    k.extend([id; 8]);
    k
}

pub fn ct(id: u8, payload: &[u8]) -> Vec<u8> {
    let mut c = vec![b'C'];
    c.extend([id; 8]);
    c.extend(payload);
    c
}

/// The answer the toy rule gives, computed independently of `Toy`.
pub fn expected(k: u8, payload: &[u8]) -> Vec<u8> {
    payload.iter().map(|b| b.wrapping_add(k)).collect()
}

impl Evaluator for Toy {
    fn check_keys(&self, keys: &[u8]) -> Result<KeyInfo, String> {
        match keys {
            [b'K', id @ ..] if id.len() == 8 => Ok(KeyInfo {
                key_id: id.try_into().unwrap(),
            }),
            _ => Err("not an evaluation-key file".into()),
        }
    }
    fn check_model(&self, model: &[u8]) -> Result<(), String> {
        match model {
            [b'M', _] => Ok(()),
            _ => Err("not a model".into()),
        }
    }
    fn evaluate(
        &self,
        _lane: u32,
        keys: &[u8],
        model: &[u8],
        input: &[u8],
    ) -> Result<Vec<u8>, EvalError> {
        if input.len() < 9 || input[0] != b'C' {
            return Err(EvalError::BadInput("not a hearth ciphertext file".into()));
        }
        if input[1..9] != keys[1..9] {
            return Err(EvalError::Mismatch(
                "encrypted under another key set than this tenant's evaluation keys".into(),
            ));
        }
        let payload = &input[9..];
        if payload == b"slow" {
            let (m, c) = &*self.gate;
            let mut open = m.lock().unwrap();
            self.waiting
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            while !*open {
                open = c.wait(open).unwrap();
            }
        }
        Ok(expected(model[1], payload))
    }
}

pub struct Running {
    pub http: SocketAddr,
    pub grpc: SocketAddr,
    pub toy: Arc<Toy>,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub done: std::sync::mpsc::Receiver<()>,
}

impl Running {
    /// Sends the shutdown signal.
    pub fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Tenants `alice` (key id 1) and `bob` (key id 2) with keys uploaded
/// through the service, a public model `plus3` and alice's own `plus5`.
pub fn start(limits: Limits) -> (Running, String, String) {
    let records = Arc::new(MemoryRecords::default());
    let toy = Arc::new(Toy::default());
    let alice = hearth_server::tenants::add_tenant(records.as_ref(), "alice").unwrap();
    let bob = hearth_server::tenants::add_tenant(records.as_ref(), "bob").unwrap();
    hearth_server::service::add_public_model(records.as_ref(), toy.as_ref(), "plus3", &[b'M', 3])
        .unwrap();
    let (tx_addr, rx_addr) = std::sync::mpsc::channel();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done) = std::sync::mpsc::channel();
    let (r2, t2) = (records, toy.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let service =
                Service::new(r2 as Arc<dyn Records>, t2 as Arc<dyn Evaluator>, limits).unwrap();
            let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx_addr
                .send((http.local_addr().unwrap(), grpc.local_addr().unwrap()))
                .unwrap();
            hearth_server::serve::run(service, http, Some(grpc), async move {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
        let _ = done_tx.send(());
    });
    let (http, grpc) = rx_addr.recv().unwrap();
    let running = Running {
        http,
        grpc,
        toy,
        stop: Some(stop),
        done,
    };
    for (token, t, id) in [(&alice, "alice", 1u8), (&bob, "bob", 2u8)] {
        let r = request(
            http,
            "PUT",
            &format!("/v2/tenants/{t}/keys"),
            Some(token),
            &[],
            &keys(id),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = request(
        http,
        "PUT",
        "/v2/tenants/alice/models/plus5",
        Some(&alice),
        &[],
        &[b'M', 5],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    (running, alice, bob)
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// Sends raw bytes (a whole request, possibly malformed) and reads the
/// answer; `None` when the server closed the connection without one.
pub fn raw(addr: SocketAddr, bytes: &[u8], close_write: bool) -> Option<Reply> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(bytes).ok()?;
    if close_write {
        s.shutdown(std::net::Shutdown::Write).ok()?;
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse(&buf)
}

fn parse(buf: &[u8]) -> Option<Reply> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n")?;
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..eol]).ok()?.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.extend(&rest[eol + 2..eol + 2 + n]);
            rest = &rest[eol + 4 + n..];
        }
        body = out;
    }
    Some(Reply {
        status,
        headers,
        body,
    })
}

/// A well-formed request with `Connection: close`.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, String)],
    body: &[u8],
) -> Reply {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend(body);
    raw(addr, &bytes, false).expect("the server answered")
}

/// An inference request body in JSON (base64 elements).
pub fn json_infer(elements: &[Vec<u8>]) -> Vec<u8> {
    use base64::Engine as _;
    let data: Vec<String> = elements
        .iter()
        .map(|e| base64::engine::general_purpose::STANDARD.encode(e))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "inputs": [{"name": "ciphertexts", "shape": [elements.len()], "datatype": "BYTES", "data": data}]
    }))
    .unwrap()
}

/// An inference request with binary data: (body, header length).
pub fn binary_infer(elements: &[Vec<u8>]) -> (Vec<u8>, usize) {
    let mut data = Vec::new();
    for e in elements {
        data.extend((e.len() as u32).to_le_bytes());
        data.extend(e);
    }
    let mut body = serde_json::to_vec(&serde_json::json!({
        "inputs": [{"name": "ciphertexts", "shape": [elements.len()], "datatype": "BYTES",
                    "parameters": {"binary_data_size": data.len()}}],
        "outputs": [{"name": "logits", "parameters": {"binary_data": true}}]
    }))
    .unwrap();
    let n = body.len();
    body.extend(data);
    (body, n)
}

pub fn small_limits() -> Limits {
    Limits {
        max_request: 64 << 10,
        max_keys: 1 << 10,
        max_model: 1 << 10,
        per_tenant_queue: 2,
        total_queue: 8,
        workers: 2,
        timeout: Duration::from_secs(60),
        retry_after: Duration::from_secs(2),
    }
}
