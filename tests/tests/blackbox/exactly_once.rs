//! Writes that survive the field: replays never duplicate, racing clicks never
//! half-apply, and the change sequence never lets a reader skip a change.

use std::collections::BTreeSet;

use futures::future::join_all;
use gridline_tests::{app::problem, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    fifty_concurrent_replays_of_one_client_id_make_one_case,
    the_same_id_with_other_content_is_409,
    fifty_concurrent_replays_of_one_idempotency_key_make_one_case,
    an_idempotency_key_reused_for_another_request_is_422,
    a_step_replayed_with_its_key_happens_once,
    a_client_id_and_a_key_together_replay_consistently,
    two_concurrent_dispatches_leave_one_dispatch_event,
    a_reader_following_the_changes_misses_nothing_while_writers_race,
];

gridline_tests::tests![
    PG_TESTS: a_late_commit_is_not_skipped_by_a_reader,
    a_transaction_held_open_on_another_database_holds_back_no_reader,
];

fn report(id: Option<&str>) -> Value {
    let mut body = json!({
        "category_code": "neighbour_dispute",
        "description": "漏水 a leak from upstairs",
        "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402},
        "address": "和平路 9 号"
    });
    if let Some(id) = id {
        body["id"] = json!(id);
    }
    body
}

async fn events_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    app.json_as(token, &format!("/api/v1/cases/{id}/events")).await.as_array().unwrap().clone()
}

async fn fifty_concurrent_replays_of_one_client_id_make_one_case(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_DB_MAX_CONNECTIONS", "16")]).await;
    let worker = app.token("worker1").await;
    let id = uuid::Uuid::new_v4().to_string();
    let body = report(Some(&id));
    let answers = join_all((0..50).map(|_| async {
        let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &body).await;
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    }))
    .await;
    let created: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(created.len(), 1, "exactly one report creates: {:?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());
    let first = &created[0].1;
    for (status, answer) in &answers {
        assert!(*status == 201 || *status == 200, "a replay is 200, got {status}: {answer}");
        assert_eq!(answer, first, "every replay gets the first answer");
    }
    let dc = app.token("dispatcher_community").await;
    let list = app.json_as(&dc, "/api/v1/cases?limit=200").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "one case");
    let events = events_of(&app, &dc, &id).await;
    assert_eq!(events.len(), 1, "one event");
}

async fn the_same_id_with_other_content_is_409(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.token("worker1").await;
    let id = uuid::Uuid::new_v4().to_string();
    let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &report(Some(&id))).await;
    assert_eq!(res.status(), 201);
    // The same content spelt differently is the same content.
    let mut same = report(Some(&id));
    same["address"] = json!("和平路 9 号");
    let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &same).await;
    assert_eq!(res.status(), 200);
    let mut other = report(Some(&id));
    other["description"] = json!("something else");
    let body = problem(app.send_as(&worker, Method::POST, "/api/v1/cases", &other).await, 409).await;
    assert_eq!(body["code"], "id_taken");
    // Another reporter reusing the id is refused too.
    let dc = app.token("dispatcher_community").await;
    problem(app.send_as(&dc, Method::POST, "/api/v1/cases", &report(Some(&id))).await, 409).await;
}

