//! Two API nodes on one PostgreSQL agree on who may do what within 2 seconds.

use std::time::{Duration, Instant};

use gridline_tests::{app::problem, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_deactivation_through_one_node_holds_on_the_other,
    a_revoked_role_is_gone_on_the_other_node,
    imported_grids_are_located_by_the_other_node,
    a_rotated_signing_key_is_used_and_published_by_every_node,
    reference_data_changed_on_one_node_is_used_by_both,
    two_nodes_started_at_once_on_an_empty_database_both_come_up,
    a_change_through_one_node_is_live_on_the_other_within_100_ms_without_the_poll,
];

/// Polls `check` until it holds, for at most 2 seconds; returns how long it took.
async fn within_two_seconds<F, Fut>(mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(2), "the other node did not agree within 2 seconds");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn two_nodes(ctx: &Ctx) -> (TestApp, TestApp) {
    let a = ctx.app().await;
    let b = ctx.app().await;
    (a, b)
}

async fn a_deactivation_through_one_node_holds_on_the_other(ctx: Ctx) {
    let (a, b) = two_nodes(&ctx).await;
    let worker = a.token("worker1").await;
    assert_eq!(b.get_as(&worker, "/api/v1/me").await.status(), 200, "a token from node A works on node B");
    let admin = b.token("admin").await;
    let id = b.user_id(&admin, "worker1").await;
    let res = b.send_as(&admin, Method::PATCH, &format!("/api/v1/users/{id}"), &json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    within_two_seconds(|| async { a.get_as(&worker, "/api/v1/me").await.status() == 401 }).await;
    problem(a.get_as(&worker, "/api/v1/org-units").await, 401).await;
}

async fn a_revoked_role_is_gone_on_the_other_node(ctx: Ctx) {
    let (a, b) = two_nodes(&ctx).await;
    let dispatcher = a.token("dispatcher_community").await;
    let admin = b.token("admin").await;
    let id = b.user_id(&admin, "dispatcher_community").await;
    let grants = b.json_as(&admin, &format!("/api/v1/users/{id}/roles")).await;
    let grant = grants[0]["id"].as_str().unwrap();
    let res = b.send_as(&admin, Method::DELETE, &format!("/api/v1/users/{id}/roles/{grant}"), &json!({})).await;
    assert_eq!(res.status(), 204);
    within_two_seconds(|| async {
        let me: Value = a.get_as(&dispatcher, "/api/v1/me").await.json().await.unwrap();
        me["grants"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
}

async fn imported_grids_are_located_by_the_other_node(ctx: Ctx) {
    let (a, b) = two_nodes(&ctx).await;
    let admin = b.token("admin").await;
    let worker = a.token("worker1").await;
    let path = "/api/v1/grids/locate?lat=39.955&lon=116.505";
    problem(a.get_as(&worker, path).await, 404).await;
    let collection = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[116.50, 39.95], [116.51, 39.95], [116.51, 39.96], [116.50, 39.96], [116.50, 39.95]]]},
        "properties": {"code": "NODE-B-1", "name": "From node B", "parent_code": "DEMO-E-C2"}
    }]});
    let res = b.send_as(&admin, Method::POST, "/api/v1/org-units/import", &collection).await;
    assert_eq!(res.status(), 200);
    within_two_seconds(|| async { a.get_as(&worker, path).await.status() == 200 }).await;
    let grid = a.json_as(&worker, path).await;
    assert_eq!(grid["code"], "NODE-B-1");
}

