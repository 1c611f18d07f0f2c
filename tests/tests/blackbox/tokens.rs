//! Tokens: login, refresh rotation, logout, and every attack on the access
//! token refused with 401 problem+json.

use chrono::Utc;
use gridline_tests::{
    app::{problem, DEMO_PASSWORD},
    forge, Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    login_answers_the_oauth_token_shape,
    a_wrong_user_and_a_wrong_password_get_the_same_answer,
    repeated_failures_are_throttled_with_retry_after,
    refresh_rotates_and_a_reused_refresh_token_revokes_the_family,
    logout_ends_the_session_and_its_access_tokens,
    forged_and_broken_access_tokens_are_refused,
    a_deactivated_users_unexpired_token_is_refused,
    changing_the_password_ends_other_sessions,
    api_keys_authenticate_until_revoked_and_are_shown_once,
];

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let res = app.get_as(token, "/api/v1/me").await;
    assert_eq!(res.status(), 401, "{what} must be refused");
    let body = problem(res, 401).await;
    assert_eq!(body["code"], "unauthorized", "{what}");
}

async fn login_answers_the_oauth_token_shape(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app.post_json("/api/v1/auth/login", &json!({"username": "worker1", "password": DEMO_PASSWORD})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("glr_"));
    let token = body["access_token"].as_str().unwrap();
    let header: Value = {
        use base64::Engine;
        let h = token.split('.').next().unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
    };
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    let jwks = app.json_as(token, "/.well-known/jwks.json").await;
    assert_eq!(jwks["keys"][0]["kid"], header["kid"], "the signing key is published");
    let claims = forge::claims_of(token);
    assert_eq!(claims["aud"], "gridline-api");
    assert_eq!(claims["iss"], "gridline");
    let me = app.json_as(token, "/api/v1/me").await;
    assert_eq!(me["user"]["username"], "worker1");
    assert_eq!(me["grants"][0]["role"], "grid_worker");
}

async fn a_wrong_user_and_a_wrong_password_get_the_same_answer(ctx: Ctx) {
    let app = ctx.app().await;
    let wrong_password =
        app.post_json("/api/v1/auth/login", &json!({"username": "worker1", "password": "not-it-at-all"})).await;
    let wrong_user =
        app.post_json("/api/v1/auth/login", &json!({"username": "nobody", "password": "not-it-at-all"})).await;
    let a = problem(wrong_password, 401).await;
    let b = problem(wrong_user, 401).await;
    assert_eq!(a["code"], "invalid_credentials");
    assert_eq!((a["code"].clone(), a["detail"].clone()), (b["code"].clone(), b["detail"].clone()));
}

async fn repeated_failures_are_throttled_with_retry_after(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_LOGIN_MAX_FAILURES", "3"), ("GRIDLINE_LOGIN_LOCKOUT_S", "120")]).await;
    let wrong = json!({"username": "worker2", "password": "guess-guess"});
    for _ in 0..3 {
        problem(app.post_json("/api/v1/auth/login", &wrong).await, 401).await;
    }
    let res = app.post_json("/api/v1/auth/login", &json!({"username": "worker2", "password": DEMO_PASSWORD})).await;
    let retry_after: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=120).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(problem(res, 429).await["code"], "too_many_requests", "even the right password waits out the lockout");
    // Another account from the same address is not locked by worker2's failures.
    app.login("worker1").await;
    let admin = app.token("admin").await;
    let audit = app.json_as(&admin, "/api/v1/audit?action=login_throttled").await;
    assert_eq!(audit.as_array().unwrap().len(), 1);
    let failures = app.json_as(&admin, "/api/v1/audit?action=login_failed").await;
    assert_eq!(failures.as_array().unwrap().len(), 3);
    assert_eq!(failures[2]["details"]["locked_out"], "true");
}

async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_family(ctx: Ctx) {
    let app = ctx.app().await;
    let first = app.login("worker1").await;
    let res = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": first.refresh})).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap();
    let second_access = second["access_token"].as_str().unwrap();
    assert_ne!(second_refresh, first.refresh);
    assert_eq!(app.get_as(second_access, "/api/v1/me").await.status(), 200);

    // The first refresh token again: a thief or a replay. The family dies.
    let res = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": first.refresh})).await;
    problem(res, 401).await;
    let res = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": second_refresh})).await;
    problem(res, 401).await;
    assert_refused(&app, second_access, "an access token of a revoked family").await;
    assert_refused(&app, &first.access, "the first access token of a revoked family").await;
    let admin = app.token("admin").await;
    let revoked = app.json_as(&admin, "/api/v1/audit?action=token_family_revoked").await;
    assert_eq!(revoked.as_array().unwrap().len(), 1);
    // Other sessions of the user live on.
    app.login("worker1").await;
}

