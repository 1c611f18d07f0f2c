//! Phone push: a user's phones are registered and forgotten with his
//! session; each notification goes to the operator's push gateway, signed,
//! and is tried again until the gateway takes it.

use std::time::Duration;

use gridline_tests::{app::problem, receiver::Receiver, signing::verified, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    phones_are_registered_listed_removed_and_forgotten_at_logout,
    the_push_gateway_gets_each_notification_signed_until_it_takes_it,
];

const SECRET: &str = "push-gateway-secret-0123456789";

async fn register(app: &TestApp, token: &str, provider: &str, push_token: &str) -> reqwest::Response {
    let body = json!({"platform": "android", "provider": provider, "push_token": push_token});
    app.send_as(token, Method::POST, "/api/v1/me/devices", &body).await
}

async fn phones_are_registered_listed_removed_and_forgotten_at_logout(ctx: Ctx) {
    let app = ctx.app().await;
    let other = app.token("worker2").await;
    let phone = app.login("staff_urban").await;
    let tablet = app.login("staff_urban").await;

    let res = register(&app, &phone.access, "huawei", "token-of-the-phone").await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    let again = register(&app, &phone.access, "huawei", "token-of-the-phone").await;
    assert_eq!(again.status(), 200, "the same token is the same device");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(register(&app, &tablet.access, "xiaomi", "token-of-the-tablet").await.status(), 201);
    let listed = app.json_as(&tablet.access, "/api/v1/me/devices").await;
    let providers: Vec<&str> = listed.as_array().unwrap().iter().map(|d| d["provider"].as_str().unwrap()).collect();
    assert_eq!(providers, ["huawei", "xiaomi"]);
    assert_eq!(app.json_as(&other, "/api/v1/me/devices").await, json!([]), "his own only");

    let bad = register(&app, &phone.access, "nokia", "x").await;
    assert_eq!(bad.status(), 422);
    let blank = register(&app, &phone.access, "jpush", "   ").await;
    assert_eq!(problem(blank, 422).await["errors"][0]["pointer"], "/push_token");
    let id = first["id"].as_str().unwrap();
    let res =
        app.request(Method::DELETE, &format!("/api/v1/me/devices/{id}")).bearer_auth(&other).send().await.unwrap();
    problem(res, 404).await;

    // The phone logs out: it is forgotten; the tablet stays.
    let res = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": phone.refresh})).await;
    assert_eq!(res.status(), 204);
    let listed = app.json_as(&tablet.access, "/api/v1/me/devices").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["provider"], "xiaomi");
    let tablet_id = listed[0]["id"].as_str().unwrap();
    let res = app
        .request(Method::DELETE, &format!("/api/v1/me/devices/{tablet_id}"))
        .bearer_auth(&tablet.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.json_as(&tablet.access, "/api/v1/me/devices").await, json!([]));
}

async fn the_push_gateway_gets_each_notification_signed_until_it_takes_it(ctx: Ctx) {
    // The gateway fails twice, then takes it.
    let gateway = Receiver::start(&[503, 500]).await;
    let url = format!("{}/push", gateway.url);
    let app =
        ctx.app_with(&[("GRIDLINE_PUSH_GATEWAY_URL", url.as_str()), ("GRIDLINE_PUSH_GATEWAY_SECRET", SECRET)]).await;
    let dc = app.token("dispatcher_community").await;
    assert_eq!(register(&app, &dc, "huawei", "hw-token-1").await.status(), 201);
    assert_eq!(register(&app, &dc, "getui", "gt-token-2").await.status(), 201);

    let w1 = app.token("worker1").await;
    let body = json!({
        "category_code": "neighbour_dispute", "description": "噪音扰民", "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号",
    });
    let res = app.send_as(&w1, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();

    let got = gateway.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3, "two failures, then the attempt it takes: {got:?}");
    let statuses: Vec<u16> = got.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 500, 200]);
    let attempts: Vec<&str> = got.iter().map(|r| r.headers["gridline-delivery-attempt"].as_str()).collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    let event = &got[0].headers["gridline-event-id"];
    assert!(got.iter().all(|r| &r.headers["gridline-event-id"] == event), "one event, for de-duplication");

    let last = &got[2];
    assert_eq!(last.path, "/push");
    let sent = last.json();
    assert_eq!(sent["notification"]["kind"], "queued");
    assert_eq!(sent["notification"]["case_id"], case["id"]);
    assert_eq!(sent["notification"]["id"], event.as_str());
    let devices = sent["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices.contains(&json!({"platform": "android", "provider": "huawei", "push_token": "hw-token-1"})));

    // The signature, checked as a gateway would: HMAC-SHA256 of "<t>.<body>".
    let t = verified(&last.headers["gridline-signature"], &last.body, SECRET).expect("a valid signature");
    let age = chrono::Utc::now().timestamp() - t;
    assert!((0..60).contains(&age), "t is the time of sending: {age}");

    // Taken: nothing more is sent for it; worker1 has no phone, so his notifications go nowhere.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(gateway.received().len(), 3);
}
