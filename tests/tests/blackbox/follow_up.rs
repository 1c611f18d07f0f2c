//! Residents follow their case (issue 15): the tracking code, the public
//! page of a case, the rating of its closing (回访) online or on the phone,
//! reopening after a dissatisfied rating, the figures, and the rate limit.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use gridline_domain::time::ManualClock;
use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_resident_follows_his_case_by_its_code_and_sees_nothing_private,
    a_closed_case_is_rated_once_and_a_dissatisfied_one_is_reopened,
    a_dissatisfied_rating_later_than_seven_days_after_closing_reopens_nothing,
    public_pages_are_rate_limited_per_client_address,
    a_grids_public_page_names_who_is_responsible_and_the_workers_who_chose_to_be_listed,
];

const RESIDENT: &str = "王阿姨";
const PHONE: &str = "13812345678";
const DESCRIPTION: &str = "楼道堆物 things piled in the stairwell";

fn report_for_a_resident() -> Value {
    json!({
        "category_code": "neighbour_dispute",
        "description": DESCRIPTION,
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号 2 单元",
        "resident": {"name": RESIDENT, "phone": PHONE}
    })
}

async fn created(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.send_as(token, Method::POST, "/api/v1/cases", body).await;
    assert_eq!(res.status(), 201, "report");
    res.json().await.unwrap()
}

/// A case reported for a resident, handled by the urban bureau and closed.
async fn closed_case(app: &TestApp) -> Value {
    let worker = app.token("worker1").await;
    let case = created(app, &worker, &report_for_a_resident()).await;
    close(app, &case).await
}

/// Accepted, dispatched to the urban bureau, handled and verified.
async fn close(app: &TestApp, case: &Value) -> Value {
    let (worker, dc, staff, admin) = (
        app.token("worker1").await,
        app.token("dispatcher_community").await,
        app.token("staff_urban").await,
        app.token("admin").await,
    );
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let case = app.step(&dc, case, "accept", json!({})).await;
    let case = app.step(&dc, &case, "dispatch", json!({"lead_department_id": urban, "note": "请联系王阿姨"})).await;
    let case = app.step(&staff, &case, "start", json!({})).await;
    let case = app.step(&staff, &case, "resolve", json!({"note": "已清理楼道 the stairwell is cleared"})).await;
    app.step(&worker, &case, "verify", json!({"passed": true, "note": "核查通过, worker1 saw it"})).await
}

async fn public(app: &TestApp, path: &str) -> reqwest::Response {
    app.request(Method::GET, path).send().await.unwrap()
}