async fn a_rotated_signing_key_is_used_and_published_by_every_node(ctx: Ctx) {
    let (a, b) = two_nodes(&ctx).await;
    let old_token = a.token("worker1").await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridline-under-test"))
        .args(["admin", "rotate-signing-key"])
        .env_clear()
        .envs(gridline_tests::app::test_env(ctx.database_url(), ctx.data_dir(), &[]))
        .output()
        .expect("run gridline admin rotate-signing-key");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let new_kid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    for node in [&a, &b] {
        within_two_seconds(|| async {
            let jwks: Value = node.get("/.well-known/jwks.json").await.json().await.unwrap();
            let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
            kids.len() == 2 && kids.contains(&new_kid.as_str())
        })
        .await;
    }
    assert_eq!(
        b.get_as(&old_token, "/api/v1/me").await.status(),
        200,
        "tokens of the old key verify until they expire"
    );
    let fresh = b.token("worker2").await;
    let header: Value = {
        use base64::Engine;
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(fresh.split('.').next().unwrap()).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(header["kid"], new_kid.as_str(), "new tokens are signed with the new key");
    assert_eq!(a.get_as(&fresh, "/api/v1/me").await.status(), 200);
}

/// Categories and departments are cached per node: the node that changed them
/// uses the change at once, the other one within the poll interval.
async fn reference_data_changed_on_one_node_is_used_by_both(ctx: Ctx) {
    let (a, b) = two_nodes(&ctx).await;
    let admin = a.token("admin").await;
    let worker = b.token("worker1").await;
    let report = json!({
        "category_code": "damaged_facility",
        "description": "路灯不亮 a street lamp is out",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号"
    });
    let res = b.send_as(&worker, Method::POST, "/api/v1/cases", &report).await;
    assert_eq!(res.status(), 201, "node B caches the category before it is retired");
    let res = a.send_as(&admin, Method::PATCH, "/api/v1/categories/damaged_facility", &json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    let own = a.token("worker1").await;
    let refused = problem(a.send_as(&own, Method::POST, "/api/v1/cases", &report).await, 422).await;
    assert_eq!(refused["errors"][0]["pointer"], "/category_code", "the node that retired it refuses at once");
    within_two_seconds(|| async { b.send_as(&worker, Method::POST, "/api/v1/cases", &report).await.status() == 422 })
        .await;

    // A department created through node A is where node B routes next
    // (routing runs on acceptance, at once for this category).
    let community = a.json_as(&admin, "/api/v1/org-units?kind=community").await;
    let heping = community.as_array().unwrap().iter().find(|u| u["code"] == "DEMO-E-C1").unwrap()["id"].clone();
    let dept = json!({"kind": "market", "code": "HP-MARKET", "name": "和平社区市场监管站", "unit_id": heping});
    let res = a.send_as(&admin, Method::POST, "/api/v1/departments", &dept).await;
    assert_eq!(res.status(), 201);
    let dept: Value = res.json().await.unwrap();
    let category = json!({"code": "food_stall", "name_zh": "无证摊点", "name_en": "Unlicensed food stall",
        "department_kind": "market", "auto_accept": true, "time_limits": [
            {"priority": "normal", "amount": 24, "unit": "natural_hours"},
            {"priority": "urgent", "amount": 4, "unit": "natural_hours"}]});
    let res = a.send_as(&admin, Method::POST, "/api/v1/categories", &category).await;
    assert_eq!(res.status(), 201);
    let mut stall = report.clone();
    stall["category_code"] = json!("food_stall");
    within_two_seconds(|| async {
        let res = b.send_as(&worker, Method::POST, "/api/v1/cases", &stall).await;
        let case: Value = res.json().await.unwrap_or_default();
        case["suggested_department_id"] == dept["id"]
    })
    .await;
}

/// Both run the migrations and install the demo district at the same time:
/// each is applied once, and both serve.
async fn two_nodes_started_at_once_on_an_empty_database_both_come_up(ctx: Ctx) {
    let (a, b) = tokio::join!(ctx.app(), ctx.app());
    for node in [&a, &b] {
        assert_eq!(node.get("/readyz").await.status(), 200);
        let me = node.json_as(&node.token("worker1").await, "/api/v1/me").await;
        assert_eq!(me["user"]["username"], "worker1");
    }
    let admin = a.token("admin").await;
    let users = a.json_as(&admin, "/api/v1/users?limit=200").await;
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names.iter().filter(|n| **n == "worker1").count(), 1, "the demo district installed once: {names:?}");
}

/// The poll is set to a minute: only the NOTIFY a version bump sends can
/// bring the change across in time.
async fn a_change_through_one_node_is_live_on_the_other_within_100_ms_without_the_poll(ctx: Ctx) {
    let a = ctx.app_with(&[("GRIDLINE_CACHE_POLL_MS", "60000")]).await;
    let b = ctx.app_with(&[("GRIDLINE_CACHE_POLL_MS", "60000")]).await;
    let admin = a.token("admin").await;
    let reader = b.token("admin").await;
    let has =
        |reference: &Value, code: &str| reference["categories"].as_array().unwrap().iter().any(|c| c["code"] == code);
    // Once for warm connections; the second is timed.
    for code in ["warm_up", "timed"] {
        let category = json!({"code": code, "name_zh": "测试", "name_en": "Test",
            "department_kind": "market", "time_limits": [
                {"priority": "normal", "amount": 24, "unit": "natural_hours"},
                {"priority": "urgent", "amount": 4, "unit": "natural_hours"}]});
        let res = a.send_as(&admin, Method::POST, "/api/v1/categories", &category).await;
        assert_eq!(res.status(), 201);
        let created = Instant::now();
        loop {
            if has(&b.json_as(&reader, "/api/v1/reference").await, code) {
                break;
            }
            assert!(created.elapsed() < Duration::from_secs(2), "node B never saw {code}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = created.elapsed();
        eprintln!("{code}: live on node B after {took:?}");
        if code == "timed" {
            assert!(took < Duration::from_millis(100), "live on node B within 100 ms: {took:?}");
        }
    }
}
