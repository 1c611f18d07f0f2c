//! Webhooks: an integration receives every change it subscribed to, exactly
//! as signed, in order, through failures, restarts and several nodes; and a
//! webhook cannot be pointed at the internal network.

use std::{collections::HashSet, time::Duration};

use gridline_tests::{
    app::{fields_at_fault, problem, DEMO_PASSWORD},
    process::{login, ServerProcess},
    receiver::Receiver,
    signing::verified,
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    an_integration_receives_every_event_signed_and_in_order_through_failures,
    a_webhook_cannot_reach_the_internal_network,
    a_server_killed_mid_delivery_delivers_after_restart,
];
gridline_tests::tests![PG_TESTS: two_nodes_never_send_one_attempt_twice];

const PRIVATE_OK: (&str, &str) = ("GRIDLINE_WEBHOOK_ALLOW_PRIVATE", "true");
const BINARY: &str = env!("CARGO_BIN_EXE_gridline-under-test");

async fn subscribe(app: &TestApp, admin: &str, url: &str, events: Value) -> reqwest::Response {
    app.send_as(admin, Method::POST, "/api/v1/webhooks", &json!({"url": url, "events": events})).await
}

fn report_body() -> Value {
    json!({
        "category_code": "neighbour_dispute", "description": "噪音扰民", "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号",
        "resident": {"name": "王阿姨", "phone": "13812345678"},
    })
}