async fn fifty_concurrent_replays_of_one_idempotency_key_make_one_case(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_DB_MAX_CONNECTIONS", "16")]).await;
    let worker = app.token("worker1").await;
    let body = report(None);
    let answers = join_all((0..50).map(|_| async {
        let res = app
            .as_bearer(Method::POST, "/api/v1/cases", &worker)
            .header("Idempotency-Key", "phone-7f3a-report-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }))
    .await;
    let first = &answers.iter().find(|(s, _)| *s == 201).expect("one answer").1;
    for (status, text) in &answers {
        assert_eq!(*status, 201, "every replay gets the first status");
        assert_eq!(text, first, "and the first body, byte for byte");
    }
    let dc = app.token("dispatcher_community").await;
    let list = app.json_as(&dc, "/api/v1/cases").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let id = list["items"][0]["id"].as_str().unwrap();
    assert_eq!(events_of(&app, &dc, id).await.len(), 1);
    // Keys are scoped to the caller: another user's identical key is his own.
    let other = app.token("dispatcher_community").await;
    let res = app
        .as_bearer(Method::POST, "/api/v1/cases", &other)
        .header("Idempotency-Key", "phone-7f3a-report-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_ne!(res.text().await.unwrap(), *first);
}

async fn an_idempotency_key_reused_for_another_request_is_422(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.token("worker1").await;
    let send = |body: Value| {
        app.as_bearer(Method::POST, "/api/v1/cases", &worker).header("Idempotency-Key", "k-1").json(&body).send()
    };
    assert_eq!(send(report(None)).await.unwrap().status(), 201);
    let mut other = report(None);
    other["description"] = json!("another matter");
    let body = problem(send(other).await.unwrap(), 422).await;
    assert_eq!(body["errors"][0]["parameter"], "Idempotency-Key");
    let res = app
        .as_bearer(Method::POST, "/api/v1/cases", &worker)
        .header("Idempotency-Key", "")
        .json(&report(None))
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
}

async fn a_step_replayed_with_its_key_happens_once(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.token("worker1").await;
    let dc = app.token("dispatcher_community").await;
    let case: Value = app.send_as(&worker, Method::POST, "/api/v1/cases", &report(None)).await.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    let comment = || {
        app.as_bearer(Method::POST, &format!("/api/v1/cases/{id}/comments"), &dc)
            .header("Idempotency-Key", "comment-1")
            .json(&json!({"text": "已电话联系 called the resident"}))
            .send()
    };
    let first = comment().await.unwrap();
    assert_eq!(first.status(), 201);
    let first = first.text().await.unwrap();
    let again = comment().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first);
    let accept = || {
        app.as_bearer(Method::POST, &format!("/api/v1/cases/{id}/accept"), &dc)
            .header("Idempotency-Key", "accept-1")
            .send()
    };
    assert_eq!(accept().await.unwrap().status(), 200);
    assert_eq!(accept().await.unwrap().status(), 200, "a replayed accept is not a 409");
    let events = events_of(&app, &dc, id).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["reported", "commented", "accepted"]);
}

async fn a_client_id_and_a_key_together_replay_consistently(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_DB_MAX_CONNECTIONS", "16")]).await;
    let worker = app.token("worker1").await;
    let id = uuid::Uuid::new_v4().to_string();
    let body = report(Some(&id));
    let send = |key: &'static str| {
        app.as_bearer(Method::POST, "/api/v1/cases", &worker).header("Idempotency-Key", key).json(&body).send()
    };
    let answers = join_all((0..20).map(|_| async {
        let res = send("offline-1").await.unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    }))
    .await;
    assert!(answers.iter().all(|(s, b)| *s == 201 && *b == answers[0].1), "one answer for all");
    // A new key for the same id: the id's replay (200), and that key keeps it.
    let res = send("offline-2").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), answers[0].1);
    let res = send("offline-2").await.unwrap();
    assert_eq!(res.status(), 200, "the second key's answer is replayed, not left running");
}

