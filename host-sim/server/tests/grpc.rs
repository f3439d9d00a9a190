//! The gRPC front end over loopback with tonic's generated client.

use crate::support::*;
use hearth_server::grpc::pb;
use pb::grpc_inference_service_client::GrpcInferenceServiceClient;
use pb::model_infer_request::InferInputTensor;
use tonic::Code;

fn infer_request(
    model: &str,
    datatype: &str,
    elements: &[Vec<u8>],
    token: Option<&str>,
) -> tonic::Request<pb::ModelInferRequest> {
    let mut raw = Vec::new();
    for e in elements {
        raw.extend((e.len() as u32).to_le_bytes());
        raw.extend(e);
    }
    let mut r = tonic::Request::new(pb::ModelInferRequest {
        model_name: model.into(),
        id: "r1".into(),
        inputs: vec![InferInputTensor {
            name: "ciphertexts".into(),
            datatype: datatype.into(),
            shape: vec![elements.len() as i64],
            ..Default::default()
        }],
        raw_input_contents: vec![raw],
        ..Default::default()
    });
    if let Some(t) = token {
        r.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    r
}

#[test]
fn model_infer_metadata_and_errors() {
    let (s, alice, bob) = start(small_limits());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = GrpcInferenceServiceClient::connect(format!("http://{}", s.grpc))
            .await
            .unwrap()
            .max_decoding_message_size(64 << 20);
        assert!(
            c.server_live(pb::ServerLiveRequest {})
                .await
                .unwrap()
                .into_inner()
                .live
        );
        assert!(
            c.server_ready(pb::ServerReadyRequest {})
                .await
                .unwrap()
                .into_inner()
                .ready
        );
        let m = c
            .server_metadata(pb::ServerMetadataRequest {})
            .await
            .unwrap()
            .into_inner();
        assert!(m.extensions.iter().any(|e| e == "binary_tensor_data"));

        let mut req = tonic::Request::new(pb::ModelMetadataRequest {
            name: "plus3".into(),
            version: String::new(),
        });
        req.metadata_mut()
            .insert("authorization", format!("Bearer {alice}").parse().unwrap());
        let m = c.model_metadata(req).await.unwrap().into_inner();
        assert_eq!(
            (m.inputs[0].name.as_str(), m.inputs[0].datatype.as_str()),
            ("ciphertexts", "BYTES")
        );

        let payloads: [&[u8]; 2] = [b"hello", &[255, 1]];
        let cts: Vec<Vec<u8>> = payloads.iter().map(|p| ct(1, p)).collect();
        let r = c
            .model_infer(infer_request("plus5", "BYTES", &cts, Some(&alice)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            (
                r.id.as_str(),
                r.outputs[0].name.as_str(),
                r.outputs[0].shape.as_slice()
            ),
            ("r1", "logits", &[2i64][..])
        );
        let raw = &r.raw_output_contents[0];
        let mut at = 0;
        for p in payloads {
            let len = u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()) as usize;
            assert_eq!(&raw[at + 4..at + 4 + len], &expected(5, p)[..]);
            at += 4 + len;
        }
        assert_eq!(at, raw.len());

        let e = c
            .model_infer(infer_request("plus3", "BYTES", &cts, None))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::Unauthenticated);
        let e = c
            .model_infer(infer_request("plus3", "FP32", &cts, Some(&alice)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("datatype FP32"), "{}", e.message());
        // Alice's ciphertexts under bob's token: refused without naming her.
        let e = c
            .model_infer(infer_request("plus3", "BYTES", &cts, Some(&bob)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(
            e.message().contains("another key set") && !e.message().contains("alice"),
            "{}",
            e.message()
        );
        // Alice's model does not exist for bob.
        let e = c
            .model_infer(infer_request("plus5", "BYTES", &[ct(2, b"x")], Some(&bob)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound);
        // Over the message limit (tonic answers OUT_OF_RANGE, naming the limit).
        let big = vec![ct(1, &vec![0u8; 70 << 10])];
        let e = c
            .model_infer(infer_request("plus3", "BYTES", &big, Some(&alice)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::OutOfRange, "{e}");
        assert!(e.message().contains("limit"), "{}", e.message());
        // Still serving.
        let r = c
            .model_infer(infer_request(
                "plus3",
                "BYTES",
                &[ct(1, b"a")],
                Some(&alice),
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.raw_output_contents[0][4..], expected(3, b"a"));
    });
}
