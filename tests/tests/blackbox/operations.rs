//! Liveness, readiness, the OpenAPI document and Swagger UI.

use std::time::Duration;

use gridline_tests::{app::problem, Ctx};

gridline_tests::tests![
    healthz_says_the_process_is_alive,
    readyz_says_the_database_answers,
    openapi_document_lists_the_operational_endpoints,
    swagger_ui_is_served_offline,
    request_id_is_echoed_or_generated,
];

gridline_tests::tests![PG_TESTS: readyz_is_503_while_postgres_is_unreachable_and_200_once_back];

async fn healthz_says_the_process_is_alive(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn readyz_says_the_database_answers(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
}

async fn openapi_document_lists_the_operational_endpoints(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app.get("/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/healthz", "/readyz", "/openapi.json"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

async fn swagger_ui_is_served_offline(ctx: Ctx) {
    let app = ctx.app().await;
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client.get(app.url("/docs")).send().await.unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("swagger-ui"));
    let config = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(config.status(), 200);
    let config = config.text().await.unwrap();
    assert!(config.contains("/openapi.json"), "Swagger UI loads our document");
    assert!(config.contains(r#""validatorUrl": "none""#), "no outside validator is called: {config}");
    assert!(config.contains(r#""persistAuthorization": true"#), "the authorization survives a reload: {config}");
    let css = app.get("/docs/swagger-ui.css").await;
    assert_eq!(css.status(), 200, "assets are vendored, not fetched from a CDN");
}

async fn request_id_is_echoed_or_generated(ctx: Ctx) {
    let app = ctx.app().await;
    let res = app.request(reqwest::Method::GET, "/nowhere").header("X-Request-Id", "trace-42").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-42");
    let body = problem(res, 404).await;
    assert_eq!(body["request_id"], "trace-42");

    let res = app.get("/healthz").await;
    let generated = res.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "a fresh UUID: {generated}");
}

async fn readyz_is_503_while_postgres_is_unreachable_and_200_once_back(ctx: Ctx) {
    let (proxy, app) = ctx.app_behind_a_cuttable_proxy().await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    proxy.cut();
    let body = problem(app.get("/readyz").await, 503).await;
    assert_eq!(body["code"], "database_unavailable");
    assert!(!body.to_string().contains("5432"), "no internals in a 5xx: {body}");
    assert_eq!(app.get("/healthz").await.status(), 200, "the process itself is still alive");

    proxy.restore();
    let mut status = 0;
    for _ in 0..50 {
        status = app.get("/readyz").await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "ready again once PostgreSQL is back");
}
