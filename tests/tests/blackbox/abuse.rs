//! Hostile input and abuse: forbidden characters wherever text enters,
//! bounded strings and lists, atomic throttles, a bounded password hasher.

use gridline_tests::{
    app::{fields_at_fault, problem, DEMO_PASSWORD},
    process::ServerProcess,
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    each_refused_character_class_is_refused_in_body_path_and_query,
    over_long_strings_are_refused_before_any_work,
    a_parallel_burst_of_wrong_passwords_gets_no_more_than_the_limit,
    the_per_address_limit_holds_under_a_burst_too,
    wrong_current_passwords_are_throttled_and_audited,
    parallel_logins_at_the_default_cost_keep_memory_bounded,
];

const BINARY: &str = env!("CARGO_BIN_EXE_gridline-under-test");

/// One example of each class: NUL, another C0 control, DEL, a C1 control,
/// a bidirectional override, a bidirectional isolate.
const REFUSED: [char; 6] = ['\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}', '\u{2067}'];

fn report(description: &str, address: &str) -> Value {
    json!({
        "category_code": "neighbour_dispute",
        "description": description,
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": address
    })
}

fn encoded(c: char) -> String {
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn each_refused_character_class_is_refused_in_body_path_and_query(ctx: Ctx) {
    let app = ctx.app().await;
    let worker1 = app.token("worker1").await;
    for c in REFUSED {
        let res = app.send_as(&worker1, Method::POST, "/api/v1/cases", &report(&format!("堆物{c}"), "和平路")).await;
        assert_eq!(fields_at_fault(&problem(res, 422).await), ["/description"], "U+{:04X} in a body", u32::from(c));
        let res = app
            .post_json("/api/v1/auth/login", &json!({"username": format!("worker{c}1"), "password": "x-password"}))
            .await;
        assert_eq!(fields_at_fault(&problem(res, 422).await), ["/username"], "U+{:04X} at login", u32::from(c));
        let res = app.get_as(&worker1, &format!("/api/v1/categories/sanitation{}", encoded(c))).await;
        assert_eq!(fields_at_fault(&problem(res, 400).await), ["code"], "U+{:04X} in a path", u32::from(c));
        let res = app.get_as(&worker1, &format!("/api/v1/cases/{}", encoded(c))).await;
        assert_eq!(fields_at_fault(&problem(res, 400).await), ["id"], "U+{:04X} in a path id", u32::from(c));
        let res = app.get_as(&worker1, &format!("/api/v1/cases?status=reported{}", encoded(c))).await;
        assert_eq!(fields_at_fault(&problem(res, 400).await), ["status"], "U+{:04X} in a query", u32::from(c));
    }
    // Single-line fields refuse tab and line breaks; descriptions keep them.
    for c in ['\t', '\n', '\r'] {
        let res =
            app.send_as(&worker1, Method::POST, "/api/v1/cases", &report("堆物", &format!("和平路{c}5 号"))).await;
        assert_eq!(fields_at_fault(&problem(res, 422).await), ["/address"]);
    }
    let res = app.send_as(&worker1, Method::POST, "/api/v1/cases", &report("第一行\n第二行\t完", "和平路 5 号")).await;
    assert_eq!(res.status(), 201);
}

async fn over_long_strings_are_refused_before_any_work(ctx: Ctx) {
    let app = ctx.app().await;
    let worker1 = app.token("worker1").await;
    let res =
        app.post_json("/api/v1/auth/login", &json!({"username": "a".repeat(4000), "password": "x".repeat(8)})).await;
    let p = problem(res, 422).await;
    assert_eq!(fields_at_fault(&p), ["/username"]);
    let res =
        app.send_as(&worker1, Method::POST, "/api/v1/cases", &report(&"堆".repeat(2001), &"路".repeat(201))).await;
    let mut fields = fields_at_fault(&problem(res, 422).await);
    fields.sort();
    assert_eq!(fields, ["/address", "/description"], "every over-long field is named");
    let res =
        app.send_as(&worker1, Method::POST, "/api/v1/cases", &report(&"堆".repeat(2000), &"路".repeat(200))).await;
    assert_eq!(res.status(), 201, "the limits count characters, not bytes");
    let res = app
        .send_as(
            &app.token("admin").await,
            Method::POST,
            "/api/v1/users",
            &json!({
                "username": "li.ming", "display_name": "李".repeat(101), "password": "a-long-password"
            }),
        )
        .await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), ["/display_name"]);
    let openapi: Value = app.get("/openapi.json").await.json().await.unwrap();
    let schema = &openapi["components"]["schemas"]["ReportCase"]["properties"];
    assert_eq!(schema["description"]["maxLength"], 2000, "the document says what is enforced");
}