async fn rate(app: &TestApp, code: &str, body: Value) -> reqwest::Response {
    app.request(Method::POST, &format!("/public/v1/cases/{code}/feedback")).json(&body).send().await.unwrap()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

async fn a_resident_follows_his_case_by_its_code_and_sees_nothing_private(ctx: Ctx) {
    let app = ctx.app().await;
    let (worker, dc, staff) =
        (app.token("worker1").await, app.token("dispatcher_community").await, app.token("staff_urban").await);
    let case = created(&app, &worker, &report_for_a_resident()).await;
    let code = case["tracking_code"].as_str().expect("the reporter is given the code").to_owned();
    assert_eq!(code.len(), 12);
    assert!(code.chars().all(|c| c.is_ascii_digit() || "ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{code}");
    let id = case["id"].as_str().unwrap();
    let read = app.json_as(&dc, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(read["tracking_code"], code.as_str(), "the owning unit's dispatcher reads it out on the phone");
    let mut own = report_for_a_resident();
    own.as_object_mut().unwrap().remove("resident");
    let without = created(&app, &worker, &own).await;
    assert!(without["tracking_code"].is_null(), "a worker's own report has no resident to give a code to");

    // Comments of the staff, one internal, and the case goes on to its close.
    app.step(&dc, &case, "comments", json!({"text": "内部：王阿姨是楼长 dispatcher_community", "internal": true}))
        .await;
    app.step(&dc, &case, "comments", json!({"text": "已联系物业 called the property office"})).await;
    let case = close(&app, &case).await;
    let seen_by_staff = app.json_as(&staff, &format!("/api/v1/cases/{id}")).await;
    assert!(seen_by_staff["tracking_code"].is_null(), "a department's staff have no use for it");

    // As typed: lower case, hyphens, spaces; I and L for 1, O for 0.
    let typed = format!("{}-{} {}", &code[..4], &code[4..8], &code[8..]).to_lowercase();
    let res = public(&app, &format!("/public/v1/cases/{typed}")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("private"));
    let text = res.text().await.unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        keys(&page),
        [
            "category",
            "category_code",
            "closed_at",
            "grid",
            "may_rate",
            "number",
            "rating",
            "reported_at",
            "status",
            "timeline"
        ]
    );
    assert_eq!(page["number"], case["number"]);
    assert_eq!((page["status"].as_str(), page["may_rate"].as_bool()), (Some("closed"), Some(true)));
    assert_eq!(page["category"], "邻里纠纷");
    assert!(page["grid"].is_string());
    let types: Vec<&str> = page["timeline"].as_array().unwrap().iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["reported", "accepted", "dispatched", "started", "resolved", "verified"], "no comments");
    for s in page["timeline"].as_array().unwrap() {
        assert_eq!(keys(s), ["at", "department", "note", "status", "type"]);
    }
    assert_eq!(page["timeline"][2]["department"], "区城市管理局 Urban Management Bureau");
    assert_eq!(page["timeline"][4]["note"], "已清理楼道 the stairwell is cleared", "what was done is his business");
    assert!(page["timeline"][2]["note"].is_null(), "a dispatch's note is the staff's");
    assert!(page["timeline"][5]["note"].is_null(), "a verification's note is the staff's");
    for private in [
        RESIDENT,
        PHONE,
        // The masked phone; its digits alone turn up in a timestamp's microseconds.
        "****5678",
        DESCRIPTION,
        "和平路",
        "worker1",
        "dispatcher_community",
        "staff_urban",
        "内部",
        "物业",
    ] {
        assert!(!text.contains(private), "{private} leaks into {text}");
    }

    // An unknown code and a malformed one are the same 404.
    let unknown = problem(public(&app, "/public/v1/cases/0000-0000-0000").await, 404).await;
    let malformed = problem(public(&app, "/public/v1/cases/not-a-code!").await, 404).await;
    assert_eq!((unknown["code"].as_str(), malformed["code"].as_str()), (Some("not_found"), Some("not_found")));
    assert_eq!(unknown["detail"], malformed["detail"]);
}

async fn figures(app: &TestApp) -> Value {
    let leader = app.token("leader").await;
    app.json_as(&leader, "/api/v1/stats").await["totals"].clone()
}

async fn a_closed_case_is_rated_once_and_a_dissatisfied_one_is_reopened(ctx: Ctx) {
    let app = ctx.app().await;
    let (worker, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    let open = created(&app, &worker, &report_for_a_resident()).await;
    let early =
        problem(rate(&app, open["tracking_code"].as_str().unwrap(), json!({"rating": "satisfied"})).await, 409).await;
    assert_eq!(early["code"], "not_closed");
    problem(app.try_step(&dc, &open, "feedback", json!({"rating": "satisfied"})).await, 409).await;

    let case = closed_case(&app).await;
    let code = case["tracking_code"].as_str().unwrap().to_owned();
    assert!(case["closed_at"].is_string());
    assert_eq!(case["allowed_actions"], json!([]), "the verifying worker has no follow-up to take");
    let by_dc = app.json_as(&dc, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    assert_eq!(by_dc["allowed_actions"], json!(["feedback"]), "the owning dispatcher may call the resident");

    let bad = problem(rate(&app, &code, json!({"rating": "so-so"})).await, 422).await;
    assert_eq!(bad["errors"][0]["pointer"], "/rating");
    let res = rate(&app, &code, json!({"rating": "dissatisfied", "comment": "垃圾又堆回来了 it is back"})).await;
    assert_eq!(res.status(), 201);
    let page: Value = res.json().await.unwrap();
    assert_eq!((page["rating"].as_str(), page["may_rate"].as_bool()), (Some("dissatisfied"), Some(false)));
    assert_eq!(page["timeline"].as_array().unwrap().last().unwrap()["note"], "垃圾又堆回来了 it is back");
    let again = problem(rate(&app, &code, json!({"rating": "satisfied"})).await, 409).await;
    assert_eq!(again["code"], "already_rated");
    problem(app.try_step(&dc, &case, "feedback", json!({"rating": "satisfied", "channel": "phone"})).await, 409).await;

    let id = case["id"].as_str().unwrap();
    let events = app.json_as(&dc, &format!("/api/v1/cases/{id}/events")).await;
    let rated = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!((rated["type"].as_str(), rated["actor"]["kind"].as_str()), (Some("rated"), Some("resident")));
    assert_eq!(
        (rated["changes"]["rating"].as_str(), rated["changes"]["channel"].as_str()),
        (Some("dissatisfied"), Some("online"))
    );
    let before = figures(&app).await;
    assert_eq!((before["rated"].as_u64(), before["satisfied_rate"].as_f64()), (Some(1), Some(0.0)));

    // Reopened: back to the same lead department, not rework.
    let case = app.json_as(&dc, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(case["allowed_actions"], json!(["reopen"]));
    problem(app.try_step(&worker, &case, "reopen", json!({"reason": "x"})).await, 403).await;
    let reopened = app.step(&dc, &case, "reopen", json!({"reason": "居民不满意 the resident is not satisfied"})).await;
    assert_eq!(reopened["status"], "dispatched");
    assert_eq!(reopened["lead_department_id"], case["lead_department_id"]);
    assert_eq!(reopened["rework_count"], 0);
    assert!(reopened["due_at"].is_string() && reopened["rating"].is_null() && reopened["closed_at"].is_null());
    let after = figures(&app).await;
    assert_eq!(
        (after["reopened"].as_u64(), after["reworked"].as_u64(), after["rated"].as_u64()),
        (Some(1), Some(0), Some(0))
    );

    // Closed again, the dispatcher calls: a closing is rated afresh.
    let staff = app.token("staff_urban").await;
    let case = app.step(&staff, &reopened, "start", json!({})).await;
    let case = app.step(&staff, &case, "resolve", json!({"note": "再次清理"})).await;
    let case = app.step(&worker, &case, "verify", json!({"passed": true})).await;
    let called = app.step(&dc, &case, "feedback", json!({"rating": "basically_satisfied", "comment": "还行"})).await;
    assert_eq!(called["rating"], "basically_satisfied");
    assert_eq!(called["allowed_actions"], json!([]), "rated: nothing more to record, nothing to reopen");
    let again = problem(rate(&app, &code, json!({"rating": "satisfied"})).await, 409).await;
    assert_eq!(again["code"], "already_rated");
    let last = figures(&app).await;
    assert_eq!(
        (last["rated"].as_u64(), last["satisfied"].as_u64(), last["satisfied_rate"].as_f64()),
        (Some(1), Some(1), Some(1.0))
    );
    assert_eq!(last["reopened"], 1);
}

async fn a_dissatisfied_rating_later_than_seven_days_after_closing_reopens_nothing(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let dc = app.token("dispatcher_community").await;
    let case = closed_case(&app).await;
    clock.advance(chrono::Duration::days(8));
    let res = rate(&app, case["tracking_code"].as_str().unwrap(), json!({"rating": "dissatisfied"})).await;
    assert_eq!(res.status(), 201, "a late rating still counts");
    let case = app.json_as(&dc, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    assert_eq!(case["allowed_actions"], json!([]), "but reopens nothing");
    let refused = problem(app.try_step(&dc, &case, "reopen", json!({"reason": "too late"})).await, 409).await;
    assert!(refused["detail"].as_str().unwrap().contains("within 7 days"), "{refused}");
}

async fn public_pages_are_rate_limited_per_client_address(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_PUBLIC_RATE_PER_MIN", "3")]).await;
    for _ in 0..3 {
        assert_eq!(public(&app, "/public/v1/cases/0000-0000-0000").await.status(), 404);
    }
    let res = public(&app, "/public/v1/cases/0000-0000-0000").await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=21).contains(&wait), "a token every 20 s: {wait}");
    let body = problem(res, 429).await;
    assert_eq!(body["code"], "too_many_requests");
    let res = rate(&app, "0000-0000-0000", json!({"rating": "satisfied"})).await;
    assert_eq!(res.status(), 429, "rating counts against the same address");
    let worker = app.token("worker1").await;
    assert_eq!(app.get_as(&worker, "/api/v1/cases").await.status(), 200, "the staff's API is not limited");
}

async fn a_grids_public_page_names_who_is_responsible_and_the_workers_who_chose_to_be_listed(ctx: Ctx) {
    let app = ctx.app().await;
    let (w1, w2) = (app.token("worker1").await, app.token("worker2").await);
    let me = app.json_as(&w1, "/api/v1/me").await;
    assert_eq!((me["public_listing"].as_bool(), me["work_phone"].as_str()), (Some(false), None), "off by default");

    let page = app.json_as(&w1, "/public/v1/grids/DEMO-E-C1-G1").await;
    assert_eq!(page["grid_workers"], json!([]), "nobody listed who did not choose to be");
    let kinds: Vec<&str> = page["levels"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["grid", "community", "street", "district"]);
    assert_eq!(
        (page["levels"][0]["responsible_person"].as_str(), page["levels"][0]["contact_phone"].as_str()),
        (Some("周网格员"), Some("138 0000 0001"))
    );
    assert!(page["levels"][1]["responsible_person"].is_string() && page["levels"][1]["contact_phone"].is_string());

    let res = app
        .send_as(&w1, Method::PATCH, "/api/v1/me", &json!({"public_listing": true, "work_phone": "010-6500 1234"}))
        .await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!((me["public_listing"].as_bool(), me["work_phone"].as_str()), (Some(true), Some("010-6500 1234")));
    let bad = app.send_as(&w2, Method::PATCH, "/api/v1/me", &json!({"work_phone": "call me maybe"})).await;
    assert_eq!(fields_at_fault(&problem(bad, 422).await), ["/work_phone"]);

    // Anyone, without a login, by code or by a point (GCJ-02 here, as a map app sends it).
    let res = app.request(Method::GET, "/public/v1/grids/DEMO-E-C1-G1").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("public"));
    let text = res.text().await.unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["grid_workers"], json!([{"display_name": "周网格员 Worker One", "work_phone": "010-6500 1234"}]));
    assert!(!text.contains("worker1"), "no usernames: {text}");
    let gcj02 =
        gridline_domain::crs::Crs::Gcj02.from_wgs84(gridline_domain::geo::Position { lon: 116.4025, lat: 39.9025 });
    let located = app
        .request(Method::GET, &format!("/public/v1/grids/locate?lat={}&lon={}&crs=gcj02", gcj02.lat, gcj02.lon))
        .send()
        .await
        .unwrap();
    assert_eq!(located.status(), 200);
    assert_eq!(located.json::<Value>().await.unwrap()["code"], "DEMO-E-C1-G1");
    let nowhere = app.request(Method::GET, "/public/v1/grids/locate?lat=10&lon=10").send().await.unwrap();
    problem(nowhere, 404).await;
    problem(app.request(Method::GET, "/public/v1/grids/DEMO-E-C1").send().await.unwrap(), 404).await;

    // Off again: gone from the page; worker2's grid never listed worker1.
    app.send_as(&w1, Method::PATCH, "/api/v1/me", &json!({"public_listing": false})).await;
    let page = app.json_as(&w2, "/public/v1/grids/DEMO-E-C1-G1").await;
    assert_eq!(page["grid_workers"], json!([]));
    let other = app.json_as(&w2, "/public/v1/grids/DEMO-E-C1-G2").await;
    assert_eq!(other["grid_workers"], json!([]));
}
