use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures::{future::LocalBoxFuture, StreamExt};
use gridline_openapi::FieldError;
use serde::de::DeserializeOwned;

use super::{hostile, limits::BodySchemas, pointer_for, strip_position};
use crate::error::ApiError;

/// The largest request body accepted, in bytes (`GRIDLINE_MAX_BODY_BYTES`).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body. Wrong media type: 415; too large: 413; not JSON: 400; JSON
/// of the wrong shape: 422 with a JSON Pointer to the field at fault.
///
/// Extraction itself never fails: the outcome waits in [`ValidJson::parse`]
/// so that a handler answers 401, 404 and 403 before it judges the body.
pub struct ValidJson<T> {
    parsed: Result<T, ApiError>,
    digest: Vec<u8>,
}

impl<T> ValidJson<T> {
    /// The body, or why it is unacceptable.
    ///
    /// # Errors
    /// 413, 415, 400 or 422 as described on the type.
    pub fn parse(self) -> Result<T, ApiError> {
        self.parsed
    }

    /// SHA-256 of the body in canonical form (keys sorted, no white space), so
    /// that the same content sent twice compares equal however it was spelt.
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }
}

impl<T: DeserializeOwned + utoipa::ToSchema + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<BodyLimit>>().map_or(1024 * 1024, |l| l.0);
        let schemas = req.app_data::<web::Data<BodySchemas>>().cloned();
        let checked = check_headers(req, limit);
        let mut payload = payload.take();
        Box::pin(async move {
            let (parsed, digest) = match read_bytes(checked, &mut payload, limit).await {
                // Parsed once: the digest is taken of the same value that is judged.
                Ok(body) => match json_value(&body) {
                    Ok(value) => {
                        let digest = sha256(&serde_json::to_vec(&value).unwrap_or_default());
                        (judge(value, schemas.as_ref().map(|s| s.get_ref()), &T::name()), digest)
                    }
                    Err(e) => (Err(e), sha256(&body)),
                },
                Err(e) => (Err(e), Vec::new()),
            };
            Ok(ValidJson { parsed, digest })
        })
    }
}

/// SHA-256 of the canonical form of a JSON body (of the bytes, if not JSON).
pub fn canonical_digest(body: &[u8]) -> Vec<u8> {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_vec(&v).ok())
        .unwrap_or_else(|| body.to_vec());
    sha256(&canonical)
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().to_vec()
}

async fn read_bytes(
    checked: Result<(), ApiError>,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    checked?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedJson(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn check_headers(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    match content_type {
        Some(ct) if ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json")) => {}
        _ => return Err(ApiError::UnsupportedMediaType),
    }
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > limit => Err(ApiError::PayloadTooLarge { limit }),
        _ => Ok(()),
    }
}

/// Deserializes a body, telling syntax errors (400) from shape errors (422),
/// and refusing forbidden characters anywhere in it (422).
///
/// # Errors
/// [`ApiError::MalformedJson`] or [`ApiError::Validation`].
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    parse_checked(body, None, "")
}

/// Like [`parse`], and first the sizes the document gives the schema `name`:
/// every fault of characters and sizes is listed before the shape is judged.
fn parse_checked<T: DeserializeOwned>(body: &[u8], schemas: Option<&BodySchemas>, name: &str) -> Result<T, ApiError> {
    judge(json_value(body)?, schemas, name)
}

/// The body as JSON; 400 when it is empty or not JSON.
fn json_value(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::MalformedJson("the body is empty".into()));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// Characters, then the document's sizes, then the shape of `T`.
fn judge<T: DeserializeOwned>(
    value: serde_json::Value,
    schemas: Option<&BodySchemas>,
    name: &str,
) -> Result<T, ApiError> {
    let mut errors = Vec::new();
    hostile::scan(&value, &mut String::new(), &mut errors);
    if let Some(schemas) = schemas {
        errors.extend(schemas.check(name, &value));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = strip_position(&err.into_inner().to_string());
        ApiError::Validation(vec![FieldError::pointer(pointer_for(&path, &message), message)])
    })
}
