//! Gridline's wire contract: the JSON shapes clients send and receive, and the
//! base of the OpenAPI document. Handlers in `gridline-api` add their paths to
//! [`ApiDoc`]; `gridline openapi` prints the result, and `openapi.json` beside
//! this crate is that output, checked in for client generators.

pub mod admin;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod contract;
pub mod double_option;
pub mod examples;
pub mod geojson;
pub mod health;
pub mod media;
pub mod notifications;
pub mod open311;
pub mod org;
pub mod problem;
pub mod public;
pub mod push;
pub mod reports;
pub mod stats;
pub mod users;
pub mod values;
pub mod webhooks;

use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

pub use problem::{FieldError, Problem};

/// The document's fixed part: metadata, shared components and tags.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gridline API",
        description = "Grid-based community governance: report, route, dispatch, handle, verify and close cases.\n\n\
Every error is an RFC 9457 `application/problem+json` body with a stable `code`. Refusals come in a fixed order: \
401 (no valid credentials), 404 (the resource is not visible to the caller), 403 (visible, but this caller may \
never do this).",
        license(name = "Apache-2.0"),
    ),
    components(schemas(Problem, FieldError, reports::ReportFormat, cases::Me, cases::CaseSort, media::TusVersion)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "operations", description = "Liveness, readiness and this document"),
        (name = "auth", description = "Tokens: login, refresh, logout, signing keys"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "Accounts and role grants (admins)"),
        (name = "org", description = "Org units, departments and grid location"),
        (name = "admin", description = "API keys and the audit log (admins)"),
        (name = "categories", description = "The category catalog (事项类别) and its time limits"),
        (name = "cases", description = "Report, route, dispatch, handle, verify and close cases"),
        (name = "figures", description = "The figures leaders are judged by (考核指标)"),
        (name = "clocks", description = "The working calendar (工作日历) and the stage time limits that clocks count by"),
        (name = "media", description = "Evidence files: photos, short videos and voice notes, stored once by their SHA-256"),
        (name = "public", description = "Without an account: a resident follows his case with its tracking code and rates it (回访)"),
        (name = "open311", description = "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in JSON and XML: services, requests, tokens. \
Errors here take the specification's shape, a list of `{\"code\", \"description\"}` with the HTTP status as `code`, not RFC 9457"),
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate, named in each operation's `security`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "For people: the access token (a JWT, valid for minutes) from `log_in` or `refresh_token`, \
                         sent as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "For systems: an API key `glk_…` from `create_api_key`, sent as `X-API-Key: glk_…` or, for \
                 clients that only speak bearer tokens, as `Authorization: Bearer glk_…`.",
            ))),
        );
    }
}

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";
