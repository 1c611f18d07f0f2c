//! Makes every error answer problem+json, whatever produced it: a handler's
//! [`ApiError`](crate::error::ApiError), an extractor, actix itself, or a
//! middleware. Adds the request id to the body.

use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
    Error, HttpMessage, HttpResponse,
};
use gridline_openapi::{Problem, PROBLEM_JSON};

use super::RequestId;

/// Marks an error answer given in another specification's shape (Open311's),
/// which a client written for that specification reads: left as it is.
pub(crate) struct OwnShape;

pub(crate) async fn problem_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    // Routing needs the request uniquely owned, so it cannot be cloned here to
    // answer an `Err`; nothing inside this middleware returns one (handler and
    // extractor errors arrive as responses), and actix renders any that does.
    let res = next.call(req).await?.map_into_boxed_body();
    if !(res.status().is_client_error() || res.status().is_server_error()) {
        return Ok(res);
    }
    if res.response().extensions().get::<OwnShape>().is_some() {
        return Ok(res);
    }
    let (req, response) = res.into_parts();
    let ours = response.extensions().get::<Problem>().cloned();
    // An `ApiError` logged its cause when it was rendered; anything else
    // that ends in a 5xx (actix itself, a panic caught by it) is logged here,
    // once, inside the request's span with its id.
    if ours.is_none() && response.status().is_server_error() {
        let cause = response.error().map(|e| format!("{e:?}")).unwrap_or_else(|| "no cause given".into());
        tracing::error!(status = response.status().as_u16(), error = %cause, "request failed");
    }
    let mut problem = ours.unwrap_or_else(|| from_status(&response));
    problem.request_id = request_id;
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = response.set_body(BoxBody::new(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Ok(ServiceResponse::new(req, response))
}

/// A problem for an error answer that carried none (actix's own answers).
fn from_status(response: &HttpResponse) -> Problem {
    let status = response.status();
    let code = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        431 => "request_header_fields_too_large",
        503 => "service_unavailable",
        s if s >= 500 => "internal_error",
        _ => "client_error",
    };
    // Actix's own error texts can describe internals; only client errors keep one.
    let detail = response.error().filter(|_| status.is_client_error()).map(|e| e.to_string()).filter(|s| !s.is_empty());
    let problem = Problem::new(status.as_u16(), code, status.canonical_reason().unwrap_or("Error"));
    match detail {
        Some(d) => problem.with_detail(d),
        None => problem,
    }
}
