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
        .map(|(name, value)| {
            let shown: String = value.chars().filter(|c| !super::hostile::forbidden(*c)).take(64).collect();
            FieldError::parameter(name, format!("'{shown}' is not valid here: {detail}"))
        })
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
    let raw = path_text(req, name)?;
    uuid::Uuid::parse_str(raw)
        .map_err(|_| ApiError::InvalidPath(vec![FieldError::parameter(name, format!("'{raw}' is not a UUID"))]))
}

/// A text path parameter, refused (400) when it holds a forbidden character
/// or is longer than any name Gridline gives (64 characters).
///
/// # Errors
/// 400 naming the parameter.
pub fn path_text<'a>(req: &'a HttpRequest, name: &str) -> Result<&'a str, ApiError> {
    let raw = req.match_info().get(name).unwrap_or_default();
    if let Some(detail) = super::hostile::fault(raw) {
        return Err(ApiError::InvalidPath(vec![FieldError::parameter(name, detail)]));
    }
    if raw.chars().count() > 64 {
        return Err(ApiError::InvalidPath(vec![FieldError::parameter(name, "must be at most 64 characters")]));
    }
    Ok(raw)
}
