//! The inbox: whoever must act on a case is told at once, in the change's
//! own transaction; nobody is told of what he did himself, nor of a case he
//! may not see.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use chrono::Utc;
use gridline_domain::time::ManualClock;
use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    everyone_who_must_act_is_told_and_nobody_else,
    deadlines_tell_whoever_must_act_in_the_running_stage,
    the_inbox_is_read_a_page_at_a_time_and_marked_read,
];

const EVERYONE: [&str; 11] = [
    "worker1",
    "worker2",
    "worker3",
    "worker4",
    "dispatcher_community",
    "dispatcher_street",
    "dispatcher_district",
    "staff_urban",
    "staff_police",
    "staff_property",
    "leader",
];

struct Inbox<'a> {
    app: &'a TestApp,
    tokens: BTreeMap<&'static str, String>,
    /// How many notifications each user had at the last look.
    seen: BTreeMap<&'static str, usize>,
}

impl<'a> Inbox<'a> {
    async fn new(app: &'a TestApp) -> Self {
        let mut tokens = BTreeMap::new();
        for who in EVERYONE {
            tokens.insert(who, app.token(who).await);
        }
        Self { app, tokens, seen: EVERYONE.iter().map(|w| (*w, 0)).collect() }
    }

    fn token(&self, who: &str) -> &str {
        &self.tokens[who]
    }

    async fn all(&self, who: &str) -> Vec<Value> {
        let page = self.app.json_as(self.token(who), "/api/v1/me/notifications?limit=200").await;
        page["items"].as_array().unwrap().clone()
    }

    /// Who was told what since the last look: (user, kind) of each new notification.
    async fn told(&mut self, case: &Value) -> Vec<(String, String)> {
        let mut told = Vec::new();
        for who in EVERYONE {
            let items = self.all(who).await;
            let new = items.len() - self.seen[who];
            for n in items.iter().take(new) {
                assert_eq!(n["case_id"], case["id"], "{who}: {n}");
                assert!(n["title"].as_str().unwrap().contains(case["number"].as_str().unwrap()), "{n}");
                assert_eq!(n["read"], false);
                told.push((who.to_owned(), n["kind"].as_str().unwrap().to_owned()));
            }
            self.seen.insert(who, items.len());
        }
        told.sort();
        told
    }

    async fn step(&self, who: &str, case: &Value, action: &str, body: Value) -> Value {
        let url = format!("/api/v1/cases/{}/{action}", case["id"].as_str().unwrap());
        let res = self.app.send_as(self.token(who), Method::POST, &url, &body).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{who} {action}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn report(&self, who: &str, category: &str) -> Value {
        let body = json!({
            "category_code": category,
            "description": "楼上漏水 water through the ceiling",
            "priority": "normal",
            "location": {"lat": 39.902, "lon": 116.402},
            "address": "和平路 5 号",
        });
        let res = self.app.send_as(self.token(who), Method::POST, "/api/v1/cases", &body).await;
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = expected.iter().map(|(w, k)| ((*w).to_owned(), (*k).to_owned())).collect();
    v.sort();
    v
}

async fn everyone_who_must_act_is_told_and_nobody_else(ctx: Ctx) {
    let app = ctx.app().await;
    let mut inbox = Inbox::new(&app).await;
    let admin = app.token("admin").await;
    let (urban, police) =
        (app.department_id(&admin, "DEMO-URBAN").await, app.department_id(&admin, "DEMO-POLICE").await);

    // A report waits for the community's dispatcher; the reporter is not told of his own report.
    let case = inbox.report("worker1", "neighbour_dispute").await;
    assert_eq!(inbox.told(&case).await, pairs(&[("dispatcher_community", "queued")]));
    let n = &inbox.all("dispatcher_community").await[0];
    assert!(n["title"].as_str().unwrap().starts_with("待受理"), "{n}");
    assert!(n["body"].as_str().unwrap().contains("和平路 5 号"), "{n}");

    inbox.step("dispatcher_community", &case, "accept", json!({})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[]));
    let dispatch = json!({"lead_department_id": urban, "assisting_department_ids": [police]});
    inbox.step("dispatcher_community", &case, "dispatch", dispatch).await;
    assert_eq!(inbox.told(&case).await, pairs(&[("staff_urban", "dispatched"), ("staff_police", "dispatched")]));

    inbox.step("staff_urban", &case, "return", json!({"reason": "不属本部门"})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[("dispatcher_community", "returned")]));
    assert_eq!(inbox.all("dispatcher_community").await[0]["body"], "不属本部门", "the reason is the body");
    inbox.step("dispatcher_community", &case, "dispatch", json!({"lead_department_id": urban})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[("staff_urban", "dispatched")]));

    // 督办 from the street: no handler yet, so the lead department's staff.
    inbox.step("dispatcher_street", &case, "urge", json!({"note": "请今日处理"})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[("staff_urban", "urged")]));

    inbox.step("staff_urban", &case, "start", json!({})).await;
    inbox.step("staff_urban", &case, "comments", json!({"text": "明早上门"})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[("worker1", "commented"), ("dispatcher_community", "commented")]));

    let asked = inbox.step("staff_urban", &case, "extension-requests", json!({"hours": 24, "reason": "等材料"})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[]));
    let rid = asked["pending_extension"]["id"].as_str().unwrap().to_owned();
    inbox
        .step("dispatcher_community", &case, &format!("extension-requests/{rid}/decision"), json!({"approved": true}))
        .await;
    assert_eq!(inbox.told(&case).await, pairs(&[("staff_urban", "extension_decided")]));
    assert!(inbox.all("staff_urban").await[0]["title"].as_str().unwrap().starts_with("延期已批准"));

    // Resolved: the grid's workers and the community's dispatcher verify.
    inbox.step("staff_urban", &case, "resolve", json!({"note": "已修好"})).await;
    assert_eq!(
        inbox.told(&case).await,
        pairs(&[
            ("worker1", "verify_waiting"),
            ("worker4", "verify_waiting"),
            ("dispatcher_community", "verify_waiting")
        ])
    );
    inbox.step("worker4", &case, "verify", json!({"passed": true})).await;
    assert_eq!(inbox.told(&case).await, pairs(&[("worker1", "closed")]));

    // Rejected and escalated reports.
    let rejected = inbox.report("worker1", "neighbour_dispute").await;
    inbox.told(&rejected).await;
    inbox.step("dispatcher_community", &rejected, "reject", json!({"reason": "重复上报"})).await;
    assert_eq!(inbox.told(&rejected).await, pairs(&[("worker1", "rejected")]));
    let escalated = inbox.report("worker1", "neighbour_dispute").await;
    inbox.told(&escalated).await;
    inbox.step("dispatcher_community", &escalated, "escalate", json!({"reason": "跨社区"})).await;
    assert_eq!(inbox.told(&escalated).await, pairs(&[("dispatcher_street", "queued")]));
}

