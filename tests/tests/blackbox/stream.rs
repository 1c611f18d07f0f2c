//! The live stream: a dispatcher's screen updates as cases change, a phone
//! that reconnects gets what it missed once and in order, and the stream ends
//! with the credentials that opened it.

use std::time::Duration;

use gridline_tests::{
    app::problem,
    sse::{Message, Read, Sse},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_dispatchers_screen_updates_live_and_a_reconnect_loses_and_repeats_nothing,
    a_stream_ends_with_the_credentials_that_opened_it,
];
gridline_tests::tests![PG_TESTS: a_change_through_one_node_reaches_a_stream_on_another];

const SOON: Duration = Duration::from_secs(5);

async fn open(app: &TestApp, token: &str, last_event_id: Option<&str>) -> Sse {
    let mut req = app.request(Method::GET, "/api/v1/me/stream").bearer_auth(token);
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    Sse::new(res)
}

async fn report(app: &TestApp, token: &str, lon: f64) -> Value {
    let body = json!({
        "category_code": "neighbour_dispute",
        "description": "噪音扰民 noise at night",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": lon},
        "address": "和平路 5 号",
    });
    let res = app.send_as(token, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// The case messages among `messages`: (case id, message id).
fn cases(messages: &[Message]) -> Vec<(String, Option<String>)> {
    messages
        .iter()
        .filter(|m| m.event == "case")
        .map(|m| (m.json()["id"].as_str().unwrap().to_owned(), m.id.clone()))
        .collect()
}

async fn a_dispatchers_screen_updates_live_and_a_reconnect_loses_and_repeats_nothing(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_SSE_HEARTBEAT_S", "1")]).await;
    let (w1, w3, dc) =
        (app.token("worker1").await, app.token("worker3").await, app.token("dispatcher_community").await);
    let mut screen = open(&app, &dc, None).await;

    // A report in his community: the notification, then the case with its change number.
    let first = report(&app, &w1, 116.402).await;
    let told = screen.message(SOON).await.expect("a notification");
    assert_eq!(told.event, "notification");
    assert_eq!(told.json()["kind"], "queued");
    assert_eq!(told.json()["case_id"], first["id"]);
    let shown = screen.message(SOON).await.expect("the case");
    assert_eq!(shown.event, "case");
    assert_eq!(shown.json()["id"], first["id"]);
    assert_eq!(shown.json()["status"], "reported");
    assert!(shown.json()["allowed_actions"].as_array().unwrap().contains(&json!("accept")), "as he sees it");
    let seen = shown.id.clone().expect("the last message of a change carries its number");

    // A heartbeat comes while nothing changes.
    let mut heartbeat = false;
    for _ in 0..5 {
        if let Some(Read::Comment(text)) = screen.read(Duration::from_secs(2)).await {
            heartbeat |= text == "heartbeat";
        }
    }
    assert!(heartbeat, "a comment line every GRIDLINE_SSE_HEARTBEAT_S");

    // The phone loses its signal; meanwhile two of his cases change, and one elsewhere.
    drop(screen);
    let second = report(&app, &w1, 116.402).await;
    report(&app, &w3, 116.412).await;
    let third = report(&app, &w1, 116.402).await;
    let accepted = app
        .send_as(&dc, Method::POST, &format!("/api/v1/cases/{}/accept", second["id"].as_str().unwrap()), &json!({}))
        .await;
    assert_eq!(accepted.status(), 200);

    let mut again = open(&app, &dc, Some(&seen)).await;
    let missed = again.drain(Duration::from_millis(1500)).await;
    let shown = cases(&missed);
    let ids: Vec<&str> = shown.iter().map(|(case, _)| case.as_str()).collect();
    assert_eq!(ids, [third["id"].as_str().unwrap(), second["id"].as_str().unwrap()], "{missed:?}");
    let numbers: Vec<i64> = shown.iter().map(|(_, id)| id.as_ref().unwrap().parse().unwrap()).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]) && numbers[0] > seen.parse::<i64>().unwrap(),
        "in order: {numbers:?}"
    );
    let accepted_now = missed.iter().rev().find(|m| m.event == "case").unwrap().json();
    assert_eq!(accepted_now["status"], "accepted", "the case as it is now");
    let notes: Vec<&Message> = missed.iter().filter(|m| m.event == "notification").collect();
    assert_eq!(notes.len(), 2, "one per report he was told of: {missed:?}");
    assert!(!missed.iter().any(|m| m.data.contains(first["id"].as_str().unwrap())), "nothing repeated");

    // Live again after catching up.
    let fourth = report(&app, &w1, 116.402).await;
    let more = again.drain(Duration::from_millis(1500)).await;
    assert_eq!(cases(&more).iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), [fourth["id"].as_str().unwrap()]);

    // An id it never sent: sync again.
    let mut lost = open(&app, &dc, Some("999999999")).await;
    assert_eq!(lost.message(SOON).await.unwrap().event, "reset");
    let res = app
        .request(Method::GET, "/api/v1/me/stream")
        .bearer_auth(&dc)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 400).await["code"], "invalid_header");
    problem(app.get("/api/v1/me/stream").await, 401).await;
}

async fn a_stream_ends_with_the_credentials_that_opened_it(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_SSE_HEARTBEAT_S", "1"), ("GRIDLINE_ACCESS_TOKEN_TTL_S", "60")]).await;
    let w1 = app.token("worker1").await;

    // A browser's EventSource sends its token in the query.
    let session = app.login("dispatcher_community").await;
    let res = app.get(&format!("/api/v1/me/stream?access_token={}", session.access)).await;
    assert_eq!(res.status(), 200);
    let mut screen = Sse::new(res);
    report(&app, &w1, 116.402).await;
    assert_eq!(screen.message(SOON).await.unwrap().event, "notification");

    // Logging out ends the session, and the stream with it.
    let res = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": session.refresh})).await;
    assert_eq!(res.status(), 204);
    let mut ended = false;
    for _ in 0..10 {
        if screen.read(Duration::from_secs(1)).await == Some(Read::End) {
            ended = true;
            break;
        }
    }
    assert!(ended, "the stream ends once its session has");

    // A token that expires ends the stream when it does.
    let short = ctx.app_with(&[("GRIDLINE_SSE_HEARTBEAT_S", "60"), ("GRIDLINE_ACCESS_TOKEN_TTL_S", "2")]).await;
    let token = short.token("dispatcher_community").await;
    let mut screen = open(&short, &token, None).await;
    let started = std::time::Instant::now();
    let mut ended = false;
    for _ in 0..10 {
        if screen.read(Duration::from_secs(1)).await == Some(Read::End) {
            ended = true;
            break;
        }
    }
    assert!(ended && started.elapsed() < Duration::from_secs(8), "ended with its token");
}

async fn a_change_through_one_node_reaches_a_stream_on_another(ctx: Ctx) {
    let (a, b) = (ctx.app().await, ctx.app().await);
    let w1 = a.token("worker1").await;
    let dc = b.token("dispatcher_community").await;
    let mut screen = open(&b, &dc, None).await;
    let case = report(&a, &w1, 116.402).await;
    let got = screen.drain(Duration::from_millis(1500)).await;
    assert_eq!(cases(&got).iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), [case["id"].as_str().unwrap()]);
}
