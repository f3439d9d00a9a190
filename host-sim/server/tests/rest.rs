//! The REST front end over loopback, with a toy evaluator: routes, both
//! tensor encodings, tenants' isolation, limits, bad input, shutdown.

use crate::support::*;
use base64::Engine as _;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[test]
fn health_and_metadata() {
    let (s, alice, _) = start(small_limits());
    assert_eq!(
        request(s.http, "GET", "/v2/health/live", None, &[], b"").status,
        200
    );
    assert_eq!(
        request(s.http, "GET", "/v2/health/ready", None, &[], b"").status,
        200
    );
    let m = request(s.http, "GET", "/v2", None, &[], b"").json();
    assert_eq!(m["name"], "hearth");
    assert!(m["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "binary_tensor_data"));
    let r = request(s.http, "GET", "/v2/models/plus3", Some(&alice), &[], b"");
    let m = r.json();
    assert_eq!(
        (
            m["inputs"][0]["name"].as_str(),
            m["inputs"][0]["datatype"].as_str()
        ),
        (Some("ciphertexts"), Some("BYTES"))
    );
    assert_eq!(m["outputs"][0]["name"], "logits");
    assert_eq!(
        request(
            s.http,
            "GET",
            "/v2/models/plus3/ready",
            Some(&alice),
            &[],
            b""
        )
        .status,
        200
    );
    assert_eq!(
        request(
            s.http,
            "GET",
            "/v2/models/plus5/versions/1/ready",
            Some(&alice),
            &[],
            b""
        )
        .status,
        200
    );
}

#[test]
fn json_and_binary_inference_give_the_rule_s_answer() {
    let (s, alice, _) = start(small_limits());
    let payloads: [&[u8]; 3] = [b"abc", &[250, 251, 0], b""];
    let cts: Vec<Vec<u8>> = payloads.iter().map(|p| ct(1, p)).collect();
    // JSON, base64 both ways.
    let r = request(
        s.http,
        "POST",
        "/v2/models/plus3/infer",
        Some(&alice),
        &[],
        &json_infer(&cts),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    for (i, p) in payloads.iter().enumerate() {
        let got = B64
            .decode(v["outputs"][0]["data"][i].as_str().unwrap())
            .unwrap();
        assert_eq!(got, expected(3, p));
    }
    // Binary, with alice's own model.
    let (body, n) = binary_infer(&cts);
    let r = request(
        s.http,
        "POST",
        "/v2/models/plus5/infer",
        Some(&alice),
        &[("Inference-Header-Content-Length", n.to_string())],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let hl: usize = r
        .header("inference-header-content-length")
        .unwrap()
        .parse()
        .unwrap();
    let head: serde_json::Value = serde_json::from_slice(&r.body[..hl]).unwrap();
    assert_eq!(head["outputs"][0]["shape"][0], 3);
    let mut at = hl;
    for p in payloads {
        let len = u32::from_le_bytes(r.body[at..at + 4].try_into().unwrap()) as usize;
        assert_eq!(&r.body[at + 4..at + 4 + len], &expected(5, p)[..]);
        at += 4 + len;
    }
    assert_eq!(at, r.body.len());
}

#[test]
fn a_tenant_cannot_use_another_tenant_s_keys_models_or_routes() {
    let (s, alice, bob) = start(small_limits());
    // Bob sends a ciphertext under alice's key id: refused, naming no one.
    let r = request(
        s.http,
        "POST",
        "/v2/models/plus3/infer",
        Some(&bob),
        &[],
        &json_infer(&[ct(1, b"x")]),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("another key set"), "{msg}");
    assert!(!msg.contains("alice") && !msg.contains("tenants/"), "{msg}");
    // Alice's private model is invisible to bob, exactly like a missing one.
    let own = request(
        s.http,
        "POST",
        "/v2/models/plus5/infer",
        Some(&bob),
        &[],
        &json_infer(&[ct(2, b"x")]),
    );
    let none = request(
        s.http,
        "POST",
        "/v2/models/nope/infer",
        Some(&bob),
        &[],
        &json_infer(&[ct(2, b"x")]),
    );
    assert_eq!((own.status, none.status), (404, 404));
    assert_eq!(
        own.json()["error"].as_str().unwrap().replace("plus5", "M"),
        none.json()["error"].as_str().unwrap().replace("nope", "M")
    );
    // Bob cannot replace alice's keys or add her models.
    let r = request(
        s.http,
        "PUT",
        "/v2/tenants/alice/keys",
        Some(&bob),
        &[],
        &keys(2),
    );
    assert_eq!(r.status, 403);
    let r = request(
        s.http,
        "PUT",
        "/v2/tenants/alice/models/m",
        Some(&bob),
        &[],
        &[b'M', 1],
    );
    assert_eq!(r.status, 403);
    // Alice's keys are unchanged: her ciphertext still evaluates.
    let r = request(
        s.http,
        "POST",
        "/v2/models/plus3/infer",
        Some(&alice),
        &[],
        &json_infer(&[ct(1, b"x")]),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn missing_or_wrong_tokens_are_refused() {
    let (s, alice, _) = start(small_limits());
    let body = json_infer(&[ct(1, b"x")]);
    for token in [None, Some("0".repeat(64)), Some(alice[..63].to_string())] {
        let r = request(
            s.http,
            "POST",
            "/v2/models/plus3/infer",
            token.as_deref(),
            &[],
            &body,
        );
        assert_eq!(r.status, 401, "{token:?}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert!(r.text().contains("bearer token"));
    }
    let r = request(s.http, "GET", "/v2/models/plus3", None, &[], b"");
    assert_eq!(r.status, 401);
}

#[test]
fn bad_input_gets_a_clear_4xx_and_the_server_keeps_serving() {
    let (s, alice, _) = start(small_limits());
    let infer = |headers: &[(&str, String)], body: &[u8]| {
        request(
            s.http,
            "POST",
            "/v2/models/plus3/infer",
            Some(&alice),
            headers,
            body,
        )
    };
    let (bin, n) = binary_infer(&[ct(1, b"abcdef")]);
    let hl = |n: usize| vec![("Inference-Header-Content-Length", n.to_string())];
    type Case<'a> = (Vec<(&'a str, String)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![], br#"{"inputs":[{"name":"ciphertexts","shape":[1],"datatype":"BYTES","data":["@@"]}]}"#.to_vec(), 400, "not base64"),
        (vec![], br#"{"inputs":[{"name":"ciphertexts","shape":[2],"datatype":"BYTES","data":["QUE="]}]}"#.to_vec(), 400, "shape"),
        (vec![], br#"{"inputs":[{"name":"ciphertexts","shape":[1],"datatype":"FP32","data":[1]}]}"#.to_vec(), 400, "datatype FP32"),
        (vec![], br#"{"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":["QUE="]}]}"#.to_vec(), 400, "one input"),
        (vec![], json_infer(&[b"garbage".to_vec()]), 400, "not a hearth ciphertext"),
        (hl(n), bin[..bin.len() - 2].to_vec(), 400, "truncated"),
        (hl(bin.len() + 10), bin.clone(), 400, "Inference-Header-Content-Length"),
        (vec![], vec![b'{'; 70 << 10], 413, "limit"),
        (vec![], b"not json".to_vec(), 400, "does not parse"),
    ];
    for (h, body, status, want) in cases {
        let r = infer(&h, &body);
        assert_eq!(r.status, status, "{want}: {}", r.text());
        let msg = r.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(want), "{want}: {msg}");
    }
    // Keys and models are checked and limited too.
    let r = request(
        s.http,
        "PUT",
        "/v2/tenants/alice/keys",
        Some(&alice),
        &[],
        b"not keys",
    );
    assert_eq!(
        (r.status, r.json()["error"].as_str().unwrap()),
        (400, "not an evaluation-key file")
    );
    let r = request(
        s.http,
        "PUT",
        "/v2/tenants/alice/keys",
        Some(&alice),
        &[],
        &vec![b'K'; 2000],
    );
    assert_eq!(r.status, 413);
    // Still serving.
    let r = infer(&[], &json_infer(&[ct(1, b"ok")]));
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn lying_content_length_and_oversized_streams_are_refused() {
    let (s, alice, _) = start(small_limits());
    // Announces more than it sends, then closes: no answer or a 400, never a 200.
    let body = json_infer(&[ct(1, b"abc")]);
    let head = format!(
        "POST /v2/models/plus3/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {alice}\r\nContent-Length: {}\r\n\r\n",
        body.len() + 100
    );
    let mut bytes = head.into_bytes();
    bytes.extend(&body);
    if let Some(r) = raw(s.http, &bytes, true) {
        assert_eq!(r.status, 400, "{}", r.text());
    }
    // A chunked body that grows past the limit without announcing it.
    let mut req = format!(
        "POST /v2/models/plus3/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {alice}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..80 {
        req.extend(format!("{:x}\r\n", 1024).into_bytes());
        req.extend(vec![b' '; 1024]);
        req.extend(b"\r\n");
    }
    req.extend(b"0\r\n\r\n");
    let r = raw(s.http, &req, false).expect("an answer");
    assert_eq!(r.status, 413, "{}", r.text());
    // An announced length over the limit is refused before the body is read.
    let r = raw(
        s.http,
        format!("POST /v2/models/plus3/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {alice}\r\nContent-Length: 999999999\r\n\r\n").as_bytes(),
        true,
    )
    .expect("an answer");
    assert_eq!(r.status, 413);
    let r = request(
        s.http,
        "POST",
        "/v2/models/plus3/infer",
        Some(&alice),
        &[],
        &json_infer(&[ct(1, b"ok")]),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn a_full_tenant_queue_gets_429_while_others_are_served() {
    let (s, alice, bob) = start(small_limits());
    // Two slow requests fill alice's queue (per tenant: 2) and both workers.
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let (addr, t) = (s.http, alice.clone());
            std::thread::spawn(move || {
                request(
                    addr,
                    "POST",
                    "/v2/models/plus3/infer",
                    Some(&t),
                    &[],
                    &json_infer(&[ct(1, b"slow")]),
                )
            })
        })
        .collect();
    s.toy.wait_for_waiters(2);
    let third = request(
        s.http,
        "POST",
        "/v2/models/plus3/infer",
        Some(&alice),
        &[],
        &json_infer(&[ct(1, b"x")]),
    );
    assert_eq!(third.status, 429, "{}", third.text());
    assert_eq!(third.header("retry-after"), Some("2"));
    assert!(third.text().contains("tenant's queue is full"));
    // Bob is admitted; he waits for a worker, which the gate frees.
    let bob_req = {
        let (addr, t) = (s.http, bob.clone());
        std::thread::spawn(move || {
            request(
                addr,
                "POST",
                "/v2/models/plus3/infer",
                Some(&t),
                &[],
                &json_infer(&[ct(2, b"b")]),
            )
        })
    };
    s.toy.open_gate();
    for h in slow {
        let r = h.join().unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = bob_req.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        B64.decode(r.json()["outputs"][0]["data"][0].as_str().unwrap())
            .unwrap(),
        expected(3, b"b")
    );
}

#[test]
fn a_request_over_its_time_limit_gets_504() {
    let mut limits = small_limits();
    limits.timeout = std::time::Duration::from_millis(300);
    let (s, alice, _) = start(limits);
    let r = request(
        s.http,
        "POST",
        "/v2/models/plus3/infer",
        Some(&alice),
        &[],
        &json_infer(&[ct(1, b"slow")]),
    );
    assert_eq!(r.status, 504, "{}", r.text());
    s.toy.open_gate();
}

#[test]
fn shutdown_finishes_in_flight_requests_and_refuses_new_ones() {
    let (mut s, alice, _) = start(small_limits());
    let in_flight = {
        let (addr, t) = (s.http, alice.clone());
        std::thread::spawn(move || {
            request(
                addr,
                "POST",
                "/v2/models/plus3/infer",
                Some(&t),
                &[],
                &json_infer(&[ct(1, b"slow")]),
            )
        })
    };
    s.toy.wait_for_waiters(1);
    s.shutdown();
    // New requests are refused (no connection, or 503), never served:
    // poll until the shutdown has reached the listener.
    loop {
        let ready = b"GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let answer = std::net::TcpStream::connect(s.http)
            .ok()
            .and_then(|_| raw(s.http, ready, false));
        match answer {
            None => break,
            Some(r) if r.status == 503 => break,
            Some(r) => assert_eq!(r.status, 200),
        }
    }
    assert!(
        s.done.try_recv().is_err(),
        "stopped before the in-flight request finished"
    );
    s.toy.open_gate();
    let r = in_flight.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    s.done.recv().unwrap();
}
