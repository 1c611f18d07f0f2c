//! Killing the server (SIGKILL) in the middle of a burst of reports: after a
//! restart every report that got a 201 is there with its event, and no case
//! exists without its event.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use gridline_tests::{
    app::DEMO_PASSWORD,
    process::{login, ServerProcess},
    Ctx,
};
use serde_json::{json, Value};

gridline_tests::tests![every_acknowledged_report_survives_a_kill_9];

const BINARY: &str = env!("CARGO_BIN_EXE_gridline-under-test");

async fn every_acknowledged_report_survives_a_kill_9(ctx: Ctx) {
    let server = ServerProcess::start(BINARY, &ctx, &[("GRIDLINE_DB_MAX_CONNECTIONS", "16")]);
    let base = server.base_url();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let token = login(&client, &base, "worker1", DEMO_PASSWORD).await;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let burst: Vec<_> = (0..300)
        .map(|i| {
            let (client, base, token, acknowledged) =
                (client.clone(), base.clone(), token.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let id = uuid::Uuid::new_v4();
                let body = json!({
                    "id": id, "category_code": "sanitation", "description": format!("burst {i}"), "priority": "normal",
                    "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路"
                });
                let res = client.post(format!("{base}/api/v1/cases")).bearer_auth(&token).json(&body).send().await;
                let created = matches!(&res, Ok(r) if r.status() == 201);
                if created {
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                (id, created)
            })
        })
        .collect();
    while acknowledged.load(Ordering::SeqCst) < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    server.kill();
    let mut created = Vec::new();
    for task in burst {
        let (id, ok) = task.await.unwrap();
        if ok {
            created.push(id);
        }
    }
    assert!(created.len() >= 40 && created.len() < 300, "the kill landed mid-burst ({} acknowledged)", created.len());

    let server = ServerProcess::start(BINARY, &ctx, &[]);
    let base = server.base_url();
    let admin = login(&client, &base, "admin", gridline_tests::app::ADMIN_PASSWORD).await;
    for id in &created {
        let res = client.get(format!("{base}/api/v1/cases/{id}/events")).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(res.status(), 200, "acknowledged case {id} survived");
        let events: Value = res.json().await.unwrap();
        assert_eq!(events[0]["type"], "reported", "with its event");
    }
    let mut cases = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/cases?limit=200&cursor={c}"),
            None => format!("{base}/api/v1/cases?limit=200"),
        };
        let page: Value = client.get(url).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
        cases.extend(page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // Changes show once every older transaction of the PostgreSQL cluster has
    // ended (other tests run beside this one): wait for them, with a deadline.
    let mut reported = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let changes: Value = client
            .get(format!("{base}/api/v1/changes?limit=5000"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reported = changes
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["event"]["type"] == "reported")
            .map(|c| c["case_id"].as_str().unwrap().to_owned())
            .collect();
        if reported.len() >= cases.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(cases.len() >= created.len());
    for id in &cases {
        assert!(reported.contains(id), "case {id} exists without its event");
    }
    assert_eq!(reported.len(), cases.len(), "no event without its case");
    server.kill();
}
