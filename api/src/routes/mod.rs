//! Every route, registered together with its OpenAPI operation so that the
//! served API and the published document cannot drift apart.

mod docs;
mod health;

use actix_web::App;
use gridline_openapi::ApiDoc;
use utoipa::OpenApi;
use utoipa_actix_web::{service_config::ServiceConfig, AppExt};

pub(crate) use docs::docs_redirect;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz).service(docs::openapi_json);
}

/// The OpenAPI document of the API this build serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure).split_for_parts();
    doc
}

#[cfg(test)]
mod tests {
    /// The checked-in `openapi/openapi.json` is what client generators read;
    /// it must be exactly what this build serves.
    #[test]
    fn checked_in_document_matches_the_code() {
        let generated = super::openapi().to_pretty_json().expect("render the document");
        let checked_in = include_str!("../../../openapi/openapi.json");
        assert!(
            generated.trim_end() == checked_in.trim_end(),
            "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
        );
    }
}