async fn two_concurrent_dispatches_leave_one_dispatch_event(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_DB_MAX_CONNECTIONS", "8")]).await;
    let worker = app.token("worker1").await;
    let dc = app.token("dispatcher_community").await;
    let admin = app.token("admin").await;
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let police = app.department_id(&admin, "DEMO-POLICE").await;
    for round in 0..5 {
        let case: Value =
            app.send_as(&worker, Method::POST, "/api/v1/cases", &report(None)).await.json().await.unwrap();
        let id = case["id"].as_str().unwrap().to_owned();
        app.send_as(&dc, Method::POST, &format!("/api/v1/cases/{id}/accept"), &json!({})).await;
        let statuses = join_all([&urban, &police].map(|lead| {
            let (app, dc, id) = (&app, &dc, &id);
            async move {
                app.as_bearer(Method::POST, &format!("/api/v1/cases/{id}/dispatch"), dc)
                    .header("If-Match", "\"2\"")
                    .json(&json!({"lead_department_id": lead}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        }))
        .await;
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert!(
            sorted[0] == 200 && matches!(sorted[1], 409 | 412),
            "round {round}: one wins, one is refused: {statuses:?}"
        );
        let events = events_of(&app, &dc, &id).await;
        assert_eq!(events.iter().filter(|e| e["type"] == "dispatched").count(), 1, "round {round}");
        let case = app.json_as(&dc, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(case["version"], 3, "nothing half-applied");
    }
}

async fn a_reader_following_the_changes_misses_nothing_while_writers_race(ctx: Ctx) {
    let app = ctx.app_with(&[("GRIDLINE_DB_MAX_CONNECTIONS", "16")]).await;
    let admin = app.token("admin").await;
    let workers =
        [app.token("worker1").await, app.token("dispatcher_community").await, app.token("dispatcher_street").await];
    let app = &app;
    let done = std::sync::atomic::AtomicBool::new(false);
    let writing = async {
        for _ in 0..10 {
            join_all(workers.iter().flat_map(|w| (0..4).map(move |_| w)).map(|w| async move {
                let res = app.send_as(w, Method::POST, "/api/v1/cases", &report(None)).await;
                assert_eq!(res.status(), 201);
            }))
            .await;
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    // On PostgreSQL a change shows only once every older transaction of the
    // cluster has ended (other tests' included): it may come late, never out
    // of order and never not at all. So follow until all 120 came, with a deadline.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let reading = async {
        let mut seen = Vec::new();
        let mut after = 0;
        while seen.len() < 120 && tokio::time::Instant::now() < deadline {
            let changes = app.json_as(&admin, &format!("/api/v1/changes?after={after}")).await;
            let batch = changes.as_array().unwrap();
            if batch.is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
                continue;
            }
            for c in batch {
                let seq = c["event"]["seq"].as_i64().unwrap();
                assert!(seq > after, "strictly increasing");
                after = seq;
                seen.push(seq);
            }
        }
        seen
    };
    let (_, seen) = futures::join!(writing, reading);
    let everything = app.json_as(&admin, "/api/v1/changes?after=0&limit=5000").await;
    let all: BTreeSet<i64> =
        everything.as_array().unwrap().iter().map(|c| c["event"]["seq"].as_i64().unwrap()).collect();
    let followed: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(followed.len(), seen.len(), "no change read twice");
    assert_eq!(followed.len(), 120, "the follower saw every report's event");
    assert!(followed.is_subset(&all) && all.len() >= 120, "and the full read agrees");
    let first = everything[0].clone();
    assert!(first["visible_before"].is_null() && first["visible_after"]["grid_id"].is_string());
}

/// On PostgreSQL, the interleaving that loses changes in a naive sequence:
/// transaction A takes its number, B takes a later one and commits, a reader
/// reads, then A commits. The reader's next read still returns A. A and B
/// write the way the server does: reserving their numbers first.
async fn a_late_commit_is_not_skipped_by_a_reader(ctx: Ctx) {
    use sqlx::{Connection, Executor, PgConnection};
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let worker = app.token("worker1").await;
    let case: Value = app.send_as(&worker, Method::POST, "/api/v1/cases", &report(None)).await.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let visible = json!({"grid_id": case["grid_id"], "owner_unit_id": case["owner_unit_id"], "grid_path": "", "department_ids": []});
    let insert = |seq: i64, note: &str| {
        format!(
            "INSERT INTO case_events (seq, id, case_id, type, actor_kind, actor_label, at, to_status, note, internal, \
             changes, visible_after) VALUES ({seq}, '{}', '{id}', 'commented', 'system', 'test', now(), 'reported', \
             '{note}', false, '{{}}', '{visible}')",
            uuid::Uuid::new_v4()
        )
    };
    let reserve = "SELECT (reserve_case_event_seqs(1))[1]";
    let read = |after: i64| {
        let (app, admin) = (&app, &admin);
        async move {
            let changes = app.json_as(admin, &format!("/api/v1/changes?after={after}")).await;
            changes
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["event"]["seq"].as_i64().unwrap(), c["event"]["note"].clone()))
                .collect::<Vec<_>>()
        }
    };
    let start = read(0).await.last().map_or(0, |(seq, _)| *seq);

    let mut a = PgConnection::connect(ctx.database_url()).await.unwrap();
    let mut b = PgConnection::connect(ctx.database_url()).await.unwrap();
    a.execute("BEGIN").await.unwrap();
    let a_seq: i64 = sqlx::query_scalar(reserve).fetch_one(&mut a).await.unwrap();
    a.execute(insert(a_seq, "A").as_str()).await.unwrap();
    b.execute("BEGIN").await.unwrap();
    let b_seq: i64 = sqlx::query_scalar(reserve).fetch_one(&mut b).await.unwrap();
    b.execute(insert(b_seq, "B").as_str()).await.unwrap();
    b.execute("COMMIT").await.unwrap();
    assert!(b_seq > a_seq, "B took a later number");

    let seen = read(start).await;
    assert!(seen.iter().all(|(seq, _)| *seq < a_seq), "the reader does not pass A's number while A runs: {seen:?}");
    let cursor = seen.last().map_or(start, |(seq, _)| *seq);

    a.execute("COMMIT").await.unwrap();
    // Other tests' transactions on the same cluster may hold the next read
    // back for a moment; they cannot make it skip A.
    let mut notes = Vec::new();
    for _ in 0..200 {
        let next = read(cursor).await;
        notes = next.iter().filter_map(|(_, note)| note.as_str().map(str::to_owned)).collect::<Vec<_>>();
        if notes.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(notes, ["A", "B"], "the next read returns A, then B");
}

/// A reader waits only for case writers still in flight: a transaction held
/// open on another database of the cluster (a pg_dump, a forgotten session)
/// delays neither the change feed nor a phone's sync.
async fn a_transaction_held_open_on_another_database_holds_back_no_reader(ctx: Ctx) {
    use sqlx::{Connection, Executor, PgConnection};
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let worker = app.token("worker1").await;
    let last = |changes: &Value| changes.as_array().unwrap().last().map_or(0, |c| c["event"]["seq"].as_i64().unwrap());
    let start = last(&app.json_as(&admin, "/api/v1/changes?after=0&limit=5000").await);
    let sync: Value = app.json_as(&worker, "/api/v1/sync").await;
    let mut cursor = sync["next_cursor"].as_str().unwrap().to_owned();

    let mut idle = PgConnection::connect(&gridline_tests::database::pg_admin_url()).await.unwrap();
    idle.execute("BEGIN").await.unwrap();
    idle.execute("SELECT pg_current_xact_id()").await.unwrap();

    let case: Value = app.send_as(&worker, Method::POST, "/api/v1/cases", &report(None)).await.json().await.unwrap();
    let written = std::time::Instant::now();
    let (mut in_changes, mut in_sync) = (None, None);
    while (in_changes.is_none() || in_sync.is_none()) && written.elapsed() < std::time::Duration::from_secs(5) {
        if in_changes.is_none() && last(&app.json_as(&admin, &format!("/api/v1/changes?after={start}")).await) > start {
            in_changes = Some(written.elapsed());
        }
        if in_sync.is_none() {
            let page: Value = app.json_as(&worker, &format!("/api/v1/sync?cursor={cursor}")).await;
            if page["items"].as_array().unwrap().iter().any(|i| i["case_id"] == case["id"]) {
                in_sync = Some(written.elapsed());
            }
            cursor = page["next_cursor"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    idle.execute("ROLLBACK").await.unwrap();
    let second = std::time::Duration::from_secs(1);
    assert!(in_changes.is_some_and(|t| t < second), "the change feed waited: {in_changes:?}");
    assert!(in_sync.is_some_and(|t| t < second), "sync waited: {in_sync:?}");
}
