//! Running it for real: what an operator scrapes, how a node refuses work
//! beyond what it can serve, how it stops, and what a lost database costs.

use std::time::{Duration, Instant};

use gridline_tests::{
    app::{problem, DEMO_PASSWORD},
    exposition::Exposition,
    process::{login, ServerProcess},
    sse::Sse,
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    metrics_are_scraped_on_their_own_listener_with_every_name_an_operator_needs,
    work_beyond_the_bound_is_refused_at_once_and_probes_still_answer,
    a_burst_just_beyond_the_bound_waits_for_a_slot_instead_of_being_refused,
    a_stopping_node_turns_unready_serves_on_then_closes_its_streams_and_finishes_in_flight_requests,
];

gridline_tests::tests![PG_TESTS: a_lost_database_costs_refused_requests_and_nothing_else];

gridline_tests::tests![SQLITE_TESTS: a_full_disk_refuses_writes_with_507_and_they_resume_when_space_returns];

fn report_body(note: &str) -> Value {
    json!({
        "category_code": "neighbour_dispute",
        "description": format!("噪音扰民 noise at night {note}"),
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 5 号",
    })
}

async fn scrape(app: &TestApp) -> Exposition {
    let port = app.metrics_port.expect("a metrics listener was asked for");
    let res = app.client.get(format!("http://127.0.0.1:{port}/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "Prometheus' text format: {kind}");
    let text = res.text().await.unwrap();
    Exposition::parse(&text).unwrap_or_else(|e| panic!("the exposition parses: {e}"))
}

async fn metrics_are_scraped_on_their_own_listener_with_every_name_an_operator_needs(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_METRICS_LISTEN", "127.0.0.1:0")]).await;
    assert_ne!(app.metrics_port, Some(app.port));
    assert_eq!(app.get("/metrics").await.status(), 404, "never on the API's port");

    let worker = app.token("worker1").await;
    let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &report_body("metrics")).await;
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(app.get_as(&worker, &format!("/api/v1/cases/{id}")).await.status(), 200);
    }
    assert_eq!(app.get_as(&worker, "/api/v1/cases/not-a-uuid").await.status(), 400);

    let scraped = scrape(&app).await;
    for name in [
        "http_requests_total",
        "http_request_duration_seconds",
        "http_requests_in_flight",
        "db_pool_connections",
        "db_pool_wait_seconds",
        "password_hashes_running",
        "cache_reload_lag_seconds",
        "change_sequence_reader_lag_seconds",
        "sweeper_lag_seconds",
        "outbox_pending",
        "sse_streams_open",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(scraped.has(name), "{name} is exposed; got {:?}", scraped.types.keys().collect::<Vec<_>>());
    }
    assert_eq!(scraped.types["http_requests_total"], "counter");
    assert_eq!(scraped.types["http_request_duration_seconds"], "histogram");
    assert_eq!(scraped.types["db_pool_wait_seconds"], "histogram");

    // Counted by route template, not by raw path: one series for every case.
    let counted = |route: &str, status: &str| -> f64 {
        scraped
            .named("http_requests_total")
            .filter(|s| {
                s.label("method") == Some("GET") && s.label("route") == Some(route) && s.label("status") == Some(status)
            })
            .map(|s| s.value)
            .sum()
    };
    assert_eq!(counted("/api/v1/cases/{id}", "200"), 3.0);
    assert_eq!(counted("/api/v1/cases/{id}", "400"), 1.0);
    assert!(
        !scraped.samples.iter().any(|s| s.label("route").is_some_and(|r| r.contains(id))),
        "no raw path becomes a label"
    );
    let timed = scraped
        .named("http_request_duration_seconds_count")
        .find(|s| s.label("route") == Some("/api/v1/cases/{id}") && s.label("method") == Some("GET"))
        .map(|s| s.value);
    assert_eq!(timed, Some(4.0), "the route's latency is a histogram of every answer");
    let pool = |state: &str| scraped.named("db_pool_connections").any(|s| s.label("state") == Some(state));
    assert!(pool("idle") && pool("used"), "the pool's connections, idle and used");
    let lag = scraped.named("sweeper_lag_seconds").next().unwrap().value;
    assert!((0.0..60.0).contains(&lag), "the sweeper ran at start: {lag}");
    assert!(scraped.named("process_resident_memory_bytes").next().unwrap().value > 1e6);
}

