//! The case workflow, black-box, with the demo users: every path to a close,
//! by exactly the people the table names.

use gridline_tests::{
    app::{fields_at_fault, problem},
    database::execute_raw,
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_case_travels_the_happy_path_by_the_people_the_table_names,
    refusals_are_403_for_the_wrong_person_and_404_for_the_unseen,
    a_matter_resolved_on_site_is_verified_by_the_dispatcher,
    a_department_returns_a_case_that_is_not_its_business,
    a_failed_verification_sends_the_case_back_for_rework,
    escalation_reaches_the_district_and_no_further,
    collaborative_dispatch_lets_assisting_departments_see_and_comment,
    extensions_are_granted_and_refused,
    the_reporter_cancels_and_final_cases_admit_no_step,
    routing_suggests_the_nearest_department_and_auto_dispatch_sends_it,
    the_residents_phone_is_masked_for_all_but_dispatcher_and_handler,
    reports_outside_the_reporters_area_are_refused,
    lists_show_each_caller_his_slice_and_filter_by_time_limit,
    corrections_before_dispatch_are_events,
    the_timeline_cannot_be_edited,
    stale_if_match_is_412,
    a_case_read_again_unchanged_is_304_without_a_body,
];

struct People {
    worker1: String,
    worker2: String,
    dc: String,
    ds: String,
    dd: String,
    urban_staff: String,
    police_staff: String,
    property_staff: String,
    leader: String,
    admin: String,
    urban: String,
    police: String,
    property: String,
}

async fn people(app: &TestApp) -> People {
    let admin = app.token("admin").await;
    People {
        worker1: app.token("worker1").await,
        worker2: app.token("worker2").await,
        dc: app.token("dispatcher_community").await,
        ds: app.token("dispatcher_street").await,
        dd: app.token("dispatcher_district").await,
        urban_staff: app.token("staff_urban").await,
        police_staff: app.token("staff_police").await,
        property_staff: app.token("staff_property").await,
        leader: app.token("leader").await,
        urban: app.department_id(&admin, "DEMO-URBAN").await,
        police: app.department_id(&admin, "DEMO-POLICE").await,
        property: app.department_id(&admin, "DEMO-E-C1-PROPERTY").await,
        admin,
    }
}

fn report(category: &str) -> Value {
    json!({
        "category_code": category,
        "description": "楼道堆物 things piled in the stairwell",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号 2 单元",
        "resident": {"name": "王阿姨", "phone": "13812345678"}
    })
}

async fn new_case(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.send_as(token, Method::POST, "/api/v1/cases", body).await;
    assert_eq!(res.status(), 201, "report");
    res.json().await.unwrap()
}

async fn a_case_travels_the_happy_path_by_the_people_the_table_names(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    assert_eq!(case["status"], "reported");
    assert!(case["number"].as_str().unwrap().len() == 11, "number like 2026-000001: {}", case["number"]);
    assert_eq!((case["stage"].as_str(), case["time_limit_status"].as_str()), (Some("accept"), Some("ok")));
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    assert_eq!(case["status"], "accepted");
    assert_eq!(case["allowed_actions"], json!(["escalate", "dispatch", "comments", "update", "suspend"]));
    let case = app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban, "note": "请尽快处理"})).await;
    assert_eq!(case["status"], "dispatched");
    assert_eq!(case["lead_department_id"], p.urban.as_str());
    assert_eq!(case["time_limit_status"], "ok");
    assert!(case["due_at"].is_string());
    let case = app.step(&p.urban_staff, &case, "start", json!({})).await;
    assert_eq!(case["status"], "in_progress");
    let case = app.step(&p.urban_staff, &case, "resolve", json!({"note": "已清理"})).await;
    assert_eq!(case["status"], "resolved");
    let case = app.step(&p.worker1, &case, "verify", json!({"passed": true, "note": "核查通过"})).await;
    assert_eq!(case["status"], "closed");
    assert_eq!(case["allowed_actions"], json!([]));
    assert_eq!(case["version"], 6);

    let events = app.json_as(&p.dc, &format!("/api/v1/cases/{}/events", case["id"].as_str().unwrap())).await;
    let types: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["reported", "accepted", "dispatched", "started", "resolved", "verified"]);
    let actors: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["actor"]["label"].as_str().unwrap()).collect();
    assert_eq!(
        actors,
        ["worker1", "dispatcher_community", "dispatcher_community", "staff_urban", "staff_urban", "worker1"]
    );
    let seqs: Vec<i64> = events.as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq rises: {seqs:?}");
    assert_eq!(events[2]["note"], "请尽快处理");
    assert_eq!(events[2]["changes"]["lead_department_id"], p.urban.as_str());
    assert_eq!(
        (events[5]["from_status"].as_str(), events[5]["to_status"].as_str()),
        (Some("resolved"), Some("closed"))
    );
    // The urban staff still see the case after closure.
    assert_eq!(
        app.get_as(&p.urban_staff, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await.status(),
        200
    );
}

