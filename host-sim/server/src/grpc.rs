//! The gRPC front end (tonic): `inference.GRPCInferenceService` of the
//! Open Inference Protocol. A tenant's token travels as the
//! `authorization: Bearer …` metadata entry. Ciphertexts are BYTES tensors
//! in `raw_input_contents` (4-byte little-endian length, bytes, per
//! element) or in `contents.bytes_contents`; answers use
//! `raw_output_contents`. Messages may be as large as the server's request
//! limit ([`crate::limits::Limits::max_request`]); tonic's default of
//! 4 MiB would not hold one ciphertext file.

use crate::error::Error;
use crate::service::{Service, EXTENSIONS, INPUT, OUTPUT, PLATFORM, SERVER_NAME};
use crate::tenants::Tenant;
use crate::tensors::{self, Request as Infer, Tensor, BYTES};
use bytes::Bytes;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The generated protocol types and service (from `proto/inference.proto`).
#[allow(missing_docs, clippy::all)]
pub mod pb {
    tonic::include_proto!("inference");
}

use pb::grpc_inference_service_server::{GrpcInferenceService, GrpcInferenceServiceServer};
use pb::model_infer_response::InferOutputTensor;
use pb::model_metadata_response::TensorMetadata;

/// The gRPC service over a [`Service`].
#[derive(Debug, Clone)]
pub struct Grpc(pub Arc<Service>);

/// The tonic server for `service`, with message limits from its limits.
pub fn server(service: Arc<Service>) -> GrpcInferenceServiceServer<Grpc> {
    let max = usize::try_from(service.limits().max_request).unwrap_or(usize::MAX);
    GrpcInferenceServiceServer::new(Grpc(service))
        .max_decoding_message_size(max)
        .max_encoding_message_size(max)
}

impl Grpc {
    async fn tenant<T>(&self, req: &Request<T>) -> Result<Tenant, Status> {
        let h = req
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        Ok(self.0.authenticate(h).await?)
    }
}

fn tensor_meta(name: &str) -> TensorMetadata {
    TensorMetadata {
        name: name.into(),
        datatype: BYTES.into(),
        shape: vec![-1],
    }
}

fn decode(req: pb::ModelInferRequest) -> Result<Infer, Error> {
    let raw = req.raw_input_contents;
    if !raw.is_empty() && raw.len() != req.inputs.len() {
        return Err(Error::BadRequest(format!(
            "{} raw_input_contents for {} inputs",
            raw.len(),
            req.inputs.len()
        )));
    }
    let mut inputs = Vec::with_capacity(req.inputs.len());
    for (k, i) in req.inputs.into_iter().enumerate() {
        if i.datatype != BYTES {
            return Err(Error::BadRequest(format!(
                "input `{}` has datatype {}; hearth's models take {BYTES} tensors (ciphertexts)",
                i.name, i.datatype
            )));
        }
        let count = tensors::element_count(&i.name, &i.shape)?;
        let elements = match raw.get(k) {
            Some(r) => tensors::split_bytes(&i.name, &Bytes::from(r.clone()))?,
            None => i
                .contents
                .map(|c| c.bytes_contents.into_iter().map(Bytes::from).collect())
                .unwrap_or_default(),
        };
        if elements.len() != count {
            return Err(Error::BadRequest(format!(
                "input `{}` has shape {:?} ({count} elements) but carries {}",
                i.name,
                i.shape,
                elements.len()
            )));
        }
        inputs.push(Tensor {
            name: i.name,
            datatype: i.datatype,
            shape: i.shape,
            elements,
        });
    }
    Ok(Infer {
        id: Some(req.id).filter(|s| !s.is_empty()),
        inputs,
        outputs: req.outputs.into_iter().map(|o| o.name).collect(),
        binary_output: true,
    })
}

#[tonic::async_trait]
impl GrpcInferenceService for Grpc {
    async fn server_live(
        &self,
        _: Request<pb::ServerLiveRequest>,
    ) -> Result<Response<pb::ServerLiveResponse>, Status> {
        Ok(Response::new(pb::ServerLiveResponse { live: true }))
    }

    async fn server_ready(
        &self,
        _: Request<pb::ServerReadyRequest>,
    ) -> Result<Response<pb::ServerReadyResponse>, Status> {
        Ok(Response::new(pb::ServerReadyResponse {
            ready: self.0.ready(),
        }))
    }

    async fn model_ready(
        &self,
        req: Request<pb::ModelReadyRequest>,
    ) -> Result<Response<pb::ModelReadyResponse>, Status> {
        let t = self.tenant(&req).await?;
        let ready = self.0.model_ready(&t, &req.get_ref().name).await?;
        Ok(Response::new(pb::ModelReadyResponse { ready }))
    }

    async fn server_metadata(
        &self,
        _: Request<pb::ServerMetadataRequest>,
    ) -> Result<Response<pb::ServerMetadataResponse>, Status> {
        Ok(Response::new(pb::ServerMetadataResponse {
            name: SERVER_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            extensions: EXTENSIONS.iter().map(|e| e.to_string()).collect(),
        }))
    }

    async fn model_metadata(
        &self,
        req: Request<pb::ModelMetadataRequest>,
    ) -> Result<Response<pb::ModelMetadataResponse>, Status> {
        let t = self.tenant(&req).await?;
        let name = req.into_inner().name;
        self.0.model_exists(&t, &name).await?;
        Ok(Response::new(pb::ModelMetadataResponse {
            name,
            versions: vec!["1".into()],
            platform: PLATFORM.into(),
            inputs: vec![tensor_meta(INPUT)],
            outputs: vec![tensor_meta(OUTPUT)],
        }))
    }

    async fn model_infer(
        &self,
        req: Request<pb::ModelInferRequest>,
    ) -> Result<Response<pb::ModelInferResponse>, Status> {
        let t = self.tenant(&req).await?;
        let req = req.into_inner();
        let model = req.model_name.clone();
        let infer = decode(req)?;
        let id = infer.id.clone().unwrap_or_default();
        let out = self.0.infer(&t, &model, infer).await?;
        Ok(Response::new(pb::ModelInferResponse {
            model_name: model,
            model_version: "1".into(),
            id,
            parameters: Default::default(),
            outputs: vec![InferOutputTensor {
                name: out.name.clone(),
                datatype: BYTES.into(),
                shape: vec![out.elements.len() as i64],
                parameters: Default::default(),
                contents: None,
            }],
            raw_output_contents: vec![tensors::join_bytes(&out.elements)],
        }))
    }
}