async fn deadlines_tell_whoever_must_act_in_the_running_stage(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[("GRIDLINE_SWEEP_INTERVAL_MS", "50")], clock.clone()).await;
    let mut inbox = Inbox::new(&app).await;
    // 飞线充电 is accepted at once; dispatching is the running stage.
    let case = inbox.report("worker1", "hanging_wire_charging").await;
    assert_eq!(case["status"], "accepted");
    inbox.told(&case).await;
    let due: chrono::DateTime<Utc> = case["due_at"].as_str().unwrap().parse().unwrap();
    clock.set(due + chrono::Duration::minutes(1));
    let mut told = Vec::new();
    for _ in 0..100 {
        told = inbox.told(&case).await;
        if told.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(told, pairs(&[("dispatcher_community", "overdue"), ("dispatcher_community", "warning")]));
}

async fn the_inbox_is_read_a_page_at_a_time_and_marked_read(ctx: Ctx) {
    let app = ctx.app().await;
    let inbox = Inbox::new(&app).await;
    for _ in 0..5 {
        inbox.report("worker1", "neighbour_dispute").await;
    }
    let dc = inbox.token("dispatcher_community");
    let count = |v: Value| v["unread"].as_i64().unwrap();
    assert_eq!(count(app.json_as(dc, "/api/v1/me/notifications/unread-count").await), 5);

    let first = app.json_as(dc, "/api/v1/me/notifications?limit=2").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.json_as(dc, &format!("/api/v1/me/notifications?limit=2&cursor={cursor}")).await;
    let third = app
        .json_as(dc, &format!("/api/v1/me/notifications?limit=2&cursor={}", second["next_cursor"].as_str().unwrap()))
        .await;
    assert_eq!(third["items"].as_array().unwrap().len(), 1);
    assert_eq!(third["next_cursor"], Value::Null);
    let ids: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first, nothing twice");
    assert_eq!(ids.iter().collect::<std::collections::BTreeSet<_>>().len(), 5);

    // Someone else's ids change nothing of his.
    let res = app
        .send_as(inbox.token("worker4"), Method::POST, "/api/v1/me/notifications/read", &json!({"ids": [ids[0]]}))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["marked"], 0);

    let res = app.send_as(dc, Method::POST, "/api/v1/me/notifications/read", &json!({"ids": [ids[0], ids[1]]})).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"marked": 2, "unread": 3}));
    let unread = app.json_as(dc, "/api/v1/me/notifications?unread=true").await;
    assert_eq!(unread["items"].as_array().unwrap().len(), 3);
    assert!(unread["items"].as_array().unwrap().iter().all(|n| n["read"] == false));
    let res = app.send_as(dc, Method::POST, "/api/v1/me/notifications/read", &json!({"up_to": ids[3]})).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"marked": 2, "unread": 1}));

    let res = app.send_as(dc, Method::POST, "/api/v1/me/notifications/read", &json!({})).await;
    assert_eq!(fields_at_fault(&problem(res, 422).await), [""]);
    let res = app.get_as(dc, "/api/v1/me/notifications?cursor=nonsense").await;
    assert_eq!(problem(res, 400).await["errors"][0]["parameter"], "cursor");

    // An integration has no inbox.
    let admin = app.token("admin").await;
    let key = app.dispatcher_key(&admin, "hotline").await;
    problem(app.get_as(&key, "/api/v1/me/notifications").await, 403).await;
}
