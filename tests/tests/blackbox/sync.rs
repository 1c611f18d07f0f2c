//! Offline sync: a phone that starts empty and applies what sync sends holds
//! what the list shows it, for every role, while others write; cases that
//! leave its view are removed; a change of grants starts it over.

use std::{collections::BTreeMap, sync::Arc};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{Duration, Utc};
use futures::future::join_all;
use gridline_domain::time::ManualClock;
use gridline_tests::{app::problem, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_phone_that_applies_sync_holds_what_the_list_shows_while_others_write,
    a_case_that_leaves_the_view_is_removed_and_new_grants_start_over,
    a_first_sync_sends_open_cases_newest_first_then_those_ended_within_the_window,
];

/// A phone's copy: case id → version, and its cursor.
#[derive(Default)]
struct Phone {
    cases: BTreeMap<String, i64>,
    cursor: Option<String>,
    removed: Vec<String>,
}

impl Phone {
    /// One sync call; whether the server has more right now.
    async fn pull(&mut self, app: &TestApp, token: &str) -> bool {
        let path = match &self.cursor {
            Some(c) => format!("/api/v1/sync?limit=3&cursor={c}"),
            None => "/api/v1/sync?limit=3".to_owned(),
        };
        let page: Value = app.json_as(token, &path).await;
        for item in page["items"].as_array().unwrap() {
            let id = item["case_id"].as_str().unwrap().to_owned();
            if item["removed"] == true {
                assert!(item.get("case").is_none(), "a removal carries no case");
                self.cases.remove(&id);
                self.removed.push(id);
            } else {
                assert_eq!(item["case"]["id"], item["case_id"]);
                self.cases.insert(id, item["case"]["version"].as_i64().unwrap());
            }
        }
        self.cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
        page["has_more"] == true
    }

    async fn catch_up(&mut self, app: &TestApp, token: &str) {
        for _ in 0..200 {
            if !self.pull(app, token).await {
                return;
            }
        }
        panic!("sync never caught up");
    }
}