async fn an_integration_receives_every_event_signed_and_in_order_through_failures(ctx: Ctx) {
    let receiver = Receiver::start(&[503, 500]).await;
    let app = ctx.app_with(&[PRIVATE_OK]).await;
    let admin = app.token("admin").await;
    let res = subscribe(&app, &admin, &format!("{}/hooks", receiver.url), json!(["*"])).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let hook_id = created["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["webhook"]["events"], json!(["*"]));
    let listed = app.json_as(&admin, "/api/v1/webhooks").await;
    assert!(listed[0].get("secret").is_none(), "the secret is shown once");

    let (w1, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    let res = app.send_as(&w1, Method::POST, "/api/v1/cases", &report_body()).await;
    let case: Value = res.json().await.unwrap();
    let url = format!("/api/v1/cases/{}/accept", case["id"].as_str().unwrap());
    assert_eq!(app.send_as(&dc, Method::POST, &url, &json!({})).await.status(), 200);

    // Two failures of the first event, then both events, in order.
    let got = receiver.wait_for(4, Duration::from_secs(20)).await;
    let seen: Vec<(String, u16)> =
        got.iter().map(|r| (r.json()["type"].as_str().unwrap().to_owned(), r.status)).collect();
    assert_eq!(
        seen,
        [("reported".into(), 503), ("reported".into(), 500), ("reported".into(), 200), ("accepted".into(), 200)]
    );
    let taken = &got[2];
    assert_eq!(taken.path, "/hooks");
    let body = taken.json();
    assert_eq!(body["case"]["id"], case["id"]);
    assert_eq!(body["case"]["resident"]["phone"], "138****5678", "phones masked");
    assert_eq!(body["case"]["allowed_actions"], json!([]));
    assert_eq!(taken.headers["gridline-event-id"], body["id"].as_str().unwrap());
    assert_eq!(got[0].headers["gridline-event-id"], taken.headers["gridline-event-id"], "one id through retries");
    // The signature, checked independently.
    assert!(verified(&taken.headers["gridline-signature"], &taken.body, &secret).is_some());

    // Every attempt is listed, newest first.
    let attempts = app.json_as(&admin, &format!("/api/v1/webhooks/{hook_id}/deliveries")).await;
    let statuses: Vec<u64> =
        attempts["items"].as_array().unwrap().iter().map(|a| a["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [200, 200, 500, 503]);
    assert_eq!(attempts["items"][3]["attempt"], 1);
    assert_eq!(attempts["items"][2]["error"], "answered 500");

    // Sent again on request.
    let delivery = attempts["items"][3]["delivery_id"].as_str().unwrap();
    let res = app
        .send_as(
            &admin,
            Method::POST,
            &format!("/api/v1/webhooks/{hook_id}/deliveries/{delivery}/redeliver"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let got = receiver.wait_for(5, Duration::from_secs(10)).await;
    assert_eq!(got[4].headers["gridline-event-id"], delivery);

    // Paused, nothing is sent; a subscription to other types gets none of these.
    let res =
        app.send_as(&admin, Method::PATCH, &format!("/api/v1/webhooks/{hook_id}"), &json!({"active": false})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["active"], false);
    let closed_only = Receiver::start(&[]).await;
    assert_eq!(subscribe(&app, &admin, &closed_only.url, json!(["verified"])).await.status(), 201);
    app.send_as(&w1, Method::POST, "/api/v1/cases", &report_body()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 5);
    assert!(closed_only.received().is_empty());
    let res =
        app.request(Method::DELETE, &format!("/api/v1/webhooks/{hook_id}")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(res.status(), 204);
    problem(app.get_as(&admin, &format!("/api/v1/webhooks/{hook_id}")).await, 404).await;
}

async fn a_webhook_cannot_reach_the_internal_network(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://10.0.0.8/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "http://localhost/x",
    ] {
        let res = subscribe(&app, &admin, url, json!(["*"])).await;
        assert_eq!(fields_at_fault(&problem(res, 422).await), ["/url"], "{url}");
    }
    let res = subscribe(&app, &admin, "ftp://example.com/x", json!(["*"])).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/url"]);
    let res = subscribe(&app, &admin, "http://8.8.8.8/x", json!(["*", "reported"])).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/events"]);
    let res = subscribe(&app, &admin, "http://8.8.8.8/x", json!(["reported", "teleported"])).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/events/1"]);
    let dc = app.token("dispatcher_community").await;
    problem(subscribe(&app, &dc, "http://8.8.8.8/x", json!(["*"])).await, 403).await;
    // A public address is taken (nothing is sent to it here: no case changes).
    assert_eq!(subscribe(&app, &admin, "http://8.8.8.8/x", json!(["reported"])).await.status(), 201);
}

async fn a_server_killed_mid_delivery_delivers_after_restart(ctx: Ctx) {
    // The receiver holds the first attempt's answer: the server dies waiting for it.
    let receiver = Receiver::start_holding(&[], Duration::from_secs(5)).await;
    let server = ServerProcess::start(BINARY, &ctx, &[PRIVATE_OK]);
    let base = server.base_url();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let admin = login(&client, &base, "admin", gridline_tests::app::ADMIN_PASSWORD).await;
    let res = client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({"url": receiver.url, "events": ["reported"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let w1 = login(&client, &base, "worker1", DEMO_PASSWORD).await;
    let res = client.post(format!("{base}/api/v1/cases")).bearer_auth(&w1).json(&report_body()).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    assert_eq!(receiver.wait_for(1, Duration::from_secs(10)).await.len(), 1, "the first attempt is under way");
    server.kill();

    let server = ServerProcess::start(BINARY, &ctx, &[PRIVATE_OK]);
    let got = receiver.wait_for(2, Duration::from_secs(40)).await;
    assert_eq!(got.len(), 2, "delivered after the restart");
    assert_eq!(got[1].json()["case"]["id"], case["id"]);
    assert_eq!(got[1].headers["gridline-delivery-attempt"], "2");
    drop(server);
}

async fn two_nodes_never_send_one_attempt_twice(ctx: Ctx) {
    let receiver = Receiver::start(&[]).await;
    let (a, b) = (ctx.app_with(&[PRIVATE_OK]).await, ctx.app_with(&[PRIVATE_OK]).await);
    let admin = a.token("admin").await;
    assert_eq!(subscribe(&a, &admin, &receiver.url, json!(["reported"])).await.status(), 201);
    let (wa, wb) = (a.token("worker1").await, b.token("worker1").await);
    for i in 0..20 {
        let (app, token) = if i % 2 == 0 { (&a, &wa) } else { (&b, &wb) };
        assert_eq!(app.send_as(token, Method::POST, "/api/v1/cases", &report_body()).await.status(), 201);
    }
    let got = receiver.wait_for(20, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_all = receiver.received();
    assert_eq!(got.len(), 20);
    assert_eq!(got_all.len(), 20, "no attempt sent twice");
    let events: HashSet<&String> = got_all.iter().map(|r| &r.headers["gridline-event-id"]).collect();
    assert_eq!(events.len(), 20, "each event once");
}