async fn parallel_logins(app: &TestApp, bodies: Vec<Value>) -> Vec<(u16, Option<String>)> {
    let url = app.url("/api/v1/auth/login");
    let calls = bodies.into_iter().map(|body| {
        let (client, url) = (app.client.clone(), url.clone());
        tokio::spawn(async move {
            let res = client.post(url).json(&body).send().await.unwrap();
            let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            (res.status().as_u16(), retry)
        })
    });
    futures::future::join_all(calls).await.into_iter().map(Result::unwrap).collect()
}

fn count(statuses: &[(u16, Option<String>)], status: u16) -> usize {
    statuses.iter().filter(|(s, _)| *s == status).count()
}

async fn a_parallel_burst_of_wrong_passwords_gets_no_more_than_the_limit(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_LOGIN_MAX_FAILURES", "5")]).await;
    let wrong = (0..20).map(|_| json!({"username": "worker2", "password": "guess-guess"})).collect();
    let answers = parallel_logins(&app, wrong).await;
    assert_eq!(count(&answers, 401), 5, "{answers:?}");
    assert_eq!(count(&answers, 429), 15, "{answers:?}");
    let right = parallel_logins(&app, vec![json!({"username": "worker2", "password": DEMO_PASSWORD})]).await;
    assert_eq!(right[0].0, 429, "the right password waits out the lockout");
    assert!(right[0].1.as_deref().is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n >= 1)), "Retry-After: {right:?}");
}

async fn the_per_address_limit_holds_under_a_burst_too(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_LOGIN_MAX_FAILURES_PER_ADDR", "5")]).await;
    let wrong = (0..20).map(|i| json!({"username": format!("nobody{i}"), "password": "guess-guess"})).collect();
    let answers = parallel_logins(&app, wrong).await;
    assert_eq!(count(&answers, 401), 5, "{answers:?}");
    assert_eq!(count(&answers, 429), 15, "{answers:?}");
}

async fn wrong_current_passwords_are_throttled_and_audited(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_LOGIN_MAX_FAILURES", "3")]).await;
    let token = app.token("worker1").await;
    let calls = (0..12).map(|_| {
        let req = app
            .as_bearer(Method::POST, "/api/v1/me/password", &token)
            .json(&json!({"current_password": "not-my-password", "new_password": "a-new-long-password"}));
        tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
    });
    let statuses: Vec<u16> = futures::future::join_all(calls).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 9, "{statuses:?}");
    let res = app
        .send_as(
            &token,
            Method::POST,
            "/api/v1/me/password",
            &json!({"current_password": DEMO_PASSWORD, "new_password": "a-new-long-password"}),
        )
        .await;
    problem(res, 429).await;
    let admin = app.token("admin").await;
    let failed = app.json_as(&admin, "/api/v1/audit?action=password_change_failed").await;
    assert_eq!(failed.as_array().unwrap().len(), 3);
}

/// 200 parallel logins at the default hash cost (19 MiB, 2 passes) keep the
/// server's peak memory under its idle peak + (concurrency + 2) x the hash
/// memory + 32 MB: the burst queues for the hashers instead of multiplying memory.
async fn parallel_logins_at_the_default_cost_keep_memory_bounded(ctx: Ctx) {
    const HASH_KIB: u64 = 19_456;
    const CONCURRENCY: u64 = 2;
    let server = ServerProcess::start(
        BINARY,
        &ctx,
        &[
            ("GRIDLINE_PASSWORD_HASH_MEMORY_KIB", "19456"),
            ("GRIDLINE_PASSWORD_HASH_ITERATIONS", "2"),
            ("GRIDLINE_PASSWORD_HASH_CONCURRENCY", "2"),
            ("GRIDLINE_LOGIN_MAX_FAILURES_PER_ADDR", "100000"),
        ],
    );
    let client = reqwest::Client::new();
    let login = format!("{}/api/v1/auth/login", server.base_url());
    let res =
        client.post(&login).json(&json!({"username": "worker1", "password": DEMO_PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), 200, "a login at the default cost works");
    let idle = server.peak_kib();
    let burst = (0..200).map(|i| {
        let client = client.clone();
        let login = login.clone();
        async move {
            let body = json!({"username": format!("visitor{i}"), "password": "not the password"});
            client.post(&login).json(&body).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
        }
    });
    let answers = futures::future::join_all(burst).await;
    assert!(answers.iter().all(|s| *s == 401 || *s == 503), "only 401s and 503s: {answers:?}");
    assert!(answers.iter().filter(|s| **s == 401).count() >= 20, "the hashers kept working: {answers:?}");
    let peak = server.peak_kib();
    let bound = idle + (CONCURRENCY + 2) * HASH_KIB + 32 * 1024;
    assert!(peak <= bound, "peak {peak} KiB over the bound {bound} KiB (idle {idle} KiB)");
    server.kill();
}
