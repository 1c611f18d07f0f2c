//! Exports and reference data: what leaves the system in bulk comes back
//! intact, is audited, and streams in bounded memory; a phone's reference
//! data is its own area's and is fetched again only when it changed.

use gridline_tests::{app::problem, process::ServerProcess, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    an_export_parses_back_to_what_the_list_shows_and_is_audited,
    reference_data_is_the_callers_area_and_304_until_it_changes,
];

gridline_tests::tests![SQLITE_TESTS: a_large_export_streams_in_bounded_memory];

const BINARY: &str = env!("CARGO_BIN_EXE_gridline-under-test");

/// RFC 4180: fields separated by commas, quoted where they hold commas,
/// quotes or line breaks, quotes doubled; records end with CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

async fn numbers_listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = app.json_as(token, &format!("/api/v1/cases?limit=200&{query}{cursor}")).await;
        numbers.extend(page["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return numbers,
        }
    }
}

async fn an_export_parses_back_to_what_the_list_shows_and_is_audited(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let (w1, w3, dc) =
        (app.token("worker1").await, app.token("worker3").await, app.token("dispatcher_community").await);
    let nasty =
        ["=HYPERLINK(\"http://evil\")", "+1 and, \"quoted\"\nover two lines", "@SUM(A1)", "-2", "普通描述 plain"];
    for (i, description) in nasty.iter().enumerate() {
        let body = json!({"category_code": "damaged_facility", "description": description, "address": "和平路 1 号",
                          "priority": "normal", "location": {"lat": 39.902, "lon": 116.401 + 0.0005 * i as f64}});
        assert_eq!(app.send_as(&w1, Method::POST, "/api/v1/cases", &body).await.status(), 201);
    }
    let elsewhere = json!({"category_code": "sanitation", "description": "垃圾", "address": "幸福路 2 号",
                           "priority": "normal", "location": {"lat": 39.902, "lon": 116.412}});
    assert_eq!(app.send_as(&w3, Method::POST, "/api/v1/cases", &elsewhere).await.status(), 201);

    let res = app.get_as(&dc, "/api/v1/cases/export.csv?category_code=facilities").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a byte-order mark for Excel");
    let rows = parse_csv(std::str::from_utf8(&bytes[3..]).unwrap());
    assert_eq!(rows[0][0], "编号(number)");
    assert!(rows[0].iter().all(|h| h.contains('(') && h.ends_with(')')), "{:?}", rows[0]);
    let listed = numbers_listed(&app, &dc, "category_code=facilities").await;
    let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, listed, "the list's cases, newest first, nothing else");
    assert!(rows[1..].iter().all(|r| r.len() == rows[0].len()), "every row complete");
    let description = rows[0].iter().position(|h| h == "描述(description)").unwrap();
    let described: Vec<&str> = rows[1..].iter().map(|r| r[description].as_str()).collect();
    for original in nasty {
        let defused = if original.starts_with(['=', '+', '-', '@']) { format!("'{original}") } else { original.into() };
        assert!(described.contains(&defused.as_str()), "{defused:?} in {described:?}");
    }

    let res = app.get_as(&dc, "/api/v1/cases/export.geojson").await;
    assert_eq!(res.headers()["content-type"], "application/geo+json");
    let collection: Value = res.json().await.unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), numbers_listed(&app, &dc, "").await.len());
    for f in features {
        assert_eq!((f["type"].as_str(), f["geometry"]["type"].as_str()), (Some("Feature"), Some("Point")));
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(c.len() == 2 && (116.39..116.43).contains(&lon) && (39.89..39.92).contains(&lat), "WGS-84, lon first");
        assert!(f["properties"].get("resident").is_none(), "no personal data");
    }
    let mine = app.get_as(&w3, "/api/v1/cases/export.geojson").await.json::<Value>().await.unwrap();
    assert_eq!(mine["features"].as_array().unwrap().len(), 1, "each within his own view");

    let audit = app.json_as(&admin, "/api/v1/audit?action=cases_exported").await;
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 3, "every export is audited");
    let first = &entries[0];
    assert_eq!(first["actor_label"], "dispatcher_community");
    assert_eq!(first["details"]["format"], "csv");
    assert_eq!(first["details"]["filters"], "category_code=facilities");
    assert_eq!(first["details"]["rows"], listed.len().to_string());
    assert_eq!(first["details"]["complete"], "true");

    problem(app.get_as(&dc, "/api/v1/cases/export.csv?q=飞").await, 400).await;
}

