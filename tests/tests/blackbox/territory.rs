//! Access that follows the territory: dispatch only to departments that
//! serve the case, references that cannot probe, replays that re-check,
//! duties kept apart, reports from where the reporter works.

use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    dispatch_assist_and_handler_outside_the_territory_are_refused_alike,
    references_to_unseen_or_unknown_ids_get_one_answer,
    a_dispatcher_lists_the_staff_of_departments_that_serve_his_territory,
    a_replay_after_access_is_revoked_is_404_and_executes_nothing,
    a_second_grant_elsewhere_gives_no_voice_on_a_case,
    any_grid_worker_of_the_grid_verifies_but_never_the_resolver,
    a_grid_worker_reports_as_grid_worker_and_a_dispatcher_does_not,
    reports_lie_in_the_reporters_grids_with_thirty_metres_of_tolerance,
    a_taken_id_is_409_only_for_a_valid_report,
];

const UNKNOWN: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

fn report_at(lat: f64, lon: f64) -> Value {
    json!({
        "category_code": "neighbour_dispute",
        "description": "楼道堆物",
        "priority": "normal",
        "location": {"lat": lat, "lon": lon},
        "address": "和平路 5 号"
    })
}

async fn send(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.send_as(token, Method::POST, path, &body).await
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = send(app, token, path, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// A case in Heping's first grid, accepted by the community dispatcher.
async fn accepted_case(app: &TestApp, worker: &str, dc: &str) -> Value {
    let case = ok(app, worker, "/api/v1/cases", report_at(39.902, 116.402)).await;
    ok(app, dc, &format!("/api/v1/cases/{}/accept", id(&case)), json!({})).await
}

async fn dispatch_assist_and_handler_outside_the_territory_are_refused_alike(ctx: Ctx) {
    let app = ctx.app().await;
    let (admin, worker1, dc) =
        (app.token("admin").await, app.token("worker1").await, app.token("dispatcher_community").await);
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let xingfu_property = app.department_id(&admin, "DEMO-W-C1-PROPERTY").await;
    let police_staff = app.user_id(&admin, "staff_police").await;
    let urban_staff = app.user_id(&admin, "staff_urban").await;
    let case = accepted_case(&app, &worker1, &dc).await;
    let path = format!("/api/v1/cases/{}/dispatch", id(&case));

    let mut details = Vec::new();
    for lead in [xingfu_property.as_str(), UNKNOWN] {
        let p = problem(send(&app, &dc, &path, json!({"lead_department_id": lead})).await, 422).await;
        assert_eq!(fields_at_fault(&p), ["/lead_department_id"], "{p}");
        details.push(p["errors"][0]["detail"].clone());
    }
    assert_eq!(details[0], details[1], "an ineligible and an unknown department get the same answer");

    let p = problem(
        send(
            &app,
            &dc,
            &path,
            json!({"lead_department_id": urban, "assisting_department_ids": [xingfu_property, UNKNOWN]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields_at_fault(&p), ["/assisting_department_ids/0", "/assisting_department_ids/1"]);
    assert_eq!(p["errors"][0]["detail"], p["errors"][1]["detail"]);

    let mut details = Vec::new();
    for handler in [police_staff.as_str(), UNKNOWN] {
        let p = problem(
            send(&app, &dc, &path, json!({"lead_department_id": urban, "handler_user_id": handler})).await,
            422,
        )
        .await;
        assert_eq!(fields_at_fault(&p), ["/handler_user_id"]);
        details.push(p["errors"][0]["detail"].clone());
    }
    assert_eq!(details[0], details[1], "another department's staff and nobody get the same answer");

    let p = problem(
        send(&app, &dc, &path, json!({"lead_department_id": urban, "assisting_department_ids": [UNKNOWN, UNKNOWN]}))
            .await,
        422,
    )
    .await;
    assert!(fields_at_fault(&p).contains(&"/assisting_department_ids/1".to_owned()), "a repeat is refused: {p}");
    let eleven: Vec<String> = (0..11).map(|i| format!("01890a5d-ac96-774b-bcce-b302099a80{i:02}")).collect();
    let p = problem(
        send(&app, &dc, &path, json!({"lead_department_id": urban, "assisting_department_ids": eleven})).await,
        422,
    )
    .await;
    assert_eq!(fields_at_fault(&p), ["/assisting_department_ids"], "at most 10 assisting departments");

    // Nothing above changed the case; the lawful dispatch works.
    let case = ok(&app, &dc, &path, json!({"lead_department_id": urban, "handler_user_id": urban_staff})).await;
    assert_eq!(case["status"], "dispatched");
    let property_staff = app.token("staff_property").await;
    let xingfu = app.token("worker3").await;
    assert_eq!(app.get_as(&xingfu, &format!("/api/v1/cases/{}", id(&case))).await.status(), 404);
    assert_eq!(app.get_as(&property_staff, &format!("/api/v1/cases/{}", id(&case))).await.status(), 404);
}

async fn references_to_unseen_or_unknown_ids_get_one_answer(ctx: Ctx) {
    let app = ctx.app().await;
    let (worker1, worker3, dc) =
        (app.token("worker1").await, app.token("worker3").await, app.token("dispatcher_community").await);
    let xingfu_case = ok(&app, &worker3, "/api/v1/cases", report_at(39.902, 116.412)).await;
    let case = ok(&app, &worker1, "/api/v1/cases", report_at(39.902, 116.402)).await;
    let path = format!("/api/v1/cases/{}/reject", id(&case));
    let mut answers = Vec::new();
    for dup in [id(&xingfu_case), UNKNOWN] {
        let p = problem(send(&app, &dc, &path, json!({"reason": "重复", "duplicate_of": dup})).await, 422).await;
        assert_eq!(fields_at_fault(&p), ["/duplicate_of"]);
        answers.push(p["errors"].clone());
    }
    assert_eq!(answers[0], answers[1], "another community's case is as unknown as no case");

    // A grid named in a report: another community's and none at all alike.
    let admin = app.token("admin").await;
    let xingfu_grid = app.unit_id(&admin, "DEMO-W-C1-G1").await;
    let mut answers = Vec::new();
    for grid in [xingfu_grid.as_str(), UNKNOWN] {
        let mut body = report_at(39.902, 116.402);
        body["grid_id"] = json!(grid);
        let p = problem(send(&app, &worker1, "/api/v1/cases", body).await, 422).await;
        assert_eq!(fields_at_fault(&p), ["/grid_id"]);
        answers.push(p["errors"].clone());
    }
    assert_eq!(answers[0], answers[1]);
    // The same for a correction by the owning dispatcher.
    let mut answers = Vec::new();
    for grid in [xingfu_grid.as_str(), UNKNOWN] {
        let res =
            app.send_as(&dc, Method::PATCH, &format!("/api/v1/cases/{}", id(&case)), &json!({"grid_id": grid})).await;
        let p = problem(res, 422).await;
        assert_eq!(fields_at_fault(&p), ["/grid_id"]);
        answers.push(p["errors"].clone());
    }
    assert_eq!(answers[0], answers[1]);
}

async fn a_dispatcher_lists_the_staff_of_departments_that_serve_his_territory(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let dc = app.token("dispatcher_community").await;
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let heping_property = app.department_id(&admin, "DEMO-E-C1-PROPERTY").await;
    let xingfu_property = app.department_id(&admin, "DEMO-W-C1-PROPERTY").await;
    let staff = app.json_as(&dc, &format!("/api/v1/departments/{urban}/staff")).await;
    let staff_urban = app.user_id(&admin, "staff_urban").await;
    assert!(
        staff.as_array().unwrap().iter().any(|m| m["id"] == staff_urban.as_str() && m["display_name"].is_string()),
        "{staff}"
    );
    assert_eq!(app.get_as(&dc, &format!("/api/v1/departments/{heping_property}/staff")).await.status(), 200);
    problem(app.get_as(&dc, &format!("/api/v1/departments/{xingfu_property}/staff")).await, 403).await;
    problem(app.get_as(&app.token("worker1").await, &format!("/api/v1/departments/{urban}/staff")).await, 403).await;
    problem(app.get_as(&dc, &format!("/api/v1/departments/{UNKNOWN}/staff")).await, 404).await;
    let ds = app.token("dispatcher_street").await;
    assert_eq!(
        app.get_as(&ds, &format!("/api/v1/departments/{heping_property}/staff")).await.status(),
        200,
        "inside his subtree"
    );
}

async fn a_replay_after_access_is_revoked_is_404_and_executes_nothing(ctx: Ctx) {
    let app = ctx.app().await;
    let (admin, worker1, dc) =
        (app.token("admin").await, app.token("worker1").await, app.token("dispatcher_community").await);
    let case = ok(
        &app,
        &worker1,
        "/api/v1/cases",
        json!({
            "category_code": "neighbour_dispute", "description": "噪音", "priority": "normal",
            "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号",
            "resident": {"name": "王阿姨", "phone": "13812345678"}
        }),
    )
    .await;
    let path = format!("/api/v1/cases/{}/accept", id(&case));
    let first = app
        .as_bearer(Method::POST, &path, &dc)
        .header("Idempotency-Key", "accept-1")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["resident"]["phone"], "13812345678", "the owning dispatcher sees the phone");

    let dc_id = app.user_id(&admin, "dispatcher_community").await;
    let grants = app.json_as(&admin, &format!("/api/v1/users/{dc_id}/roles")).await;
    let grant = grants[0]["id"].as_str().unwrap();
    let res =
        app.as_bearer(Method::DELETE, &format!("/api/v1/users/{dc_id}/roles/{grant}"), &admin).send().await.unwrap();
    assert_eq!(res.status(), 204);

    let replay = app
        .as_bearer(Method::POST, &path, &dc)
        .header("Idempotency-Key", "accept-1")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body = problem(replay, 404).await;
    assert!(!body.to_string().contains("13812345678"), "nothing of the case leaks: {body}");
    let events = app.json_as(&admin, &format!("/api/v1/cases/{}/events", id(&case))).await;
    assert_eq!(events.as_array().unwrap().len(), 2, "reported and accepted, once");
}

async fn a_second_grant_elsewhere_gives_no_voice_on_a_case(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let worker3 = app.token("worker3").await;
    let xingfu_case = ok(&app, &worker3, "/api/v1/cases", report_at(39.902, 116.412)).await;
    let worker1_id = app.user_id(&admin, "worker1").await;
    let district = app.unit_id(&admin, "DEMO").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            &format!("/api/v1/users/{worker1_id}/roles"),
            &json!({"role": "leader", "unit_id": district}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let worker1 = app.token("worker1").await;
    let seen = app.json_as(&worker1, &format!("/api/v1/cases/{}", id(&xingfu_case))).await;
    assert_eq!(
        seen["allowed_actions"],
        json!(["comments", "urge"]),
        "a leader comments and urges (督办) in his area; as a grid worker of another grid he has no say"
    );
    let urged =
        send(&app, &worker1, &format!("/api/v1/cases/{}/urge", id(&xingfu_case)), json!({"note": "请尽快"})).await;
    assert_eq!(urged.status(), 200);
    problem(
        send(&app, &worker1, &format!("/api/v1/cases/{}/cancel", id(&xingfu_case)), json!({"reason": "x"})).await,
        403,
    )
    .await;
    let own = ok(&app, &worker1, "/api/v1/cases", report_at(39.902, 116.402)).await;
    ok(&app, &worker1, &format!("/api/v1/cases/{}/comments", id(&own)), json!({"text": "补充"})).await;
}

async fn any_grid_worker_of_the_grid_verifies_but_never_the_resolver(ctx: Ctx) {
    let app = ctx.app().await;
    let (admin, worker1, worker4, dc) = (
        app.token("admin").await,
        app.token("worker1").await,
        app.token("worker4").await,
        app.token("dispatcher_community").await,
    );
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let staff = app.token("staff_urban").await;
    let case = accepted_case(&app, &worker1, &dc).await;
    let path = |step: &str| format!("/api/v1/cases/{}/{step}", id(&case));
    ok(&app, &dc, &path("dispatch"), json!({"lead_department_id": urban})).await;
    ok(&app, &staff, &path("start"), json!({})).await;
    let resolved = ok(&app, &staff, &path("resolve"), json!({"note": "已清理"})).await;
    assert_eq!(resolved["status"], "resolved");
    let seen_by_worker4 = app.json_as(&worker4, &format!("/api/v1/cases/{}", id(&case))).await;
    assert!(seen_by_worker4["allowed_actions"].as_array().unwrap().contains(&json!("verify")));
    let closed = ok(&app, &worker4, &path("verify"), json!({"passed": true})).await;
    assert_eq!(closed["status"], "closed", "another grid worker of the grid closed it");

    // Settled on site by worker1: he may not verify his own work; worker4 and the dispatcher may.
    let mut body = report_at(39.902, 116.402);
    body["resolved_on_site"] = json!({"note": "当场劝离"});
    let on_site = ok(&app, &worker1, "/api/v1/cases", body).await;
    assert_eq!(on_site["status"], "resolved");
    assert!(!on_site["allowed_actions"].as_array().unwrap().contains(&json!("verify")));
    problem(
        send(&app, &worker1, &format!("/api/v1/cases/{}/verify", id(&on_site)), json!({"passed": true})).await,
        403,
    )
    .await;
    ok(&app, &worker4, &format!("/api/v1/cases/{}/verify", id(&on_site)), json!({"passed": true})).await;

    // Whoever asked for more time does not grant it, even holding the dispatcher's grant too.
    let staff_id = app.user_id(&admin, "staff_urban").await;
    let heping = app.unit_id(&admin, "DEMO-E-C1").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            &format!("/api/v1/users/{staff_id}/roles"),
            &json!({"role": "dispatcher", "unit_id": heping}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let staff = app.token("staff_urban").await;
    let case = accepted_case(&app, &worker1, &dc).await;
    ok(&app, &dc, &format!("/api/v1/cases/{}/dispatch", id(&case)), json!({"lead_department_id": urban})).await;
    let asked = ok(
        &app,
        &staff,
        &format!("/api/v1/cases/{}/extension-requests", id(&case)),
        json!({"hours": 24, "reason": "等配件"}),
    )
    .await;
    let rid = asked["pending_extension"]["id"].as_str().unwrap();
    assert!(!asked["allowed_actions"].as_array().unwrap().contains(&json!("extension-decision")));
    let decision = format!("/api/v1/cases/{}/extension-requests/{rid}/decision", id(&case));
    problem(send(&app, &staff, &decision, json!({"approved": true})).await, 403).await;
    ok(&app, &dc, &decision, json!({"approved": true})).await;
}

async fn a_grid_worker_reports_as_grid_worker_and_a_dispatcher_does_not(ctx: Ctx) {
    let app = ctx.app().await;
    let (worker1, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    let mut body = report_at(39.902, 116.402);
    body["source"] = json!("hotline");
    assert_eq!(
        fields_at_fault(&problem(send(&app, &worker1, "/api/v1/cases", body.clone()).await, 422).await),
        ["/source"]
    );
    body["source"] = json!("grid_worker");
    assert_eq!(ok(&app, &worker1, "/api/v1/cases", body.clone()).await["source"], "grid_worker");
    assert_eq!(fields_at_fault(&problem(send(&app, &dc, "/api/v1/cases", body.clone()).await, 422).await), ["/source"]);
    body["source"] = json!("hotline");
    assert_eq!(ok(&app, &dc, "/api/v1/cases", body).await["source"], "hotline");
    assert_eq!(
        ok(&app, &worker1, "/api/v1/cases", report_at(39.902, 116.402)).await["source"],
        "grid_worker",
        "the default"
    );
}

async fn reports_lie_in_the_reporters_grids_with_thirty_metres_of_tolerance(ctx: Ctx) {
    let app = ctx.app().await;
    let (admin, worker1, dc) =
        (app.token("admin").await, app.token("worker1").await, app.token("dispatcher_community").await);
    let g1 = app.unit_id(&admin, "DEMO-E-C1-G1").await;
    // About 20 m south of the district's edge, and about 20 m inside worker2's grid: both go to worker1's grid.
    for (lat, lon) in [(39.900 - 0.00018, 116.402), (39.902, 116.405 + 0.00023)] {
        let case = ok(&app, &worker1, "/api/v1/cases", report_at(lat, lon)).await;
        assert_eq!(case["grid_id"], g1.as_str(), "({lat}, {lon})");
    }
    // 50 m out, or well inside another grid: refused.
    for (lat, lon) in [(39.900 - 0.00045, 116.402), (39.902, 116.408)] {
        let p = problem(send(&app, &worker1, "/api/v1/cases", report_at(lat, lon)).await, 422).await;
        assert_eq!(fields_at_fault(&p), ["/location"], "({lat}, {lon})");
    }
    // Naming his grid for a point far from it.
    let mut body = report_at(39.902, 116.408);
    body["grid_id"] = json!(g1);
    assert_eq!(fields_at_fault(&problem(send(&app, &worker1, "/api/v1/cases", body).await, 422).await), ["/location"]);
    // A dispatcher reports inside his subtree only, and corrects within it.
    let mut body = report_at(39.902, 116.412);
    body["source"] = json!("hotline");
    assert_eq!(fields_at_fault(&problem(send(&app, &dc, "/api/v1/cases", body).await, 422).await), ["/location"]);
    let case = ok(&app, &worker1, "/api/v1/cases", report_at(39.902, 116.402)).await;
    let path = format!("/api/v1/cases/{}", id(&case));
    let res = app.send_as(&dc, Method::PATCH, &path, &json!({"location": {"lat": 39.902, "lon": 116.412}})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/location"]);
    let moved = app.send_as(&dc, Method::PATCH, &path, &json!({"location": {"lat": 39.902, "lon": 116.408}})).await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["grid_id"], app.unit_id(&admin, "DEMO-E-C1-G2").await.as_str(), "the grid follows the point");
}

async fn a_taken_id_is_409_only_for_a_valid_report(ctx: Ctx) {
    let app = ctx.app().await;
    let (worker1, worker2) = (app.token("worker1").await, app.token("worker2").await);
    let mut body = report_at(39.902, 116.402);
    body["id"] = json!("01890a5d-ac96-774b-bcce-b302099a8001");
    ok(&app, &worker1, "/api/v1/cases", body.clone()).await;
    let mut invalid = body.clone();
    invalid["description"] = json!("");
    let p = problem(send(&app, &worker2, "/api/v1/cases", invalid).await, 422).await;
    assert_eq!(fields_at_fault(&p), ["/description"], "the body is judged before the id");
    let mut other = report_at(39.902, 116.407);
    other["id"] = body["id"].clone();
    assert_eq!(problem(send(&app, &worker2, "/api/v1/cases", other).await, 409).await["code"], "id_taken");
}
