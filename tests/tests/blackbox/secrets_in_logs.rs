//! With logs at TRACE, no password, token or key reaches a log line.

use gridline_tests::{app::DEMO_PASSWORD, process::ServerProcess, Ctx};
use serde_json::{json, Value};

gridline_tests::tests![no_secret_reaches_the_logs_even_at_trace];

const BINARY: &str = env!("CARGO_BIN_EXE_gridline-under-test");

async fn no_secret_reaches_the_logs_even_at_trace(ctx: Ctx) {
    let server = ServerProcess::start(BINARY, &ctx, &[("GRIDLINE_LOG", "trace")]);
    let base = server.base_url();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut req = client.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let mut secrets: Vec<String> = vec![DEMO_PASSWORD.into(), gridline_tests::app::ADMIN_PASSWORD.into()];

    let login: Value = post("/api/v1/auth/login", None, json!({"username": "worker1", "password": DEMO_PASSWORD}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(login["access_token"].as_str().unwrap().into());
    secrets.push(refresh.clone());
    let wrong = post("/api/v1/auth/login", None, json!({"username": "worker2", "password": "wrong-password-xyz"}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    secrets.push("wrong-password-xyz".into());

    let rotated: Value =
        post("/api/v1/auth/refresh", None, json!({"refresh_token": refresh})).await.unwrap().json().await.unwrap();
    let access = rotated["access_token"].as_str().unwrap().to_owned();
    secrets.push(access.clone());
    secrets.push(rotated["refresh_token"].as_str().unwrap().into());

    let res = post(
        "/api/v1/me/password",
        Some(&access),
        json!({"current_password": DEMO_PASSWORD, "new_password": "brand-new-secret-99"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 204);
    secrets.push("brand-new-secret-99".into());

    let admin: Value =
        post("/api/v1/auth/login", None, json!({"username": "admin", "password": gridline_tests::app::ADMIN_PASSWORD}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let admin_token = admin["access_token"].as_str().unwrap().to_owned();
    secrets.push(admin_token.clone());
    secrets.push(admin["refresh_token"].as_str().unwrap().into());
    let created: Value = post("/api/v1/api-keys", Some(&admin_token), json!({"name": "logs", "role": "admin"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let res = client.get(format!("{base}/api/v1/users")).header("x-api-key", &key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    secrets.push(key);

    let lines = server.kill();
    assert!(lines.len() > 20, "TRACE logging produced lines ({})", lines.len());
    assert!(lines.iter().any(|l| l.contains("TRACE")), "the log level was really TRACE");
    for secret in &secrets {
        // Tokens are long; also look for a distinctive slice of each.
        let probe = if secret.len() > 40 { &secret[secret.len() - 24..] } else { secret.as_str() };
        let leaked: Vec<&String> = lines.iter().filter(|l| l.contains(probe)).collect();
        assert!(leaked.is_empty(), "a secret ({}…) reached the logs: {:?}", &secret[..6.min(secret.len())], leaked);
    }
}
