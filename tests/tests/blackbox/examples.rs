//! The document's request examples, sent as they are by the demo users the
//! docs page's "Try it out" would be signed in as, succeed on the demo data.

use gridline_tests::{
    app::{checked, TestApp},
    Ctx,
};
use reqwest::Method;
use serde_json::Value;

gridline_tests::tests![every_request_example_succeeds_as_sent_on_the_demo_data];

/// The example of an operation's request body, found through its schema;
/// `None` for an operation without a body.
fn example(doc: &Value, operation_id: &str) -> Option<Value> {
    let op = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == operation_id)
        .unwrap_or_else(|| panic!("{operation_id} is documented"));
    if op["requestBody"].is_null() {
        return None;
    }
    let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str().unwrap();
    let name = reference.rsplit('/').next().unwrap();
    let example = doc["components"]["schemas"][name]["example"].clone();
    assert!(example.is_object(), "{operation_id}'s body {name} has an example");
    Some(example)
}

struct Sender<'a> {
    app: &'a TestApp,
    doc: Value,
}

impl Sender<'_> {
    /// Sends `operation_id`'s example as it is; answers the body, asserting `status`.
    async fn send(&self, token: &str, method: Method, path: &str, operation_id: &str, status: u16) -> Value {
        let body = example(&self.doc, operation_id);
        let request = self.app.as_bearer(method, path, token);
        let request = match &body {
            Some(body) => request.json(body),
            None => request,
        };
        let res = checked(request.send().await.unwrap()).await;
        let got = res.status().as_u16();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(got, status, "{operation_id} with its example {body:?}: {answer}");
        answer
    }
}

async fn every_request_example_succeeds_as_sent_on_the_demo_data(ctx: Ctx) {
    let app = ctx.app().await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let s = Sender { app: &app, doc };

    let login = example(&s.doc, "log_in").unwrap();
    let res = app.post_json("/api/v1/auth/login", &login).await;
    assert_eq!(res.status(), 200, "log_in with its example");
    let worker = res.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let dispatcher = app.token("dispatcher_community").await;
    let staff = app.token("staff_urban").await;
    let admin = app.token("admin").await;

    // A whole journey from the examples.
    let report = example(&s.doc, "report_case").unwrap();
    assert!(report.get("id").is_none(), "the example lets the server choose the id, so a second send is a new case");
    let case = s.send(&worker, Method::POST, "/api/v1/cases", "report_case", 201).await;
    let at = |step: &str| format!("/api/v1/cases/{}/{step}", case["id"].as_str().unwrap());
    let case_path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    s.send(&dispatcher, Method::PATCH, &case_path, "update_case", 200).await;
    s.send(&dispatcher, Method::POST, &at("accept"), "accept_case", 200).await;
    let dispatched = s.send(&dispatcher, Method::POST, &at("dispatch"), "dispatch_case", 200).await;
    assert_eq!(dispatched["lead_department_id"], app.department_id(&admin, "DEMO-URBAN").await);
    s.send(&staff, Method::POST, &at("start"), "start_case", 200).await;
    let asked = s.send(&staff, Method::POST, &at("extension-requests"), "request_extension", 201).await;
    let rid = asked["pending_extension"]["id"].as_str().expect("the pending request").to_owned();
    s.send(&dispatcher, Method::POST, &at(&format!("extension-requests/{rid}/decision")), "decide_extension", 200)
        .await;
    s.send(&staff, Method::POST, &at("comments"), "add_comment", 201).await;
    s.send(&staff, Method::POST, &at("resolve"), "resolve_case", 200).await;
    let closed = s.send(&worker, Method::POST, &at("verify"), "verify_case", 200).await;
    assert_eq!(closed["status"], "closed");

    // The same report sent again is a second case; the other steps' examples.
    let again = s.send(&worker, Method::POST, "/api/v1/cases", "report_case", 201).await;
    assert_ne!(again["id"], case["id"]);
    let id = again["id"].as_str().unwrap();
    s.send(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/reject"), "reject_case", 200).await;
    let third = s.send(&worker, Method::POST, "/api/v1/cases", "report_case", 201).await;
    let id = third["id"].as_str().unwrap();
    s.send(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/escalate"), "escalate_case", 200).await;
    let fourth = s.send(&worker, Method::POST, "/api/v1/cases", "report_case", 201).await;
    let id = fourth["id"].as_str().unwrap();
    s.send(&worker, Method::POST, &format!("/api/v1/cases/{id}/cancel"), "cancel_case", 200).await;
    let fifth = s.send(&worker, Method::POST, "/api/v1/cases", "report_case", 201).await;
    let id = fifth["id"].as_str().unwrap();
    s.send(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/accept"), "accept_case", 200).await;
    s.send(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/dispatch"), "dispatch_case", 200).await;
    s.send(&staff, Method::POST, &format!("/api/v1/cases/{id}/return"), "return_case", 200).await;
    let sixth = s.send(&worker, Method::POST, "/api/v1/cases", "report_case", 201).await;
    let id = sixth["id"].as_str().unwrap();
    let suspended =
        s.send(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/suspend"), "suspend_case", 200).await;
    assert_eq!(suspended["suspended_until"], "indefinite");
    s.send(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/resume"), "resume_case", 200).await;
    let leader = app.token("leader").await;
    s.send(&leader, Method::POST, &format!("/api/v1/cases/{id}/urge"), "urge_case", 200).await;

    // An admin's examples.
    let user = s.send(&admin, Method::POST, "/api/v1/users", "create_user", 201).await;
    let user_id = user["id"].as_str().unwrap();
    s.send(&admin, Method::PATCH, &format!("/api/v1/users/{user_id}"), "update_user", 200).await;
    s.send(&admin, Method::POST, &format!("/api/v1/users/{user_id}/roles"), "grant_role", 201).await;
    s.send(&admin, Method::POST, "/api/v1/api-keys", "create_api_key", 201).await;
    s.send(&admin, Method::POST, "/api/v1/categories", "create_category", 201).await;
    s.send(&admin, Method::PATCH, "/api/v1/categories/neighbour_dispute", "update_category", 200).await;
    let dept = s.send(&admin, Method::POST, "/api/v1/departments", "create_department", 201).await;
    let dept_path = format!("/api/v1/departments/{}", dept["id"].as_str().unwrap());
    s.send(&admin, Method::PATCH, &dept_path, "update_department", 200).await;
    let unit = s.send(&admin, Method::POST, "/api/v1/org-units", "create_org_unit", 201).await;
    let unit_path = format!("/api/v1/org-units/{}", unit["id"].as_str().unwrap());
    s.send(&admin, Method::PATCH, &unit_path, "update_org_unit", 200).await;
    for _ in 0..2 {
        s.send(&admin, Method::POST, "/api/v1/org-units/import", "import_grids", 200).await;
    }
    s.send(&admin, Method::PUT, "/api/v1/calendar", "replace_calendar", 200).await;
    s.send(&admin, Method::PUT, "/api/v1/time-limits", "replace_time_limits", 200).await;
    s.send(&admin, Method::PUT, "/api/v1/stats/ranking-weights", "replace_ranking_weights", 200).await;

    // Last, since it ends worker1's other sessions.
    s.send(&worker, Method::POST, "/api/v1/me/password", "change_password", 204).await;
}