async fn work_beyond_the_bound_is_refused_at_once_and_probes_still_answer(ctx: Ctx) {
    // A node that never waits: a full one refuses at once, so the test does
    // not depend on how fast a debug build serves (a waiting node serves
    // a burst like this one, unless it judges itself overloaded).
    let app = ctx.app_with(&[("GRIDLINE_MAX_IN_FLIGHT", "2"), ("GRIDLINE_ADMISSION_WAIT_MS", "0")]).await;
    let dispatcher = app.token("dispatcher_community").await;
    let burst = (0..40).map(|_| async {
        let res = app.as_bearer(Method::GET, "/api/v1/cases?limit=100", &dispatcher).send().await.unwrap();
        let status = res.status().as_u16();
        let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let body: Value = res.json().await.unwrap();
        (status, retry_after, body)
    });
    let probe = async {
        let res = app.request(Method::GET, "/readyz").send().await.unwrap();
        res.status().as_u16()
    };
    let (answers, ready) = tokio::join!(futures::future::join_all(burst), probe);
    assert_eq!(ready, 200, "the readiness probe is never shed");
    let served = answers.iter().filter(|(s, _, _)| *s == 200).count();
    let refused: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 503).collect();
    assert_eq!(
        served + refused.len(),
        answers.len(),
        "only served or refused: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(served >= 2, "work within the bound is served: {served}");
    assert!(!refused.is_empty(), "40 requests at once against a bound of 2");
    for (_, retry_after, body) in refused {
        assert_eq!(body["code"], "overloaded");
        assert_eq!(retry_after.as_deref(), Some("1"), "a refusal says when to come back");
        assert!(body["request_id"].is_string());
    }
    let res = app.get_as(&dispatcher, "/api/v1/cases").await;
    assert_eq!(res.status(), 200, "after the burst, served again");
}

async fn a_burst_just_beyond_the_bound_waits_for_a_slot_instead_of_being_refused(ctx: Ctx) {
    // Waits long enough for a debug build's answers whether or not the node
    // judges itself overloaded.
    let app = ctx.app_with(&[("GRIDLINE_MAX_IN_FLIGHT", "4"), ("GRIDLINE_ADMISSION_WAIT_MS", "5000")]).await;
    let dispatcher = app.token("dispatcher_community").await;
    let burst = (0..8).map(|_| async {
        let res = app.as_bearer(Method::GET, "/api/v1/cases?limit=100", &dispatcher).send().await.unwrap();
        res.status().as_u16()
    });
    let answers = futures::future::join_all(burst).await;
    assert_eq!(answers, vec![200; 8], "twice the bound at once: half served, half waited for a slot");
}

