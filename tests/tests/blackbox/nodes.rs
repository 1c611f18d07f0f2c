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
