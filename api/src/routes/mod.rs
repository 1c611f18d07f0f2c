//! Every route, registered together with its OpenAPI operation so that the
//! served API and the published document cannot drift apart.

mod api_keys;
mod audit;
mod auth;
mod case_list;
mod case_steps;
pub(crate) mod cases;
mod categories;
mod changes;
mod clocks;
mod department_staff;
mod departments;
mod devices;
pub(crate) mod docs;
mod export;
mod grids;
mod health;
pub(crate) mod import;
mod me;
pub(crate) mod media;
mod nearby;
mod notifications;
mod open311;
mod org_units;
pub(crate) mod public;
mod reference;
mod reports;
mod roles;
pub(crate) mod scope;
mod stats;
mod stream;
mod sync;
mod todo;
mod uploads;
mod users;
mod webhooks;

use actix_web::{App, HttpRequest};
use gridline_openapi::ApiDoc;
use utoipa::OpenApi;
use utoipa_actix_web::{service_config::ServiceConfig, AppExt};

pub(crate) use docs::docs_redirect;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(docs::openapi_json)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::jwks)
        .service(me::me)
        .service(me::update_me)
        .service(me::change_password)
        .service(todo::todo)
        .service(sync::sync)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(roles::list_grants)
        .service(roles::grant_role)
        .service(roles::revoke_role)
        .service(import::import_grids)
        .service(org_units::list_units)
        .service(org_units::create_unit)
        .service(org_units::get_unit)
        .service(org_units::subtree)
        .service(org_units::update_unit)
        .service(departments::list_departments)
        .service(departments::create_department)
        .service(departments::get_department)
        .service(department_staff::list_staff)
        .service(departments::update_department)
        .service(grids::locate)
        .service(api_keys::list_api_keys)
        .service(api_keys::create_api_key)
        .service(api_keys::revoke_api_key)
        .service(audit::list_audit)
        .service(categories::list_categories)
        .service(categories::create_category)
        .service(categories::get_category)
        .service(categories::update_category)
        .service(clocks::get_calendar)
        .service(clocks::replace_calendar)
        .service(clocks::get_time_limits)
        .service(clocks::replace_time_limits)
        .service(cases::report)
        .service(case_list::list)
        // Before `/api/v1/cases/{id}`, which would take `nearby` or `export.csv` for an id.
        .service(nearby::nearby)
        .service(export::export_csv)
        .service(export::export_geojson)
        .service(reference::reference)
        .service(cases::get)
        .service(cases::update)
        .service(cases::events)
        .service(case_steps::accept)
        .service(case_steps::reject)
        .service(case_steps::escalate)
        .service(case_steps::dispatch)
        .service(case_steps::return_case)
        .service(case_steps::start)
        .service(case_steps::resolve)
        .service(case_steps::verify)
        .service(case_steps::cancel)
        .service(case_steps::request_extension)
        .service(case_steps::decide_extension)
        .service(case_steps::comment)
        .service(case_steps::suspend)
        .service(case_steps::resume)
        .service(case_steps::urge)
        .service(case_steps::feedback)
        .service(case_steps::reopen)
        .service(public::follow)
        .service(public::rate)
        .service(public::locate_grid)
        .service(public::grid_by_code)
        .service(open311::discovery_json)
        .service(open311::discovery_xml)
        .service(open311::services_json)
        .service(open311::services_xml)
        .service(open311::service_definition_json)
        .service(open311::service_definition_xml)
        .service(open311::requests_json)
        .service(open311::requests_xml)
        .service(open311::create_request_json)
        .service(open311::create_request_xml)
        .service(open311::request_json)
        .service(open311::request_xml)
        .service(open311::token_json)
        .service(open311::token_xml)
        .service(case_steps::attach_media)
        .service(changes::changes)
        .service(stats::stats)
        .service(stats::ranking)
        .service(stats::get_ranking_weights)
        .service(stats::replace_ranking_weights)
        .service(reports::weekly_link)
        .service(reports::weekly_view)
        .service(reports::weekly)
        .service(media::post_media)
        .service(media::put_media)
        .service(media::head_media)
        .service(media::get_media)
        .service(media::get_media_thumbnail)
        .service(uploads::upload_options)
        .service(uploads::create_upload)
        .service(uploads::upload_offset)
        .service(uploads::upload_piece)
        .service(notifications::list_notifications)
        .service(notifications::unread_count)
        .service(notifications::mark_read)
        .service(stream::stream_changes)
        .service(devices::register_device)
        .service(devices::list_devices)
        .service(devices::remove_device)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_webhook_deliveries)
        .service(webhooks::redeliver_webhook_delivery);
}

/// The OpenAPI document of the API this build serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure).split_for_parts();
    gridline_openapi::contract::complete(&mut doc);
    gridline_openapi::contract::constrain_strings(&mut doc);
    doc
}

/// The document as served at `/openapi.json` and checked in, pretty-printed.
pub fn openapi_text() -> String {
    serde_json::to_string_pretty(&gridline_openapi::contract::published(&openapi())).unwrap_or_default()
}

/// The client's address: the connection's peer, or behind a trusted proxy
/// the address it forwarded (`GRIDLINE_TRUSTED_PROXIES`).
pub(crate) fn client_addr(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let client = match req.app_data::<actix_web::web::Data<crate::state::AppState>>() {
        Some(state) => state.trusted_proxies.client(peer, header("x-forwarded-for"), header("forwarded")),
        None => peer,
    };
    Some(client.to_string())
}

#[cfg(test)]
mod tests {
    /// The checked-in `openapi/openapi.json` is what client generators read;
    /// it must be exactly what this build serves.
    #[test]
    fn checked_in_document_matches_the_code() {
        let generated = super::openapi_text();
        let checked_in = include_str!("../../../openapi/openapi.json");
        assert!(
            generated.trim_end() == checked_in.trim_end(),
            "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
        );
    }

    /// What the docs page shows an integrator: per operation a summary of one
    /// short line and a description, a declared tag, and for every JSON body
    /// an example (which the black-box suite sends as it is).
    #[test]
    fn every_operation_is_written_for_an_integrator() {
        let doc: serde_json::Value = serde_json::from_str(&super::openapi_text()).unwrap();
        let tags: Vec<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values().filter(|op| op["operationId"].is_string()) {
                let id = op["operationId"].as_str().unwrap();
                let summary = op["summary"].as_str().unwrap_or_default();
                assert!(!summary.is_empty() && summary.len() <= 80 && !summary.contains('\n'), "{id}: {summary:?}");
                assert!(op["description"].as_str().is_some_and(|d| d.len() > summary.len()), "{id} has a description");
                assert!(op["tags"].as_array().unwrap().iter().all(|t| tags.contains(&t.as_str().unwrap())), "{id}");
                let body = &op["requestBody"]["content"]["application/json"]["schema"]["$ref"];
                if let Some(reference) = body.as_str() {
                    let name = reference.rsplit('/').next().unwrap();
                    assert!(doc["components"]["schemas"][name]["example"].is_object(), "{id}'s body {name}");
                }
            }
        }
    }

    /// Every `$ref` names a schema the document holds (a query enum is not
    /// collected by itself; a fuzzer skips what it cannot resolve).
    #[test]
    fn every_reference_resolves() {
        fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
            match v {
                serde_json::Value::Object(map) => {
                    if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                        out.push(r);
                    }
                    map.values().for_each(|v| refs(v, out));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc: serde_json::Value = serde_json::from_str(&super::openapi_text()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r}"));
            assert!(doc["components"]["schemas"][name].is_object(), "{r} resolves");
        }
    }
}