async fn refusals_are_403_for_the_wrong_person_and_404_for_the_unseen(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let body = json!({"lead_department_id": p.urban});
    problem(app.try_step(&p.worker1, &case, "dispatch", body.clone()).await, 403).await;
    problem(app.try_step(&p.worker2, &case, "dispatch", body.clone()).await, 404).await;
    problem(app.try_step(&p.ds, &case, "accept", json!({})).await, 403).await;
    problem(app.try_step(&p.leader, &case, "accept", json!({})).await, 403).await;
    problem(app.try_step(&p.admin, &case, "accept", json!({})).await, 403).await;
    // A step the right person may take, but not in this state: 409 naming what is possible.
    let body409 = problem(app.try_step(&p.dc, &case, "dispatch", body.clone()).await, 409).await;
    assert_eq!(body409["code"], "invalid_state");
    assert_eq!(body409["case_status"], "reported", "the problem names the case's state");
    assert_eq!(body409["allowed_actions"], json!(["accept", "reject", "escalate", "comments", "update", "suspend"]));
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    let res = app.try_step(&p.dc, &case, "dispatch", json!({"lead_department_id": uuid::Uuid::new_v4()})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/lead_department_id"]);
    let case = app
        .step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban, "assisting_department_ids": [p.police]}))
        .await;
    problem(app.try_step(&p.police_staff, &case, "start", json!({})).await, 403).await;
    let case = app.step(&p.urban_staff, &case, "start", json!({})).await;
    problem(app.try_step(&p.police_staff, &case, "resolve", json!({"note": "x"})).await, 403).await;
    problem(app.try_step(&p.property_staff, &case, "resolve", json!({"note": "x"})).await, 404).await;
    let anonymous = app
        .request(Method::POST, &format!("/api/v1/cases/{}/resolve", case["id"].as_str().unwrap()))
        .json(&json!({"note": "x"}))
        .send()
        .await
        .unwrap();
    problem(anonymous, 401).await;
}

async fn a_matter_resolved_on_site_is_verified_by_the_dispatcher(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let mut body = report("neighbour_dispute");
    body["resolved_on_site"] = json!({"note": "当场调解 mediated on the spot"});
    let case = new_case(&app, &p.worker1, &body).await;
    assert_eq!(case["status"], "resolved");
    assert!(case["resolved_on_site"].as_bool().unwrap());
    assert_eq!(case["allowed_actions"], json!(["comments"]), "the worker may not verify his own resolution");
    problem(app.try_step(&p.worker1, &case, "verify", json!({"passed": true})).await, 403).await;
    let case = app.step(&p.dc, &case, "verify", json!({"passed": true})).await;
    assert_eq!(case["status"], "closed");

    // A dispatcher who settles a matter himself does not verify it either.
    let case = new_case(&app, &p.dc, &body).await;
    problem(app.try_step(&p.dc, &case, "verify", json!({"passed": true})).await, 403).await;
}

async fn a_department_returns_a_case_that_is_not_its_business(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    let case = app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.police})).await;
    let case =
        app.step(&p.police_staff, &case, "return", json!({"reason": "不属于公安职责 not a police matter"})).await;
    assert_eq!(case["status"], "accepted");
    assert!(case["lead_department_id"].is_null());
    assert_eq!(case["stage"], "dispatch", "the dispatching clock runs again");
    assert!(case["due_at"].is_string());
    let seen: Value = app.json_as(&p.police_staff, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    assert_eq!(seen["allowed_actions"], json!(["comments"]), "a department sent the case once keeps seeing it");
    let case = app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban})).await;
    assert_eq!(case["status"], "dispatched");
}

