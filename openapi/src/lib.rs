//! Gridline's wire contract: the JSON shapes clients send and receive, and the
//! base of the OpenAPI document. Handlers in `gridline-api` add their paths to
//! [`ApiDoc`]; `gridline openapi` prints the result, and `openapi.json` beside
//! this crate is that output, checked in for client generators.

pub mod health;
pub mod problem;

use utoipa::OpenApi;

pub use problem::{FieldError, Problem};

/// The document's fixed part: metadata, shared components and tags.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gridline API",
        description = "Grid-based community governance: report, route, dispatch, handle, verify and close cases.\n\nEvery error is an RFC 9457 `application/problem+json` body with a stable `code`.",
        license(name = "Apache-2.0"),
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "operations", description = "Liveness, readiness and this document"),
    )
)]
pub struct ApiDoc;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";