async fn a_stopping_node_turns_unready_serves_on_then_closes_its_streams_and_finishes_in_flight_requests(ctx: Ctx) {
    let mut server = ServerProcess::start(
        env!("CARGO_BIN_EXE_gridline-under-test"),
        &ctx,
        &[("GRIDLINE_DRAIN_DELAY_S", "2"), ("GRIDLINE_SHUTDOWN_TIMEOUT_S", "10")],
    );
    let base = server.base_url();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let dispatcher = login(&client, &base, "dispatcher_community", DEMO_PASSWORD).await;
    let worker = login(&client, &base, "worker1", DEMO_PASSWORD).await;
    let res = client.get(format!("{base}/api/v1/me/stream")).bearer_auth(&dispatcher).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut screen = Sse::new(res);
    assert!(screen.read(Duration::from_secs(5)).await.is_some(), "the stream is open");

    // A report whose body is still on its way when the node is told to stop.
    let body = serde_json::to_vec(&report_body("sent slowly")).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let (first, rest) = (bytes::Bytes::copy_from_slice(first), bytes::Bytes::copy_from_slice(rest));
    let (more, pieces) = futures::channel::mpsc::unbounded::<Result<bytes::Bytes, std::io::Error>>();
    more.unbounded_send(Ok(first)).unwrap();
    let slow = tokio::spawn(
        client
            .post(format!("{base}/api/v1/cases"))
            .bearer_auth(&worker)
            .header("content-type", "application/json")
            .header("content-length", body.len().to_string())
            .body(reqwest::Body::wrap_stream(pieces))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.terminate();
    let told = Instant::now();
    // The kernel runs the handler on one of the node's threads, which may be
    // waiting for a core while another serves: unready within a moment.
    let mut res = client.get(format!("{base}/readyz")).send().await.unwrap();
    while res.status() == 200 && told.elapsed() < Duration::from_millis(500) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        res = client.get(format!("{base}/readyz")).send().await.unwrap();
    }
    let unready = problem(res, 503).await;
    assert_eq!(unready["code"], "draining", "unready within 500 ms of the signal");
    let res = client.get(format!("{base}/api/v1/me")).bearer_auth(&worker).send().await.unwrap();
    assert_eq!(res.status(), 200, "still serving during the drain delay");
    assert_eq!(res.headers()["connection"], "close", "kept-alive clients are moved along");

    let reconnect = screen.message(Duration::from_secs(6)).await.expect("the stream is told to reconnect");
    assert_eq!(reconnect.event, "reconnect");
    assert!(told.elapsed() >= Duration::from_millis(1800), "streams stay open through the delay: {:?}", told.elapsed());

    // The listener closes; the request already in flight is finished.
    let mut refused = false;
    for _ in 0..40 {
        if client.get(format!("{base}/healthz")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "no new connections after the delay");
    more.unbounded_send(Ok(rest)).unwrap();
    drop(more);
    let res = slow.await.unwrap().expect("the in-flight request is answered");
    assert_eq!(res.status(), 201, "the report in flight is stored");
    let status = server.wait_exit(Duration::from_secs(10)).expect("the process ends");
    assert!(status.success(), "a clean exit: {status}");
}

async fn a_lost_database_costs_refused_requests_and_nothing_else(ctx: Ctx) {
    let (proxy, app) = ctx.app_behind_a_cuttable_proxy().await;
    let worker = app.token("worker1").await;

    // A phone reporting all along, before, during and after the outage.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (client, url, worker, stop) = (app.client.clone(), app.url("/api/v1/cases"), worker.clone(), stop.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut refused = 0;
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let started = Instant::now();
                let res =
                    client.post(&url).bearer_auth(&worker).json(&report_body(&format!("#{n}"))).send().await.unwrap();
                let took = started.elapsed();
                assert!(took < Duration::from_secs(3), "never a hang: {took:?}");
                match res.status().as_u16() {
                    201 => acknowledged.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()),
                    503 => {
                        let body: Value = res.json().await.unwrap();
                        assert_eq!(body["code"], "database_unavailable", "{body}");
                        refused += 1;
                    }
                    other => panic!("a write answered {other} during the outage: {}", res.text().await.unwrap()),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acknowledged, refused)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    proxy.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let res = app.get_as(&worker, "/api/v1/cases").await;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "refused within the acquire timeout: {:?}",
        started.elapsed()
    );
    assert_eq!(res.headers()["retry-after"], "1");
    let body = problem(res, 503).await;
    assert_eq!(body["code"], "database_unavailable");
    assert!(!body.to_string().contains("5432") && !body.to_string().contains("sqlx"), "no internals: {body}");
    let ready = problem(app.get("/readyz").await, 503).await;
    assert_eq!(ready["code"], "database_unavailable");
    assert_eq!(app.get("/healthz").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    proxy.restore();
    let back = Instant::now();
    loop {
        let ready = app.get("/readyz").await.status() == 200;
        let listed = app.get_as(&worker, "/api/v1/cases").await.status() == 200;
        if ready && listed {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "everything works within 5 s of the database's return");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (acknowledged, refused) = writer.await.unwrap();
    assert!(refused > 0, "the outage refused some writes");
    assert!(acknowledged.len() > 5, "writes before and after were taken: {}", acknowledged.len());
    for id in &acknowledged {
        assert_eq!(
            app.get_as(&worker, &format!("/api/v1/cases/{id}")).await.status(),
            200,
            "acknowledged {id} is kept"
        );
    }
}

/// A small tmpfs, unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    /// `None` where this machine does not let the tests mount one.
    fn mount(at: std::path::PathBuf, size: &str) -> Option<Self> {
        std::fs::create_dir_all(&at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self(at))
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![7u8; 16 * 1024];
        while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

async fn a_full_disk_refuses_writes_with_507_and_they_resume_when_space_returns(ctx: Ctx) {
    let Some(disk) = SmallDisk::mount(ctx.data_dir().join("small-disk"), "24m") else {
        eprintln!(
            "skipped: this machine does not let the tests mount a tmpfs (needs root), so a full disk cannot be made"
        );
        return;
    };
    let db = disk.0.join("gridline.db");
    let url = format!("sqlite://{}", db.display());
    let app =
        ctx.app_with(&[("GRIDLINE_DATA_DIR", &disk.0.display().to_string()), ("GRIDLINE_DATABASE_URL", &url)]).await;
    let worker = app.token("worker1").await;
    let report = |n: usize| {
        let app = &app;
        let worker = &worker;
        async move { app.send_as(worker, Method::POST, "/api/v1/cases", &report_body(&format!("disk #{n}"))).await }
    };
    let first: Value = report(0).await.json().await.unwrap();
    let mut acknowledged = vec![first["id"].as_str().unwrap().to_owned()];

    let filler = disk.fill();
    let mut full = None;
    for n in 1..400 {
        let res = report(n).await;
        match res.status().as_u16() {
            201 => acknowledged.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()),
            507 => {
                full = Some(res.json::<Value>().await.unwrap());
                break;
            }
            other => panic!("a write on a full disk answered {other}: {}", res.text().await.unwrap()),
        }
    }
    let full = full.expect("writes on a full disk are refused");
    assert_eq!(full["code"], "insufficient_storage");
    assert_eq!(full["status"], 507);
    let (_, res) = app.put_media(&worker, &gridline_api::media::samples::jpeg(640, 480, &[])).await;
    assert_eq!(problem(res, 507).await["code"], "insufficient_storage", "a photo too");
    assert_eq!(app.get_as(&worker, "/api/v1/cases").await.status(), 200, "reading goes on");

    std::fs::remove_file(filler).unwrap();
    let res = report(1000).await;
    assert_eq!(res.status(), 201, "writes resume when space returns");
    acknowledged.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    for id in &acknowledged {
        assert_eq!(app.get_as(&worker, &format!("/api/v1/cases/{id}")).await.status(), 200, "{id} is kept");
    }
    let check = sqlx::SqlitePool::connect(&format!("{url}?mode=ro")).await.unwrap();
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&check).await.unwrap();
    assert_eq!(verdict, "ok", "no corruption");
    check.close().await;
    app.stop().await;
}