async fn a_failed_verification_sends_the_case_back_for_rework(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    let case = app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban})).await;
    let first_due = case["due_at"].clone();
    let case = app.step(&p.urban_staff, &case, "start", json!({})).await;
    let case = app.step(&p.urban_staff, &case, "resolve", json!({"note": "done"})).await;
    let case = app.step(&p.worker1, &case, "verify", json!({"passed": false, "note": "还没清理干净 not clean"})).await;
    assert_eq!(case["status"], "dispatched");
    assert_eq!(case["rework_count"], 1);
    assert_ne!(case["due_at"], first_due, "rework gets a new time limit");
    let case = app.step(&p.urban_staff, &case, "start", json!({})).await;
    let case = app.step(&p.urban_staff, &case, "resolve", json!({"note": "really done"})).await;
    let case = app.step(&p.worker1, &case, "verify", json!({"passed": true})).await;
    assert_eq!((case["status"].as_str(), case["rework_count"].as_i64()), (Some("closed"), Some(1)));
}

async fn escalation_reaches_the_district_and_no_further(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let admin = &p.admin;
    let case = new_case(&app, &p.worker1, &report("illegal_construction")).await;
    problem(app.try_step(&p.ds, &case, "accept", json!({})).await, 403).await;
    let case = app.step(&p.dc, &case, "escalate", json!({"reason": "涉及多个社区"})).await;
    assert_eq!(case["owner_unit_id"], app.unit_id(admin, "DEMO-E").await.as_str());
    problem(app.try_step(&p.dc, &case, "accept", json!({})).await, 403).await;
    let case = app.step(&p.ds, &case, "escalate", json!({"reason": "需区级协调"})).await;
    assert_eq!(case["owner_unit_id"], app.unit_id(admin, "DEMO").await.as_str());
    assert!(!case["allowed_actions"].as_array().unwrap().contains(&json!("escalate")));
    let over = problem(app.try_step(&p.dd, &case, "escalate", json!({"reason": "?"})).await, 409).await;
    assert_eq!(over["code"], "conflict");
    let case = app.step(&p.dd, &case, "accept", json!({})).await;
    assert_eq!(case["status"], "accepted");
}