async fn reference_data_is_the_callers_area_and_304_until_it_changes(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let (w1, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    let res = app.get_as(&w1, "/api/v1/reference").await;
    assert_eq!(res.status(), 200);
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let data: Value = res.json().await.unwrap();
    let codes = |v: &Value, key: &str| -> Vec<String> {
        v[key].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(codes(&data, "units"), ["DEMO-E-C1-G1"], "a grid worker's own grid");
    assert!(data["units"][0]["boundary"]["type"].is_string(), "with its polygon");
    let departments = codes(&data, "departments");
    assert!(departments.contains(&"DEMO-URBAN".to_owned()) && departments.contains(&"DEMO-E-C1-PROPERTY".to_owned()));
    assert!(!departments.contains(&"DEMO-W-C1-PROPERTY".to_owned()), "not a company of another community");
    assert!(codes(&data, "categories").contains(&"hanging_wire_charging".to_owned()));
    let dispatcher: Value = app.json_as(&dc, "/api/v1/reference").await;
    assert_eq!(codes(&dispatcher, "units"), ["DEMO-E-C1", "DEMO-E-C1-G1", "DEMO-E-C1-G2"], "parents first");

    let again =
        app.as_bearer(Method::GET, "/api/v1/reference", &w1).header("if-none-match", &tag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    // A renamed category is new reference data.
    let rename = json!({"name_zh": "环境卫生问题"});
    assert_eq!(app.send_as(&admin, Method::PATCH, "/api/v1/categories/sanitation", &rename).await.status(), 200);
    let changed =
        app.as_bearer(Method::GET, "/api/v1/reference", &w1).header("if-none-match", &tag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
}

/// 20,000 cases exported by an admin: the server's peak memory rises by no
/// more than 20 MB over what it holds between exports, since rows stream a
/// page at a time.
async fn a_large_export_streams_in_bounded_memory(ctx: Ctx) {
    const CASES: u64 = 20_000;
    let out = std::process::Command::new(BINARY)
        .args(["admin", "seed-cases", "--count", &CASES.to_string()])
        .env_clear()
        .envs(gridline_tests::app::test_env(ctx.database_url(), ctx.data_dir(), &[]))
        .output()
        .expect("seed cases");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = ServerProcess::start(BINARY, &ctx, &[]);
    let client = reqwest::Client::new();
    let base = server.base_url();
    let login = json!({"username": "leader", "password": gridline_tests::app::DEMO_PASSWORD});
    let token: Value =
        client.post(format!("{base}/api/v1/auth/login")).json(&login).send().await.unwrap().json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let export = |query: &'static str| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move {
            let mut res =
                client.get(format!("{base}/api/v1/cases/export.csv?{query}")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let (mut bytes, mut lines) = (0usize, 0usize);
            while let Some(chunk) = res.chunk().await.unwrap() {
                bytes += chunk.len();
                lines += chunk.iter().filter(|b| **b == b'\n').count();
            }
            (bytes, lines)
        }
    };
    // A first export of the whole district fills every cache (each pooled
    // reader's page cache among them); the peak of a second is measured.
    export("").await;
    server.reset_peak();
    let before = server.peak_kib();
    let (bytes, lines) = export("").await;
    let after = server.peak_kib();
    assert!(lines as u64 > CASES, "every case and the header: {lines} lines, {bytes} bytes");
    assert!(after - before <= 20 * 1024, "peak memory rose {} KiB exporting {bytes} bytes", after - before);
    server.kill();
}
