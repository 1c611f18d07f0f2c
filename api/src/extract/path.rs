use actix_web::{error::PathError, HttpRequest};
use gridline_openapi::FieldError;

use crate::error::ApiError;

/// The `PathConfig` error handler: a path segment that does not parse (a
/// malformed UUID, say) is a 400 naming the parameter.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        PathError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let errors = req
        .match_info()
        .iter()
        .map(|(name, value)| FieldError::parameter(name, format!("'{value}' is not valid here: {detail}")))
        .collect::<Vec<_>>();
    let errors = if errors.is_empty() { vec![FieldError::parameter("path", detail)] } else { errors };
    ApiError::InvalidPath(errors).into()
}

/// A UUID path parameter, parsed after authentication so that refusals keep
/// their order (401 before 400).
///
/// # Errors
/// 400 naming the parameter when it is not a UUID.
pub fn path_uuid(req: &HttpRequest, name: &str) -> Result<uuid::Uuid, ApiError> {
    let raw = req.match_info().get(name).unwrap_or_default();
    uuid::Uuid::parse_str(raw)
        .map_err(|_| ApiError::InvalidPath(vec![FieldError::parameter(name, format!("'{raw}' is not a UUID"))]))
}