async fn collaborative_dispatch_lets_assisting_departments_see_and_comment(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    let case = app
        .step(
            &p.dc,
            &case,
            "dispatch",
            json!({"lead_department_id": p.urban, "assisting_department_ids": [p.police, p.property]}),
        )
        .await;
    assert_eq!(case["assisting_department_ids"], json!([p.police, p.property]));
    for token in [&p.police_staff, &p.property_staff] {
        let seen = app.json_as(token, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
        assert_eq!(seen["allowed_actions"], json!(["comments"]));
        assert_eq!(seen["assisting_department_ids"], json!([p.police, p.property]), "stored in the dispatcher's order");
        let res = app.try_step(token, &case, "comments", json!({"text": "配合处理 we will help"})).await;
        assert_eq!(res.status(), 201);
    }
    let res =
        app.try_step(&p.urban_staff, &case, "comments", json!({"text": "内部：注意安全", "internal": true})).await;
    assert_eq!(res.status(), 201);
    let events = app.json_as(&p.dc, &format!("/api/v1/cases/{}/events", case["id"].as_str().unwrap())).await;
    assert_eq!(events.as_array().unwrap().iter().filter(|e| e["type"] == "commented").count(), 3);

    // Returned and sent again: the former lead now assists, first in the list.
    let case = app.json_as(&p.dc, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    let case =
        app.step(&p.urban_staff, &case, "return", json!({"reason": "应由公安牵头 the police should lead"})).await;
    assert_eq!(case["assisting_department_ids"], json!([]));
    let case = app
        .step(
            &p.dc,
            &case,
            "dispatch",
            json!({"lead_department_id": p.police, "assisting_department_ids": [p.urban, p.property]}),
        )
        .await;
    let seen = app.json_as(&p.urban_staff, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await;
    assert_eq!(seen["lead_department_id"], json!(p.police));
    assert_eq!(seen["assisting_department_ids"], json!([p.urban, p.property]));

    // Lists and searches show it to each of the three departments, as reads do.
    let id = case["id"].as_str().unwrap();
    for token in [&p.urban_staff, &p.police_staff, &p.property_staff] {
        for query in ["", "?q=%E6%A5%BC%E9%81%93", "?q=%E6%A5%BC%E9%81%93&status=dispatched"] {
            let page = app.json_as(token, &format!("/api/v1/cases{query}")).await;
            let ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
            assert!(ids.contains(&id), "{query}: {ids:?}");
        }
    }
}

async fn extensions_are_granted_and_refused(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    let case = app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban})).await;
    let due = chrono::DateTime::parse_from_rfc3339(case["due_at"].as_str().unwrap()).unwrap();
    let res =
        app.try_step(&p.urban_staff, &case, "extension-requests", json!({"hours": 24, "reason": "等待材料"})).await;
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let rid = case["pending_extension"]["id"].as_str().unwrap().to_owned();
    assert!(case["allowed_actions"].as_array().unwrap().contains(&json!("comments")));
    problem(
        app.try_step(&p.urban_staff, &case, "extension-requests", json!({"hours": 1, "reason": "again"})).await,
        409,
    )
    .await;
    problem(
        app.try_step(&p.urban_staff, &case, &format!("extension-requests/{rid}/decision"), json!({"approved": true}))
            .await,
        403,
    )
    .await;
    let case = app.step(&p.dc, &case, &format!("extension-requests/{rid}/decision"), json!({"approved": true})).await;
    let extended = chrono::DateTime::parse_from_rfc3339(case["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(extended - due, chrono::Duration::hours(24));
    assert!(case["pending_extension"].is_null());

    let res = app.try_step(&p.urban_staff, &case, "extension-requests", json!({"hours": 48, "reason": "再延"})).await;
    let case: Value = res.json().await.unwrap();
    let rid = case["pending_extension"]["id"].as_str().unwrap().to_owned();
    let case = app
        .step(
            &p.dc,
            &case,
            &format!("extension-requests/{rid}/decision"),
            json!({"approved": false, "note": "不予延期"}),
        )
        .await;
    let still = chrono::DateTime::parse_from_rfc3339(case["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(still, extended, "a refused extension leaves the limit");
    let res = app.try_step(&p.urban_staff, &case, "extension-requests", json!({"hours": 0, "reason": "x"})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/hours"]);
}

async fn the_reporter_cancels_and_final_cases_admit_no_step(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    problem(app.try_step(&p.dc, &case, "cancel", json!({"reason": "x"})).await, 403).await;
    let case = app.step(&p.worker1, &case, "cancel", json!({"reason": "误报 reported by mistake"})).await;
    assert_eq!(case["status"], "cancelled");
    let body = problem(app.try_step(&p.dc, &case, "accept", json!({})).await, 409).await;
    assert_eq!(body["case_status"], "cancelled");
    assert_eq!(body["allowed_actions"], json!([]));
    problem(app.try_step(&p.worker1, &case, "comments", json!({"text": "x"})).await, 409).await;

    let other = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let rejected = app.step(&p.dc, &other, "reject", json!({"reason": "重复", "duplicate_of": case["id"]})).await;
    assert_eq!(rejected["status"], "rejected");
}

async fn routing_suggests_the_nearest_department_and_auto_dispatch_sends_it(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    // Sanitation: auto-accept and auto-dispatch to the only urban management department.
    let case = new_case(&app, &p.worker1, &report("sanitation")).await;
    assert_eq!(case["status"], "dispatched");
    assert_eq!(case["lead_department_id"], p.urban.as_str());
    let events = app.json_as(&p.dc, &format!("/api/v1/cases/{}/events", case["id"].as_str().unwrap())).await;
    let by: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["actor"]["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(by, [("reported", "user"), ("accepted", "system"), ("dispatched", "system")]);
    // Damaged facility in Heping: auto-accepted, routed to the community's own property company, not dispatched.
    let case = new_case(&app, &p.worker1, &report("damaged_facility")).await;
    assert_eq!(case["status"], "accepted");
    assert_eq!(case["suggested_department_id"], p.property.as_str());
    // The same in Guangming, which has no property company anywhere up its tree: no suggestion.
    let mut body = report("damaged_facility");
    body["location"] = json!({"lat": 39.907, "lon": 116.402});
    let case = new_case(&app, &p.ds, &body).await;
    assert_eq!(case["status"], "reported", "a dispatcher's report is not auto-accepted");
    let dispatcher_c2 = app.token("dispatcher_street").await;
    let res = app.try_step(&dispatcher_c2, &case, "accept", json!({})).await;
    problem(res, 403).await;
    // A hotline report by a dispatcher waits for acceptance; acceptance routes it.
    let mut body = report("disorderly_parking");
    body["source"] = json!("hotline");
    let case = new_case(&app, &p.dc, &body).await;
    assert_eq!(case["status"], "reported");
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    assert_eq!(case["status"], "dispatched", "auto_dispatch sends an accepted case at once");
    assert_eq!(case["lead_department_id"], p.police.as_str());
}

async fn the_residents_phone_is_masked_for_all_but_dispatcher_and_handler(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    assert_eq!(case["resident"]["phone"], "138****5678", "even the reporter sees it masked");
    assert_eq!(app.json_as(&p.leader, &path).await["resident"]["phone"], "138****5678");
    assert_eq!(app.json_as(&p.admin, &path).await["resident"]["phone"], "138****5678");
    assert_eq!(app.json_as(&p.dc, &path).await["resident"]["phone"], "13812345678");
    assert_eq!(
        app.json_as(&p.ds, &path).await["resident"]["phone"],
        "138****5678",
        "only the owning unit's dispatchers"
    );
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    let staff_id = app.user_id(&p.admin, "staff_urban").await;
    app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban, "handler_user_id": staff_id})).await;
    assert_eq!(app.json_as(&p.urban_staff, &path).await["resident"]["phone"], "13812345678", "the handler");
    let res = app
        .send_as(&p.dc, Method::POST, "/api/v1/cases", &{
            let mut b = report("neighbour_dispute");
            b["resident"]["phone"] = json!("not a phone");
            b
        })
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/resident/phone"]);
}

async fn reports_outside_the_reporters_area_are_refused(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let res = app.send_as(&p.worker2, Method::POST, "/api/v1/cases", &report("neighbour_dispute")).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/location"]);
    let mut body = report("neighbour_dispute");
    body["grid_id"] = json!(app.unit_id(&p.admin, "DEMO-W-C1-G1").await);
    let res = app.send_as(&p.worker1, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/grid_id"]);
    // A point in no grid is refused, for a grid worker and a dispatcher alike.
    let mut body = report("neighbour_dispute");
    body["location"] = json!({"lat": 31.23, "lon": 121.47});
    let res = app.send_as(&p.worker2, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/location"]);
    let res = app.send_as(&p.dc, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/location"]);
    problem(app.send_as(&p.leader, Method::POST, "/api/v1/cases", &report("neighbour_dispute")).await, 403).await;
    problem(app.send_as(&p.urban_staff, Method::POST, "/api/v1/cases", &report("neighbour_dispute")).await, 403).await;
    let mut bad = report("no_such_category");
    bad["priority"] = json!("whenever");
    bad["location"] = json!({"lat": 91, "lon": 116.4});
    let res = app.send_as(&p.worker1, Method::POST, "/api/v1/cases", &bad).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/location/lat", "/priority"], "the document's constraints");
    bad["priority"] = json!("urgent");
    bad["description"] = json!("  ");
    bad["location"] = json!({"lat": 39.9, "lon": 116.4});
    let res = app.send_as(&p.worker1, Method::POST, "/api/v1/cases", &bad).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/category_code", "/description"]);
    let mut with_status = report("neighbour_dispute");
    with_status["status"] = json!("closed");
    let res = app.send_as(&p.worker1, Method::POST, "/api/v1/cases", &with_status).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/status"], "a caller may not set the status");
}

async fn lists_show_each_caller_his_slice_and_filter_by_time_limit(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let mine = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let dispatched = new_case(&app, &p.worker1, &report("sanitation")).await;
    let mut other = report("neighbour_dispute");
    other["location"] = json!({"lat": 39.902, "lon": 116.407});
    new_case(&app, &p.worker2, &other).await;
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(count(&app.json_as(&p.worker1, "/api/v1/cases").await), 2);
    assert_eq!(count(&app.json_as(&p.worker2, "/api/v1/cases").await), 1);
    assert_eq!(count(&app.json_as(&p.dc, "/api/v1/cases").await), 3);
    assert_eq!(count(&app.json_as(&p.leader, "/api/v1/cases").await), 3);
    assert_eq!(count(&app.json_as(&p.urban_staff, "/api/v1/cases").await), 1);
    assert_eq!(count(&app.json_as(&p.police_staff, "/api/v1/cases").await), 0);
    let worker3 = app.token("worker3").await;
    assert_eq!(count(&app.json_as(&worker3, "/api/v1/cases").await), 0);
    // Every open case has a running clock: accepting for the reports, handling for the dispatched one.
    assert_eq!(count(&app.json_as(&p.dc, "/api/v1/cases?time_limit_status=ok").await), 3);
    assert_eq!(count(&app.json_as(&p.dc, "/api/v1/cases?time_limit_status=none").await), 0);
    assert_eq!(count(&app.json_as(&p.dc, "/api/v1/cases?time_limit_status=overdue").await), 0);
    assert_eq!(dispatched["stage"], "handle");
    let reported = app.json_as(&p.dc, "/api/v1/cases?status=reported").await;
    assert_eq!(count(&reported), 2);
    let page = app.json_as(&p.dc, "/api/v1/cases?limit=2").await;
    assert_eq!(count(&page), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = app.json_as(&p.dc, &format!("/api/v1/cases?limit=2&cursor={cursor}")).await;
    assert_eq!(count(&rest), 1);
    assert!(rest["next_cursor"].is_null());
    let all: Vec<&Value> = page["items"].as_array().unwrap().iter().chain(rest["items"].as_array().unwrap()).collect();
    assert!(all.iter().any(|c| c["id"] == mine["id"]));
    problem(app.get_as(&p.dc, "/api/v1/cases?time_limit_status=late").await, 400).await;
    // A withdrawn report has no clock.
    let cancelled = app.step(&p.worker1, &mine, "cancel", json!({"reason": "已自行解决 settled"})).await;
    assert_eq!(cancelled["time_limit_status"], "none");
    let none = app.json_as(&p.dc, "/api/v1/cases?time_limit_status=none").await;
    assert_eq!((count(&none), &none["items"][0]["id"]), (1, &mine["id"]));
    assert_eq!(count(&app.json_as(&p.dc, "/api/v1/cases?time_limit_status=ok").await), 2);
}

async fn corrections_before_dispatch_are_events(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let res =
        app.send_as(&p.dc, Method::PATCH, &path, &json!({"category_code": "fire_hazard", "priority": "urgent"})).await;
    assert_eq!(res.status(), 200);
    let case: Value = res.json().await.unwrap();
    assert_eq!((case["category_code"].as_str(), case["priority"].as_str()), (Some("fire_hazard"), Some("urgent")));
    let g2 = app.unit_id(&p.admin, "DEMO-E-C1-G2").await;
    let res = app.send_as(&p.dc, Method::PATCH, &path, &json!({"grid_id": g2})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/location"], "the point must lie in the grid named");
    let moved = json!({"grid_id": g2, "location": {"lat": 39.902, "lon": 116.407}});
    let res = app.send_as(&p.dc, Method::PATCH, &path, &moved).await;
    assert_eq!(res.json::<Value>().await.unwrap()["grid_id"], g2.as_str());
    assert_eq!(app.get_as(&p.worker2, &path).await.status(), 200, "the new grid's worker sees it");
    let g5 = app.unit_id(&p.admin, "DEMO-W-C1-G1").await;
    let res = app.send_as(&p.dc, Method::PATCH, &path, &json!({"grid_id": g5})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/grid_id"], "not outside the owning unit");
    problem(app.send_as(&p.worker1, Method::PATCH, &path, &json!({"description": "x"})).await, 403).await;
    let events = app.json_as(&p.dc, &format!("{path}/events")).await;
    let corrected: Vec<&Value> = events.as_array().unwrap().iter().filter(|e| e["type"] == "corrected").collect();
    assert_eq!(corrected.len(), 2);
    assert_eq!(corrected[0]["changes"]["category_code"], "fire_hazard");
    let case = app.step(&p.dc, &case, "accept", json!({})).await;
    app.step(&p.dc, &case, "dispatch", json!({"lead_department_id": p.urban})).await;
    problem(app.send_as(&p.dc, Method::PATCH, &path, &json!({"description": "too late"})).await, 409).await;
}

async fn the_timeline_cannot_be_edited(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    new_case(&app, &p.worker1, &report("sanitation")).await;
    let update = execute_raw(ctx.database_url(), "UPDATE case_events SET note = 'forged'").await;
    assert!(update.is_err_and(|e| e.contains("append-only")), "UPDATE refused by the database");
    let delete = execute_raw(ctx.database_url(), "DELETE FROM case_events").await;
    assert!(delete.is_err_and(|e| e.contains("append-only")), "DELETE refused by the database");
    let audit = execute_raw(ctx.database_url(), "DELETE FROM audit_log").await;
    assert!(audit.is_err_and(|e| e.contains("append-only")));
}

async fn stale_if_match_is_412(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let url = format!("/api/v1/cases/{}/accept", case["id"].as_str().unwrap());
    let stale = app.as_bearer(Method::POST, &url, &p.dc).header("if-match", "\"0\"").send().await.unwrap();
    let body = problem(stale, 412).await;
    assert_eq!(body["version"], 1);
    let malformed = app.as_bearer(Method::POST, &url, &p.dc).header("if-match", "1").send().await.unwrap();
    assert_eq!(fields_at_fault(&problem(malformed, 400).await), ["If-Match"]);
    let fresh = app.as_bearer(Method::POST, &url, &p.dc).header("if-match", "\"1\"").send().await.unwrap();
    assert_eq!(fresh.status(), 200);
    assert!(fresh.headers()["etag"].to_str().unwrap().starts_with("\"2-"), "the tag names version 2");
}

async fn a_case_read_again_unchanged_is_304_without_a_body(ctx: Ctx) {
    let app = ctx.app().await;
    let p = people(&app).await;
    let case = new_case(&app, &p.worker1, &report("neighbour_dispute")).await;
    let url = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let read = |token: &str, tag: Option<&str>| {
        let request = app.as_bearer(Method::GET, &url, token);
        let request = match tag {
            Some(tag) => request.header("if-none-match", tag),
            None => request,
        };
        async move { request.send().await.unwrap() }
    };
    let first = read(&p.dc, None).await;
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with("\"1-") && tag.ends_with('"'), "{tag}");

    let again = read(&p.dc, Some(&tag)).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    assert!(again.bytes().await.unwrap().is_empty(), "a 304 carries no body");
    assert_eq!(read(&p.dc, Some(&format!("\"0-000000000000\", W/{tag}"))).await.status(), 304, "a list, weak form");
    assert_eq!(read(&p.dc, Some("*")).await.status(), 304);
    let malformed = problem(read(&p.dc, Some("1-abc")).await, 400).await;
    assert_eq!(fields_at_fault(&malformed), ["If-None-Match"], "an unquoted tag is named, not ignored");
    // The version alone says the case did not change, whoever asks (a phone recomputes the clock).
    assert_eq!(read(&p.worker1, Some("\"1\"")).await.status(), 304);
    assert_eq!(read(&p.dc, Some("\"0\"")).await.status(), 200);

    // The same version seen by someone who may do other things is another answer.
    let worker = read(&p.worker1, Some(&tag)).await;
    assert_eq!(worker.status(), 200, "the reporter's allowed actions differ");
    assert_ne!(worker.headers()["etag"].to_str().unwrap(), tag);

    // The whole tag works as If-Match; a step changes the answer.
    let accept =
        app.as_bearer(Method::POST, &format!("{url}/accept"), &p.dc).header("if-match", &tag).send().await.unwrap();
    assert_eq!(accept.status(), 200);
    assert_eq!(read(&p.dc, Some("\"1\"")).await.status(), 200, "version 1 is gone");
    let after = read(&p.dc, Some(&tag)).await;
    assert_eq!(after.status(), 200);
    assert_eq!(after.json::<Value>().await.unwrap()["status"], "accepted");
}