async fn logout_ends_the_session_and_its_access_tokens(ctx: Ctx) {
    let app = ctx.app().await;
    let session = app.login("worker2").await;
    let res = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": session.refresh})).await;
    assert_eq!(res.status(), 204);
    assert_refused(&app, &session.access, "an access token after logout").await;
    problem(app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": session.refresh})).await, 401).await;
    let res = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": "glr_unknown"})).await;
    assert_eq!(res.status(), 204, "logout tells nothing about tokens");
}

async fn forged_and_broken_access_tokens_are_refused(ctx: Ctx) {
    let app = ctx.app().await;
    let session = app.login("worker1").await;
    let genuine = forge::claims_of(&session.access);
    let (kid, key) = forge::server_key(&ctx).await;
    let now = Utc::now().timestamp();
    let with = |changes: Value| {
        let mut claims = genuine.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        claims
    };
    // The harness signs correctly: a well-formed token with the real key passes.
    let control = forge::sign(&kid, &key, &with(json!({"jti": uuid::Uuid::new_v4()})));
    assert_eq!(app.get_as(&control, "/api/v1/me").await.status(), 200, "control token");

    let attacks: Vec<(&str, String)> = vec![
        ("alg none", forge::unsigned(&genuine)),
        ("HS256 with a guessable secret", forge::hs256(&kid, b"secret", &genuine)),
        ("another key", forge::sign(&kid, &forge::stranger_key(), &genuine)),
        ("expired", forge::sign(&kid, &key, &with(json!({"exp": now - 120, "iat": now - 1000, "nbf": now - 1000})))),
        ("not yet valid", forge::sign(&kid, &key, &with(json!({"nbf": now + 600})))),
        ("issued in the future", forge::sign(&kid, &key, &with(json!({"iat": now + 600})))),
        ("wrong aud", forge::sign(&kid, &key, &with(json!({"aud": "another-api"})))),
        ("wrong iss", forge::sign(&kid, &key, &with(json!({"iss": "https://evil.example"})))),
        ("missing aud", forge::sign(&kid, &key, &with(json!({"aud": null})))),
        ("missing exp", forge::sign(&kid, &key, &with(json!({"exp": null})))),
        ("tampered payload", forge::tampered(&session.access, &with(json!({"sub": uuid::Uuid::new_v4()})))),
        ("unknown kid", forge::sign("no-such-key", &key, &genuine)),
        ("a refresh token", session.refresh.clone()),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in &attacks {
        assert_refused(&app, token, what).await;
    }
    // A JWT of the wrong type, signed with the right key.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.typ = Some("JWT".into());
    header.kid = Some(kid.clone());
    let id_token = jsonwebtoken::encode(&header, &genuine, &key).unwrap();
    assert_refused(&app, &id_token, "typ JWT instead of at+jwt").await;
    // No credentials, and the wrong scheme.
    problem(app.get("/api/v1/me").await, 401).await;
    let res =
        app.request(Method::GET, "/api/v1/me").header("authorization", "Basic d29ya2VyMTp4").send().await.unwrap();
    let res_headers = res.headers().clone();
    problem(res, 401).await;
    assert!(res_headers.contains_key("www-authenticate"));
}

async fn a_deactivated_users_unexpired_token_is_refused(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.login("worker3").await;
    let admin = app.token("admin").await;
    let id = app.user_id(&admin, "worker3").await;
    let res = app.send_as(&admin, Method::PATCH, &format!("/api/v1/users/{id}"), &json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    assert_refused(&app, &worker.access, "a deactivated user's access token").await;
    problem(app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": worker.refresh})).await, 401).await;
    let res = app.post_json("/api/v1/auth/login", &json!({"username": "worker3", "password": DEMO_PASSWORD})).await;
    assert_eq!(problem(res, 401).await["code"], "invalid_credentials", "an inactive account cannot log in");
    let res = app.send_as(&admin, Method::PATCH, &format!("/api/v1/users/{id}"), &json!({"active": true})).await;
    assert_eq!(res.status(), 200);
    app.login("worker3").await;
}

async fn changing_the_password_ends_other_sessions(ctx: Ctx) {
    let app = ctx.app().await;
    let phone = app.login("worker1").await;
    let laptop = app.login("worker1").await;
    let res = app
        .send_as(
            &phone.access,
            Method::POST,
            "/api/v1/me/password",
            &json!({"current_password": "wrong-one", "new_password": "new-password-1"}),
        )
        .await;
    assert_eq!(gridline_tests::app::fields_at_fault(&problem(res, 422).await), ["/current_password"]);
    let res = app
        .send_as(
            &phone.access,
            Method::POST,
            "/api/v1/me/password",
            &json!({"current_password": DEMO_PASSWORD, "new_password": "new-password-1"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get_as(&phone.access, "/api/v1/me").await.status(), 200, "the session that changed it lives");
    assert_refused(&app, &laptop.access, "another session after a password change").await;
    app.login_with("worker1", "new-password-1").await;
    problem(app.post_json("/api/v1/auth/login", &json!({"username": "worker1", "password": DEMO_PASSWORD})).await, 401)
        .await;
}

async fn api_keys_authenticate_until_revoked_and_are_shown_once(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let district = app.unit_id(&admin, "DEMO").await;
    let res = app
        .send_as(
            &admin,
            Method::POST,
            "/api/v1/api-keys",
            &json!({"name": "city hotline", "role": "dispatcher", "unit_id": district}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("glk_"));
    let id = created["api_key"]["id"].as_str().unwrap().to_owned();

    let listed = app.json_as(&admin, "/api/v1/api-keys").await;
    assert!(!listed.to_string().contains(&key), "the key is never shown again");
    assert!(key.starts_with(listed[0]["prefix"].as_str().unwrap()));

    assert_eq!(app.get_as(&key, "/api/v1/org-units").await.status(), 200, "as a bearer token");
    let res = app.request(Method::GET, "/api/v1/org-units").header("x-api-key", &key).send().await.unwrap();
    assert_eq!(res.status(), 200, "in X-API-Key");
    let listed = app.json_as(&admin, "/api/v1/api-keys").await;
    assert!(listed[0]["last_used_at"].is_string(), "use is recorded");
    problem(app.get_as(&key, "/api/v1/users").await, 403).await;

    let res = app.send_as(&admin, Method::DELETE, &format!("/api/v1/api-keys/{id}"), &json!({})).await;
    assert_eq!(res.status(), 200);
    problem(app.get_as(&key, "/api/v1/org-units").await, 401).await;
    problem(app.get_as("glk_made-up", "/api/v1/org-units").await, 401).await;
}
