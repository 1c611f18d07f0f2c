//! Who may reach what: every operation of the OpenAPI document, called by
//! every demo role, anonymously and with an API key, with the expected status
//! written out literally.

use std::collections::BTreeSet;

use gridline_api::media::samples;
use gridline_tests::{app::DEMO_PASSWORD, forms::multipart, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![every_operation_answers_each_role_as_the_table_says];

/// The callers, in the table's column order. Admin comes last because its
/// calls change things (delete a grant, revoke a key) that others only try.
const CALLERS: [&str; 13] = [
    "anonymous",
    "api_key",
    "worker1",
    "worker2",
    "worker3",
    "dispatcher_community",
    "dispatcher_street",
    "dispatcher_district",
    "staff_urban",
    "staff_police",
    "staff_property",
    "leader",
    "admin",
];

#[rustfmt::skip]
const TABLE: &[(&str, &str, [u16; 13])] = &[
    //                                              anon api  w1   w2   w3   dc   ds   dd   su   sp   spr  ldr  adm
    ("GET",    "/healthz",                         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/readyz",                          [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/openapi.json",                    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/.well-known/jwks.json",           [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/login",               [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/refresh",             [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401]),
    ("POST",   "/api/v1/auth/logout",              [204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("GET",    "/api/v1/me",                       [401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PATCH",  "/api/v1/me",                       [401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/me/password",              [401, 403, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("GET",    "/api/v1/users",                    [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/v1/users",                    [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v1/users/{id}",               [401, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 200]),
    ("PATCH",  "/api/v1/users/{id}",               [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200]),
    ("GET",    "/api/v1/users/{id}/roles",         [401, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 200]),
    ("POST",   "/api/v1/users/{id}/roles",         [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 201]),
    ("DELETE", "/api/v1/users/{id}/roles/{grant_id}", [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 204]),
    ("POST",   "/api/v1/org-units/import",         [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/org-units",                [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/org-units",                [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v1/org-units/{id}",           [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/org-units/{id}/subtree",   [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PATCH",  "/api/v1/org-units/{id}",           [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/departments",              [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/departments",              [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v1/departments/{id}",         [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PATCH",  "/api/v1/departments/{id}",         [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/departments/{id}/staff",   [401, 200, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/grids/locate",             [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/api-keys",                 [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/v1/api-keys",                 [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("DELETE", "/api/v1/api-keys/{id}",            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/audit",                    [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/categories",               [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/categories",               [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v1/categories/{code}",        [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PATCH",  "/api/v1/categories/{code}",        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/calendar",                 [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v1/calendar",                 [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/time-limits",              [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v1/time-limits",              [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    // Cases: each call gets a fresh case in the state its step starts from,
    // reported by worker1 in his grid, dispatched to the urban management bureau.
    //                                              anon api  w1   w2   w3   dc   ds   dd   su   sp   spr  ldr  adm
    ("POST",   "/api/v1/cases",                    [401, 201, 201, 422, 422, 201, 201, 201, 403, 403, 403, 403, 403]),
    ("GET",    "/api/v1/cases",                    [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/cases/nearby",             [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/me/todo",                  [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/me/notifications",         [401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/me/notifications/unread-count", [401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/me/notifications/read",    [401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/me/stream",                [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/me/devices",               [401, 403, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201]),
    ("GET",    "/api/v1/me/devices",               [401, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("DELETE", "/api/v1/me/devices/{id}",          [401, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("POST",   "/api/v1/webhooks",                 [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/v1/webhooks",                 [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/webhooks/{id}",            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("PATCH",  "/api/v1/webhooks/{id}",            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/webhooks/{id}/deliveries", [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 404]),
    ("DELETE", "/api/v1/webhooks/{id}",            [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/v1/sync",                     [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/cases/export.csv",         [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/cases/export.geojson",     [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/reference",                [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/cases/{id}",               [401, 404, 200, 404, 404, 200, 200, 200, 404, 404, 404, 200, 200]),
    ("PATCH",  "/api/v1/cases/{id}",               [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("GET",    "/api/v1/cases/{id}/events",        [401, 404, 200, 404, 404, 200, 200, 200, 404, 404, 404, 200, 200]),
    ("POST",   "/api/v1/cases/{id}/accept",        [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/reject",        [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/escalate",      [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/dispatch",      [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/return",        [401, 404, 403, 404, 404, 403, 403, 403, 200, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/start",         [401, 404, 403, 404, 404, 403, 403, 403, 200, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/resolve",       [401, 404, 403, 404, 404, 403, 403, 403, 200, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/verify",        [401, 404, 200, 404, 404, 200, 403, 403, 403, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/cancel",        [401, 404, 200, 404, 404, 403, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/extension-requests", [401, 404, 403, 404, 404, 403, 403, 403, 201, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/extension-requests/{rid}/decision", [401, 404, 403, 404, 404, 200, 403, 403, 403, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/comments",      [401, 404, 201, 404, 404, 201, 201, 201, 404, 404, 404, 201, 403]),
    // worker1 attaches the photo he sent; from then on whoever sees his case may attach it too.
    ("POST",   "/api/v1/cases/{id}/media",         [401, 404, 201, 404, 404, 201, 201, 201, 404, 404, 404, 201, 403]),
    ("POST",   "/api/v1/cases/{id}/suspend",       [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/resume",        [401, 404, 403, 404, 404, 200, 403, 403, 404, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/urge",          [401, 404, 403, 404, 404, 403, 200, 200, 404, 404, 404, 200, 403]),
    // A closed case the resident has not rated; one he rated dissatisfied.
    ("POST",   "/api/v1/cases/{id}/feedback",      [401, 404, 403, 404, 404, 201, 403, 403, 403, 404, 404, 403, 403]),
    ("POST",   "/api/v1/cases/{id}/reopen",        [401, 404, 403, 404, 404, 200, 403, 403, 403, 404, 404, 403, 403]),
    // Anyone with the code of a case still open: it reads, and it cannot be rated yet.
    ("GET",    "/public/v1/cases/{tracking_code}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/public/v1/cases/{tracking_code}/feedback", [409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409]),
    ("GET",    "/public/v1/grids/locate",          [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/public/v1/grids/{code}",          [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // Open311 reads no bearer token: it is open to all, and its one write
    // takes its credential in the form (`api_key`), which these calls lack
    // (400). The fixture's token is a neighbour dispute's, not public (404).
    ("GET",    "/open311/v2/discovery.json",       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/discovery.xml",        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/services.json",        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/services.xml",         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/services/{service_code}.json", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/services/{service_code}.xml", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/requests.json",        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/open311/v2/requests.xml",         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/open311/v2/requests.json",        [400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]),
    ("POST",   "/open311/v2/requests.xml",         [400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]),
    ("GET",    "/open311/v2/requests/{service_request_id}.json", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/open311/v2/requests/{service_request_id}.xml", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/open311/v2/tokens/{token}.json",  [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/open311/v2/tokens/{token}.xml",   [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/api/v1/changes",                  [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/v1/stats",                    [401, 200, 403, 403, 403, 200, 200, 200, 403, 403, 403, 200, 200]),
    ("GET",    "/api/v1/stats/ranking",            [401, 200, 403, 403, 403, 200, 200, 200, 403, 403, 403, 200, 200]),
    ("GET",    "/api/v1/reports/weekly",           [401, 200, 403, 403, 403, 200, 200, 200, 403, 403, 403, 200, 200]),
    ("GET",    "/api/v1/reports/weekly/link",      [401, 200, 403, 403, 403, 200, 200, 200, 403, 403, 403, 200, 200]),
    // A link nobody signed opens nothing, whoever holds it.
    ("GET",    "/api/v1/reports/weekly/view",      [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
    // Files: anyone signed in may send one (each call sends new bytes); only
    // its sender reads it until it is attached to a case (worker1 sent it).
    //                                              anon api  w1   w2   w3   dc   ds   dd   su   sp   spr  ldr  adm
    ("POST",   "/api/v1/media",                    [401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201]),
    ("PUT",    "/api/v1/media/{media_id}",         [401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201]),
    // worker1's photo, attached by the row of /media above to cases of his grid: who sees those reads it.
    ("HEAD",   "/api/v1/media/{media_id}",         [401, 404, 200, 404, 404, 200, 200, 200, 404, 404, 404, 200, 200]),
    ("GET",    "/api/v1/media/{media_id}",         [401, 404, 200, 404, 404, 200, 200, 200, 404, 404, 404, 200, 200]),
    ("GET",    "/api/v1/media/{media_id}/thumbnail", [401, 404, 200, 404, 404, 200, 200, 200, 404, 404, 404, 200, 200]),
    ("OPTIONS", "/api/v1/uploads",                 [204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("POST",   "/api/v1/uploads",                  [401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201]),
    ("HEAD",   "/api/v1/uploads/{upload_id}",      [401, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("PATCH",  "/api/v1/uploads/{upload_id}",      [401, 404, 204, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/api/v1/stats/ranking-weights",    [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/v1/stats/ranking-weights",    [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
];

/// The state a case must be in for the step a row calls.
fn case_state(method: &str, template: &str) -> Option<&'static str> {
    let step = template.strip_prefix("/api/v1/cases/{id}")?;
    Some(match (method, step) {
        ("POST", "/dispatch") => "accepted",
        ("POST", "/return" | "/start" | "/extension-requests") => "dispatched",
        ("POST", "/extension-requests/{rid}/decision") => "extension_pending",
        ("POST", "/resolve") => "in_progress",
        ("POST", "/verify") => "resolved",
        ("POST", "/resume") => "suspended",
        ("POST", "/feedback") => "closed",
        ("POST", "/reopen") => "rated_dissatisfied",
        _ => "reported",
    })
}

/// Ids the requests point at, made by the admin before the table runs.
struct Fixture {
    admin: String,
    worker1: String,
    dispatcher: String,
    staff: String,
    urban: String,
    worker2: String,
    target_user: String,
    grant: String,
    grid: String,
    district: String,
    department: String,
    spare_key: String,
    /// A photo worker1 sent.
    photo: String,
    /// An upload worker1 began, and the file it is for.
    upload: (String, Vec<u8>),
    /// A webhook subscription the admin registered.
    webhook: String,
    /// The tracking code of a case reported for a resident, still open.
    tracking_code: String,
}

impl Fixture {
    async fn new(app: &TestApp) -> Self {
        let admin = app.token("admin").await;
        let district = app.unit_id(&admin, "DEMO").await;
        let res = app
            .send_as(
                &admin,
                Method::POST,
                "/api/v1/users",
                &json!({"username": "target", "display_name": "T", "password": "target-password"}),
            )
            .await;
        let target_user = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let res = app
            .send_as(
                &admin,
                Method::POST,
                &format!("/api/v1/users/{target_user}/roles"),
                &json!({"role": "leader", "unit_id": district}),
            )
            .await;
        let grant = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let res = app
            .send_as(
                &admin,
                Method::POST,
                "/api/v1/api-keys",
                &json!({"name": "spare", "role": "leader", "unit_id": district}),
            )
            .await;
        let spare_key = res.json::<Value>().await.unwrap()["api_key"]["id"].as_str().unwrap().to_owned();
        let worker1 = app.token("worker1").await;
        let photo = samples::png(40, 30);
        let res = app
            .request(Method::PUT, &format!("/api/v1/media/{}", sha256(&photo)))
            .bearer_auth(&worker1)
            .body(photo)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "fixture photo");
        let photo = res.json::<Value>().await.unwrap()["media_id"].as_str().unwrap().to_owned();
        let pending = samples::png(50, 40);
        let res = app
            .request(Method::POST, "/api/v1/uploads")
            .bearer_auth(&worker1)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", pending.len().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "fixture upload");
        let upload = (res.headers()["location"].to_str().unwrap().to_owned(), pending);
        // A public address this machine cannot reach; only cancelled cases go to it.
        let res = app
            .send_as(
                &admin,
                Method::POST,
                "/api/v1/webhooks",
                &json!({"url": "http://8.8.8.8/hooks", "events": ["cancelled"]}),
            )
            .await;
        assert_eq!(res.status(), 201, "fixture webhook");
        let webhook = res.json::<Value>().await.unwrap()["webhook"]["id"].as_str().unwrap().to_owned();
        let mut for_a_resident = report_body();
        for_a_resident["resident"] = json!({"name": "王阿姨", "phone": "13812345678"});
        let res = app.send_as(&worker1, Method::POST, "/api/v1/cases", &for_a_resident).await;
        let tracking_code = res.json::<Value>().await.unwrap()["tracking_code"].as_str().unwrap().to_owned();
        Self {
            webhook,
            tracking_code,
            worker1,
            photo,
            upload,
            dispatcher: app.token("dispatcher_community").await,
            staff: app.token("staff_urban").await,
            urban: app.department_id(&admin, "DEMO-URBAN").await,
            worker2: app.user_id(&admin, "worker2").await,
            grid: app.unit_id(&admin, "DEMO-E-C1-G1").await,
            department: app.department_id(&admin, "DEMO-URBAN").await,
            district,
            target_user,
            grant,
            spare_key,
            admin,
        }
    }

    /// A fresh case of worker1's, brought to `state` by the people whose steps lead there.
    async fn case_in(&self, app: &TestApp, state: &str) -> (String, String) {
        let res = app.send_as(&self.worker1, Method::POST, "/api/v1/cases", &report_body()).await;
        assert_eq!(res.status(), 201, "fixture report");
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let mut rid = String::new();
        let accept = ("dc", "accept", json!({}));
        let dispatch = ("dc", "dispatch", json!({"lead_department_id": self.urban}));
        let steps: Vec<(&str, &str, Value)> = match state {
            "reported" => vec![],
            "accepted" => vec![accept],
            "dispatched" => vec![accept, dispatch],
            "extension_pending" => {
                vec![accept, dispatch, ("su", "extension-requests", json!({"hours": 24, "reason": "materials"}))]
            }
            "in_progress" => vec![accept, dispatch, ("su", "start", json!({}))],
            "suspended" => vec![("dc", "suspend", json!({"reason": "待拆迁"}))],
            "resolved" => {
                vec![accept, dispatch, ("su", "start", json!({})), ("su", "resolve", json!({"note": "cleaned"}))]
            }
            "closed" | "rated_dissatisfied" => {
                let mut steps = vec![
                    accept,
                    dispatch,
                    ("su", "start", json!({})),
                    ("su", "resolve", json!({"note": "cleaned"})),
                    ("w1", "verify", json!({"passed": true})),
                ];
                if state == "rated_dissatisfied" {
                    steps.push(("dc", "feedback", json!({"rating": "dissatisfied"})));
                }
                steps
            }
            other => panic!("no fixture for {other}"),
        };
        for (who, step, body) in &steps {
            let token = match *who {
                "dc" => &self.dispatcher,
                "w1" => &self.worker1,
                _ => &self.staff,
            };
            let res = app.send_as(token, Method::POST, &format!("/api/v1/cases/{id}/{step}"), body).await;
            assert!(res.status().is_success(), "fixture step {step}");
            if *step == "extension-requests" {
                rid = res.json::<Value>().await.unwrap()["pending_extension"]["id"].as_str().unwrap().to_owned();
            }
        }
        (id, rid)
    }

    /// A media call's path, headers, raw body and its type: a new file for
    /// each upload, else worker1's photo; tus calls go to worker1's upload.
    #[allow(clippy::type_complexity)]
    fn media_request(
        &self,
        method: &str,
        template: &str,
        n: usize,
    ) -> (String, Vec<(&'static str, String)>, Option<(String, Vec<u8>)>) {
        let fresh = samples::png(1 + (n % 97) as u32, 1 + (n / 97) as u32);
        if template.starts_with("/api/v1/uploads") {
            let tus = ("tus-resumable", "1.0.0".to_owned());
            let (location, pending) = &self.upload;
            return match method {
                "POST" => (template.to_owned(), vec![tus, ("upload-length", "1000".into())], None),
                // One byte of worker1's upload: the first call that may, moves it on.
                "PATCH" => (
                    location.clone(),
                    vec![tus, ("upload-offset", "0".into())],
                    Some(("application/offset+octet-stream".into(), pending[..1].to_vec())),
                ),
                "HEAD" => (location.clone(), vec![tus], None),
                _ => (template.to_owned(), Vec::new(), None),
            };
        }
        let (path, raw) = match method {
            "PUT" => {
                (template.replace("{media_id}", &sha256(&fresh)), Some(("application/octet-stream".into(), fresh)))
            }
            "POST" => (template.to_owned(), Some(multipart(&[("file", "photo.png", &fresh)]))),
            _ => (template.replace("{media_id}", &self.photo), None),
        };
        (path, Vec::new(), raw)
    }

    /// The concrete path and body for one call; `n` makes created codes unique.
    async fn request(&self, app: &TestApp, method: &str, template: &str, n: usize) -> (String, Option<Value>) {
        if let Some(state) = case_state(method, template) {
            let (id, rid) = self.case_in(app, state).await;
            let path = template.replace("{id}", &id).replace("{rid}", &rid);
            let body = match template.rsplit('/').next().unwrap_or_default() {
                "{id}" if method == "PATCH" => Some(json!({"description": "corrected"})),
                "reject" | "escalate" | "return" | "cancel" | "suspend" => Some(json!({"reason": "because"})),
                "urge" => Some(json!({"note": "请尽快"})),
                "dispatch" => Some(json!({"lead_department_id": self.urban})),
                "resolve" => Some(json!({"note": "done"})),
                "verify" => Some(json!({"passed": true})),
                "extension-requests" => Some(json!({"hours": 12, "reason": "rain"})),
                "decision" => Some(json!({"approved": true})),
                "comments" => Some(json!({"text": "seen"})),
                "feedback" => Some(json!({"rating": "satisfied", "channel": "phone"})),
                "reopen" => Some(json!({"reason": "居民不满意"})),
                "media" => Some(json!({"media": [{"media_id": self.photo, "caption": "现场"}]})),
                _ => None,
            };
            return (path, body);
        }
        let path = match template {
            "/api/v1/cases/nearby" => "/api/v1/cases/nearby?lat=39.902&lon=116.402",
            "/public/v1/grids/locate" => "/public/v1/grids/locate?lat=39.902&lon=116.402",
            "/public/v1/grids/{code}" => "/public/v1/grids/DEMO-E-C1-G1",
            other => other,
        };
        let path = path
            .replace("{delivery_id}", "0193a7b2-5c1e-7d3f-8a9b-0c1d2e3f4a5b")
            .replace("{code}", "sanitation")
            .replace("{grant_id}", &self.grant)
            .replace("{tracking_code}", &self.tracking_code)
            .replace("{token}", &self.tracking_code)
            .replace("{service_code}", "sanitation")
            .replace("{service_request_id}", "1999-000001")
            .replace(
                "{id}",
                match template {
                    "/api/v1/users/{id}" | "/api/v1/users/{id}/roles" if method == "GET" => &self.worker2,
                    t if t.starts_with("/api/v1/users/") => &self.target_user,
                    t if t.starts_with("/api/v1/org-units/") => &self.grid,
                    t if t.starts_with("/api/v1/departments/") => &self.department,
                    t if t.starts_with("/api/v1/api-keys/") => &self.spare_key,
                    // Nobody's device: each caller removes only his own.
                    t if t.starts_with("/api/v1/me/devices/") => "0193a7b2-5c1e-7d3f-8a9b-0c1d2e3f4a5b",
                    t if t.starts_with("/api/v1/webhooks/") => &self.webhook,
                    _ => "",
                },
            );
        let body = match (method, template) {
            ("POST", "/api/v1/auth/login") => Some(json!({"username": "worker1", "password": DEMO_PASSWORD})),
            ("POST", "/api/v1/auth/refresh" | "/api/v1/auth/logout") => {
                Some(json!({"refresh_token": "glr_not-a-token"}))
            }
            ("POST", "/api/v1/me/password") => {
                Some(json!({"current_password": "not-the-password", "new_password": "whatever-new"}))
            }
            ("POST", "/api/v1/users") => {
                Some(json!({"username": format!("made{n}"), "display_name": "M", "password": "made-password"}))
            }
            ("PATCH", "/api/v1/users/{id}") => Some(json!({"display_name": "Renamed"})),
            ("PATCH", "/api/v1/me") => Some(json!({"public_listing": false})),
            ("POST", "/public/v1/cases/{tracking_code}/feedback") => Some(json!({"rating": "satisfied"})),
            ("POST", "/api/v1/users/{id}/roles") => Some(json!({"role": "dispatcher", "unit_id": self.district})),
            ("POST", "/api/v1/org-units/import") => Some(json!({"type": "FeatureCollection", "features": [{
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[117.0, 40.0], [117.01, 40.0], [117.01, 40.01], [117.0, 40.0]]]},
                "properties": {"code": format!("ACC-{n}"), "name": "Imported", "parent_code": "DEMO-W-C1"}
            }]})),
            ("POST", "/api/v1/org-units") => {
                Some(json!({"kind": "street", "code": format!("ACC-S{n}"), "name": "S", "parent_id": self.district}))
            }
            ("PATCH", "/api/v1/org-units/{id}") => Some(json!({"name": "和平一网格"})),
            ("POST", "/api/v1/departments") => {
                Some(json!({"kind": "other", "code": format!("ACC-D{n}"), "name": "D", "unit_id": self.district}))
            }
            ("PATCH", "/api/v1/departments/{id}") => Some(json!({"name": "城管局"})),
            ("POST", "/api/v1/api-keys") => {
                Some(json!({"name": format!("key {n}"), "role": "leader", "unit_id": self.district}))
            }
            ("POST", "/api/v1/categories") => Some(json!({
                "code": format!("acc_cat_{n}"), "name_zh": "测试", "name_en": "Test", "department_kind": "other",
                "time_limits": [
                    {"priority": "normal", "amount": 24, "unit": "natural_hours"},
                    {"priority": "urgent", "amount": 4, "unit": "natural_hours"}
                ]
            })),
            ("PATCH", "/api/v1/categories/{code}") => Some(json!({"name_en": "Sanitation"})),
            ("PUT", "/api/v1/stats/ranking-weights") => Some(json!({
                "on_time_closure_rate": 0.6, "closure_rate": 0.3, "rework_rate": -0.1, "timely_acceptance_rate": 0.0
            })),
            ("PUT", "/api/v1/time-limits") => Some(json!({
                "accept": {"amount": 2, "unit": "working_hours"}, "dispatch": {"amount": 2, "unit": "working_hours"},
                "verify": {"amount": 1, "unit": "working_days"}
            })),
            ("PUT", "/api/v1/calendar") => Some(json!({
                "time_zone": "Asia/Shanghai",
                "weekdays": {"mon": [["09:00", "17:00"]], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []},
                "holidays": [], "workdays": []
            })),
            ("POST", "/api/v1/cases") => Some(report_body()),
            ("POST", "/api/v1/webhooks") => Some(json!({"url": "http://8.8.8.8/hooks", "events": ["cancelled"]})),
            ("PATCH", "/api/v1/webhooks/{id}") => Some(json!({"active": true})),
            ("POST", "/api/v1/me/devices") => {
                Some(json!({"platform": "ios", "provider": "apns", "push_token": format!("apns-token-{n}")}))
            }
            ("POST", "/api/v1/me/notifications/read") => Some(json!({"up_to": "ffffffff-ffff-7fff-bfff-ffffffffffff"})),
            _ => None,
        };
        let path = match template {
            "/api/v1/grids/locate" => format!("{path}?lat=39.902&lon=116.402"),
            "/api/v1/reports/weekly/view" => {
                format!("{path}?unit_id={}&week=2026-W45&expires=4102444800&sig={}", self.district, "A".repeat(43))
            }
            _ => path,
        };
        (path, body)
    }
}

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A neighbour dispute (no automatic acceptance) in worker1's grid.
fn report_body() -> Value {
    json!({
        "category_code": "neighbour_dispute",
        "description": "噪音扰民 noise at night",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 3 号"
    })
}

async fn every_operation_answers_each_role_as_the_table_says(ctx: Ctx) {
    let app = ctx.app().await;
    let fx = Fixture::new(&app).await;

    let doc = app.json_as(&fx.admin, "/openapi.json").await;
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let tabled: BTreeSet<(String, String)> = TABLE.iter().map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned())).collect();
    assert_eq!(documented, tabled, "the table covers exactly the documented operations");

    let res = app
        .send_as(
            &fx.admin,
            Method::POST,
            "/api/v1/api-keys",
            &json!({"name": "table", "role": "dispatcher", "unit_id": fx.district}),
        )
        .await;
    let api_key = res.json::<Value>().await.unwrap()["key"].as_str().unwrap().to_owned();
    let mut tokens = Vec::new();
    for caller in CALLERS {
        tokens.push(match caller {
            "anonymous" => None,
            "api_key" => Some(api_key.clone()),
            user => Some(app.token(user).await),
        });
    }

    let mut mismatches = Vec::new();
    let mut n = 0;
    for (method, template, expected) in TABLE {
        for (column, caller) in CALLERS.iter().enumerate() {
            n += 1;
            let (path, body, headers, raw) = if template.starts_with("/open311/") && *method == "POST" {
                let form = "service_code=sanitation&lat=39.902&long=116.402&description=%E5%9E%83%E5%9C%BE";
                let raw = ("application/x-www-form-urlencoded".to_owned(), form.as_bytes().to_vec());
                (template.to_string(), None, Vec::new(), Some(raw))
            } else if template.starts_with("/api/v1/media") || template.starts_with("/api/v1/uploads") {
                let (path, headers, raw) = fx.media_request(method, template, n);
                (path, None, headers, raw)
            } else {
                let (path, body) = fx.request(&app, method, template, n).await;
                (path, body, Vec::new(), None)
            };
            let mut req = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &path);
            for (name, value) in headers {
                req = req.header(name, value);
            }
            if let Some(token) = &tokens[column] {
                req = req.bearer_auth(token);
            }
            if let Some(body) = body {
                req = req.json(&body);
            }
            if let Some((content_type, raw)) = raw {
                req = req.header("content-type", content_type).body(raw);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            if status != expected[column] {
                let text = res.text().await.unwrap_or_default();
                mismatches.push(format!(
                    "{method} {template} as {caller}: expected {}, got {status}: {text}",
                    expected[column]
                ));
            } else if status >= 400 {
                let media = res.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
                // Open311 refuses in its own specification's shape (tests/blackbox/open311.rs).
                let own_shape = if template.ends_with(".xml") { "text/xml" } else { "application/json" };
                let expected_media =
                    if template.starts_with("/open311/") { own_shape } else { "application/problem+json" };
                if !media.as_deref().unwrap_or_default().starts_with(expected_media) {
                    mismatches.push(format!("{method} {template} as {caller}: {status} without {expected_media}"));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