/// What the list shows `token`: case id → version, every page.
async fn listed(app: &TestApp, token: &str) -> BTreeMap<String, i64> {
    let mut all = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let page: Value = app.json_as(token, &format!("/api/v1/cases?limit=200{cursor}")).await;
        for c in page["items"].as_array().unwrap() {
            all.insert(c["id"].as_str().unwrap().to_owned(), c["version"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return all,
        }
    }
}

fn report(category: &str, lon: f64) -> Value {
    json!({"category_code": category, "description": "同步测试 sync", "address": "和平路 1 号", "priority": "normal",
           "location": {"lat": 39.902, "lon": lon}})
}

async fn a_phone_that_applies_sync_holds_what_the_list_shows_while_others_write(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let (w1, w2, dc, su) = (
        app.token("worker1").await,
        app.token("worker2").await,
        app.token("dispatcher_community").await,
        app.token("staff_urban").await,
    );
    // Something in every view before the phones start.
    for (token, category, lon) in [(&w1, "sanitation", 116.401), (&w2, "neighbour_dispute", 116.407)] {
        assert_eq!(app.send_as(token, Method::POST, "/api/v1/cases", &report(category, lon)).await.status(), 201);
    }
    let app = &app;
    let writing = async {
        for round in 0..6 {
            let mut made = Vec::new();
            for (token, category, lon) in [
                (&w1, "neighbour_dispute", 116.401),
                (&w2, "illegal_construction", 116.407),
                (&w1, "sanitation", 116.402),
            ] {
                let res = app.send_as(token, Method::POST, "/api/v1/cases", &report(category, lon)).await;
                assert_eq!(res.status(), 201);
                made.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
            }
            // Dispatch the first to the bureau: it enters the staff's view.
            let step = |s: &str| format!("/api/v1/cases/{}/{s}", made[0]);
            assert!(app.send_as(&dc, Method::POST, &step("accept"), &json!({})).await.status().is_success());
            let dispatch = json!({"lead_department_id": urban});
            assert!(app.send_as(&dc, Method::POST, &step("dispatch"), &dispatch).await.status().is_success());
            if round % 2 == 0 {
                assert!(app.send_as(&su, Method::POST, &step("start"), &json!({})).await.status().is_success());
            }
        }
    };
    let users = ["worker1", "dispatcher_community", "staff_urban"];
    let tokens = [w1.clone(), dc.clone(), su.clone()];
    let mut phones: Vec<Phone> = users.iter().map(|_| Phone::default()).collect();
    let syncing = join_all(phones.iter_mut().zip(&tokens).map(|(phone, token)| async move {
        for _ in 0..8 {
            phone.pull(app, token).await;
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
    }));
    futures::join!(writing, syncing);
    for ((user, token), phone) in users.iter().zip(&tokens).zip(&mut phones) {
        phone.catch_up(app, token).await;
        let list = listed(app, token).await;
        assert!(!list.is_empty(), "{user} sees something");
        assert_eq!(phone.cases, list, "{user}: the phone holds what the list shows, version for version");
    }
    // A phone that starts from nothing now gets the same.
    let mut late = Phone::default();
    late.catch_up(app, &su).await;
    assert_eq!(late.cases, listed(app, &su).await);
}

async fn a_case_that_leaves_the_view_is_removed_and_new_grants_start_over(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let (w1, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    // Reported by the dispatcher in worker1's grid: worker1 sees it by its grid alone.
    let res = app.send_as(&dc, Method::POST, "/api/v1/cases", &report("neighbour_dispute", 116.401)).await;
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let mut phone = Phone::default();
    phone.catch_up(&app, &w1).await;
    assert!(phone.cases.contains_key(&id));

    // Corrected into grid 2: it leaves worker1's view.
    let moved = json!({"location": {"lat": 39.902, "lon": 116.407}});
    assert_eq!(app.send_as(&dc, Method::PATCH, &format!("/api/v1/cases/{id}"), &moved).await.status(), 200);
    phone.catch_up(&app, &w1).await;
    assert_eq!(phone.removed, std::slice::from_ref(&id));
    assert!(!phone.cases.contains_key(&id));
    assert_eq!(phone.cases, listed(&app, &w1).await);

    // A new grant changes the view under the copy: the cursor no longer holds.
    let worker1 = app.user_id(&admin, "worker1").await;
    let grid2 = app.unit_id(&admin, "DEMO-E-C1-G2").await;
    let grant = json!({"role": "grid_worker", "unit_id": grid2});
    assert_eq!(
        app.send_as(&admin, Method::POST, &format!("/api/v1/users/{worker1}/roles"), &grant).await.status(),
        201
    );
    let w1 = app.token("worker1").await;
    let cursor = phone.cursor.clone().unwrap();
    let body = problem(app.get_as(&w1, &format!("/api/v1/sync?cursor={cursor}")).await, 410).await;
    assert_eq!(body["code"], "sync_reset");
    let mut fresh = Phone::default();
    fresh.catch_up(&app, &w1).await;
    assert!(fresh.cases.contains_key(&id), "grid 2 is his now too");
    assert_eq!(fresh.cases, listed(&app, &w1).await);

    let body = problem(app.get_as(&w1, "/api/v1/sync?cursor=not-a-cursor").await, 400).await;
    assert_eq!(body["errors"][0]["parameter"], "cursor");
}

async fn a_first_sync_sends_open_cases_newest_first_then_those_ended_within_the_window(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now() - Duration::days(120)));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let (w1, dc) = (app.token("worker1").await, app.token("dispatcher_community").await);
    let file = |lon: f64| {
        let (app, w1) = (&app, &w1);
        async move {
            let res = app.send_as(w1, Method::POST, "/api/v1/cases", &report("neighbour_dispute", lon)).await;
            assert_eq!(res.status(), 201);
            res.json::<Value>().await.unwrap()
        }
    };
    let reject = |case: Value| {
        let (app, dc) = (&app, &dc);
        async move { app.step(dc, &case, "reject", json!({"reason": "不属于受理范围 not ours"})).await }
    };
    let long_ago = reject(file(116.401).await).await;
    clock.advance(Duration::days(100));
    let mut made = Vec::new();
    for _ in 0..4 {
        made.push(file(116.402).await);
        clock.advance(Duration::minutes(1));
    }
    let [older_open, ended_last, newer_open, ended_first] = made.try_into().unwrap();
    reject(ended_first.clone()).await;
    clock.advance(Duration::minutes(1));
    reject(ended_last.clone()).await;

    let w1 = app.token("worker1").await;
    let mut order = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let page: Value = app.json_as(&w1, &format!("/api/v1/sync?limit=3{cursor}")).await;
        assert!(page["items"].as_array().unwrap().len() <= 3);
        order.extend(page["items"].as_array().unwrap().iter().map(|i| i["case_id"].as_str().unwrap().to_owned()));
        cursor = format!("&cursor={}", page["next_cursor"].as_str().unwrap());
        if page["has_more"] == false {
            break;
        }
    }
    let id = |c: &Value| c["id"].as_str().unwrap().to_owned();
    assert_eq!(
        order,
        [&newer_open, &older_open, &ended_last, &ended_first].map(id),
        "open cases newest first, then the ended ones last changed first"
    );
    let listed = listed(&app, &w1).await;
    assert!(listed.contains_key(&id(&long_ago)), "the list still shows the case ended 100 days ago");
    assert_eq!(listed.len(), 5);

    // A snapshot cursor of a server that paged it by case id starts the phone over.
    let by_id = URL_SAFE_NO_PAD.encode(format!("1|0011223344556677|0|s|0|{}", id(&older_open)));
    let body = problem(app.get_as(&w1, &format!("/api/v1/sync?cursor={by_id}")).await, 410).await;
    assert_eq!(body["code"], "sync_reset");
}
