//! Behind a load balancer: the client is who the trusted proxy says it is;
//! from anyone else, `X-Forwarded-For` is a header like any other.

use gridline_tests::{Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![login_throttling_and_the_audit_log_see_the_client_behind_a_trusted_proxy];

/// A failed login as a user of its own (the per-account limit stays out of the way).
async fn wrong_login(app: &TestApp, forwarded_for: &str) -> u16 {
    let user = format!("nobody-{}", uuid::Uuid::new_v4().simple());
    app.request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": user, "password": "guess-guess"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn failed_from(app: &TestApp, admin: &str) -> Vec<String> {
    let failed = app.json_as(admin, "/api/v1/audit?action=login_failed").await;
    failed
        .as_array()
        .unwrap()
        .iter()
        .map(|e: &Value| e["client_addr"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn login_throttling_and_the_audit_log_see_the_client_behind_a_trusted_proxy(ctx: Ctx) {
    // The tests connect from 127.0.0.1: here it is the load balancer.
    let behind = ctx
        .app_with(&[
            ("GRIDLINE_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8"),
            ("GRIDLINE_LOGIN_MAX_FAILURES_PER_ADDR", "3"),
        ])
        .await;
    let admin = behind.token("admin").await;
    // One client fails three times and is throttled; another, behind the same proxy, is not.
    for _ in 0..3 {
        assert_eq!(wrong_login(&behind, "198.51.100.7, 203.0.113.9").await, 401);
    }
    assert_eq!(wrong_login(&behind, "198.51.100.7, 203.0.113.9").await, 429);
    assert_eq!(
        wrong_login(&behind, "203.0.113.10, 10.1.1.1").await,
        401,
        "another client: the right-most untrusted hop"
    );
    let addrs = failed_from(&behind, &admin).await;
    assert_eq!(addrs.iter().filter(|a| *a == "203.0.113.9").count(), 3, "{addrs:?}");
    assert!(addrs.contains(&"203.0.113.10".to_owned()), "{addrs:?}");

    // Without trusted proxies the header is ignored: every "client" is the one peer.
    let direct = ctx.app_with(&[("GRIDLINE_LOGIN_MAX_FAILURES_PER_ADDR", "3")]).await;
    let admin = direct.token("admin").await;
    for spoofed in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(wrong_login(&direct, spoofed).await, 401);
    }
    assert_eq!(wrong_login(&direct, "198.51.100.4").await, 429, "a spoofed header buys no fresh attempts");
    // (Both servers share one database: the first one's entries are there too.)
    let addrs = failed_from(&direct, &admin).await;
    assert_eq!(addrs.iter().filter(|a| *a == "127.0.0.1").count(), 3, "{addrs:?}");
    assert!(!addrs.iter().any(|a| a.starts_with("198.51.100.")), "{addrs:?}");
}
