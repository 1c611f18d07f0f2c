//! The OpenAPI document and a way to Swagger UI.

use actix_web::{get, http::header, web, HttpResponse};

/// Get this OpenAPI document
///
/// The OpenAPI 3.1 document describing every endpoint, as checked in at `openapi/openapi.json`.
#[utoipa::path(
    operation_id = "get_openapi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub(crate) async fn openapi_json(doc: web::Data<Published>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.get_ref().0)
}

/// The document as published (see `gridline_openapi::contract::published`).
pub(crate) struct Published(pub serde_json::Value);

/// `/docs` without the slash Swagger UI's relative asset paths need.
pub(crate) async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}
