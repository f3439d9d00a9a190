use super::*;

fn binary_body(elements: &[&[u8]], shape: i64) -> (Bytes, String) {
    let mut data = Vec::new();
    for e in elements {
        data.extend((e.len() as u32).to_le_bytes());
        data.extend(*e);
    }
    let json = format!(
        r#"{{"inputs":[{{"name":"ciphertexts","shape":[{shape}],"datatype":"BYTES","parameters":{{"binary_data_size":{}}}}}],"outputs":[{{"name":"logits","parameters":{{"binary_data":true}}}}]}}"#,
        data.len()
    );
    let n = json.len().to_string();
    let mut body = json.into_bytes();
    body.extend(data);
    (Bytes::from(body), n)
}

#[test]
fn binary_elements_are_split_by_their_lengths() {
    let (body, n) = binary_body(&[b"abc", b"", &[0xff; 300]], 3);
    let r = decode(body, Some(&n)).unwrap();
    assert!(r.binary_output);
    assert_eq!(r.outputs, vec!["logits".to_string()]);
    let e = &r.inputs[0].elements;
    assert_eq!(e.len(), 3);
    assert_eq!(
        (&e[0][..], e[1].len(), &e[2][..]),
        (&b"abc"[..], 0, &[0xff; 300][..])
    );
}

#[test]
fn json_elements_are_base64() {
    let body = r#"{"id":"7","inputs":[{"name":"ciphertexts","shape":[1,2],"datatype":"BYTES","data":["aGk=","AAEC"]}]}"#;
    let r = decode(Bytes::from(body), None).unwrap();
    assert_eq!(r.id.as_deref(), Some("7"));
    assert!(!r.binary_output);
    assert_eq!(
        r.inputs[0].elements,
        vec![Bytes::from("hi"), Bytes::from(vec![0u8, 1, 2])]
    );
}

#[test]
fn every_truncation_of_a_binary_body_is_refused() {
    let (body, n) = binary_body(&[b"abcdef", b"xyz"], 2);
    let json_len: usize = n.parse().unwrap();
    for cut in json_len..body.len() {
        let e = decode(body.slice(..cut), Some(&n)).unwrap_err();
        assert_eq!(e.http_status(), 400, "{cut}: {e}");
    }
}

#[test]
fn lying_lengths_are_refused_with_their_reason() {
    let (body, n) = binary_body(&[b"abcdef"], 1);
    let too_long = (body.len() + 1).to_string();
    let e = decode(body.clone(), Some(&too_long)).unwrap_err();
    assert!(e.to_string().contains("but the body has"), "{e}");
    let e = decode(body.clone(), Some("x1")).unwrap_err();
    assert!(e.to_string().contains("not a number"), "{e}");
    // An element length beyond the data.
    let mut raw = body.to_vec();
    let at: usize = n.parse().unwrap();
    raw[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
    let e = decode(Bytes::from(raw), Some(&n)).unwrap_err();
    assert!(e.to_string().contains("only 6 remain"), "{e}");
    // Extra bytes after the last input.
    let mut raw = body.to_vec();
    raw.push(0);
    let e = decode(Bytes::from(raw), Some(&n)).unwrap_err();
    assert!(e.to_string().contains("after the last input"), "{e}");
}

#[test]
fn wrong_shape_datatype_and_base64_are_named() {
    let cases = [
        (
            r#"{"inputs":[{"name":"c","shape":[2],"datatype":"BYTES","data":["aGk="]}]}"#,
            "carries 1",
        ),
        (
            r#"{"inputs":[{"name":"c","shape":[1],"datatype":"FP32","data":[1.0]}]}"#,
            "datatype FP32",
        ),
        (
            r#"{"inputs":[{"name":"c","shape":[1],"datatype":"BYTES","data":["not base64!"]}]}"#,
            "not base64",
        ),
        (
            r#"{"inputs":[{"name":"c","shape":[-1],"datatype":"BYTES","data":[]}]}"#,
            "negative",
        ),
        (
            r#"{"inputs":[{"name":"c","shape":[100000],"datatype":"BYTES","data":[]}]}"#,
            "more than",
        ),
        (
            r#"{"inputs":[{"name":"c","shape":[1],"datatype":"BYTES"}]}"#,
            "neither",
        ),
        (
            r#"{"inputs":[{"name":"c","shape":[1],"datatype":"BYTES","data":[3]}]}"#,
            "base64 strings",
        ),
        (r#"{"inputs": 5}"#, "does not parse"),
    ];
    for (body, want) in cases {
        let e = decode(Bytes::from(body), None).unwrap_err();
        assert_eq!(e.http_status(), 400);
        assert!(e.to_string().contains(want), "{body}: {e}");
    }
}

#[test]
fn answers_round_trip_through_the_decoder() {
    let outs = [Output {
        name: "logits".into(),
        elements: vec![vec![1, 2, 3], vec![], vec![9; 70]],
    }];
    // Binary: the tail after the header is the elements with their lengths.
    let (body, n) = encode("m", Some("id1"), &outs, true).unwrap();
    let n = n.unwrap();
    let head: Value = serde_json::from_slice(&body[..n]).unwrap();
    assert_eq!(head["id"], "id1");
    assert_eq!(
        head["outputs"][0]["parameters"]["binary_data_size"],
        4 * 3 + 73
    );
    let back = split_bytes("logits", &Bytes::from(body[n..].to_vec())).unwrap();
    assert_eq!(
        back,
        outs[0]
            .elements
            .iter()
            .map(|e| Bytes::from(e.clone()))
            .collect::<Vec<_>>()
    );
    // JSON: base64 strings.
    let (body, n) = encode("m", None, &outs, false).unwrap();
    assert!(n.is_none());
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["outputs"][0]["data"][0], "AQID");
    assert_eq!(v["outputs"][0]["data"][1], "");
    assert_eq!(v["outputs"][0]["shape"][0], 3);
}
