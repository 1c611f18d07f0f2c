//! Finding cases: every filter and some combinations against a hand-built set
//! of cases whose answers are known, text search in Chinese, and pages that
//! stay stable while others report.

use std::{collections::BTreeSet, sync::Arc};

use chrono::{Duration, TimeZone, Utc};
use gridline_domain::time::ManualClock;
use gridline_tests::{app::problem, database::execute_raw, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    every_filter_finds_exactly_the_cases_it_names,
    two_chinese_characters_find_a_longer_phrase_and_one_is_refused,
    pages_stay_stable_while_others_report,
    every_case_answer_names_what_it_refers_to,
    the_todo_list_is_what_allowed_actions_say,
    nearby_finds_open_cases_nearest_first_within_sight,
];

struct District<'a> {
    app: &'a TestApp,
    clock: &'a ManualClock,
}

impl District<'_> {
    /// Monday 2 November 2026, 09:00 in Beijing, plus `hours`.
    fn at(&self, hours: i64) {
        let start = chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap().with_timezone(&Utc);
        self.clock.set(start + Duration::hours(hours));
    }

    async fn report(
        &self,
        token: &str,
        category: &str,
        description: &str,
        (lon, lat): (f64, f64),
        urgent: bool,
    ) -> Value {
        let body = json!({
            "category_code": category, "description": description, "address": "和平路 5 号",
            "priority": if urgent { "urgent" } else { "normal" }, "location": {"lat": lat, "lon": lon}
        });
        let res = self.app.send_as(token, Method::POST, "/api/v1/cases", &body).await;
        assert_eq!(res.status(), 201, "{category}");
        res.json().await.unwrap()
    }

    async fn step(&self, token: &str, case: &Value, step: &str, body: Value) {
        let path = format!("/api/v1/cases/{}/{step}", case["id"].as_str().unwrap());
        let res = self.app.send_as(token, Method::POST, &path, &body).await;
        assert!(res.status().is_success(), "{step}: {}", res.status());
    }
}

/// The numbers of every case a query finds, following every page.
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/cases?limit=2&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let res = app.get_as(token, &path).await;
        assert_eq!(res.status(), 200, "{path}");
        let page: Value = res.json().await.unwrap();
        numbers.extend(page["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return numbers,
        }
    }
}

fn set(numbers: &[&Value]) -> BTreeSet<String> {
    numbers.iter().map(|c| c["number"].as_str().unwrap().to_owned()).collect()
}

async fn found_set(app: &TestApp, token: &str, query: &str) -> BTreeSet<String> {
    let list = found(app, token, query).await;
    let unique: BTreeSet<String> = list.iter().cloned().collect();
    assert_eq!(unique.len(), list.len(), "{query}: no case twice: {list:?}");
    unique
}

async fn every_filter_finds_exactly_the_cases_it_names(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let d = District { app: &app, clock: &clock };
    let admin = app.token("admin").await;
    let (w1, w2, w3) = (app.token("worker1").await, app.token("worker2").await, app.token("worker3").await);
    let (dc, su, leader) =
        (app.token("dispatcher_community").await, app.token("staff_urban").await, app.token("leader").await);
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let west = app.unit_id(&admin, "DEMO-W").await;
    let g2 = app.unit_id(&admin, "DEMO-E-C1-G2").await;

    // A (sanitation: accepted and dispatched at once), Heping grid 1, 09:00.
    d.at(0);
    let a = d.report(&w1, "sanitation", "垃圾堆放未清运", (116.401, 39.901), false).await;
    // B (hanging-wire charging: accepted at once), urgent, 10:00.
    d.at(1);
    let b = d.report(&w1, "hanging_wire_charging", "楼道内电动车飞线充电", (116.402, 39.902), true).await;
    // C (a dispute: waits to be accepted), Heping grid 2, by worker2, 11:00.
    d.at(2);
    let c = d.report(&w2, "neighbour_dispute", "邻里噪音纠纷", (116.407, 39.902), false).await;
    // D (illegal construction): accepted, dispatched to the urban bureau, started by its staff, 12:00.
    d.at(3);
    let dd = d.report(&w1, "illegal_construction", "楼顶违章搭建彩钢房", (116.403, 39.903), false).await;
    d.step(&dc, &dd, "accept", json!({})).await;
    d.step(&dc, &dd, "dispatch", json!({"lead_department_id": urban})).await;
    d.step(&su, &dd, "start", json!({})).await;
    // E (street vending: accepted at once), then suspended, 13:00.
    d.at(4);
    let e = d.report(&w1, "street_vending", "流动摊贩占道经营", (116.404, 39.904), false).await;
    d.step(&dc, &e, "suspend", json!({"reason": "待整治"})).await;
    // F (sanitation) in Xingfu grid 1, another street, 14:00.
    d.at(5);
    let f = d.report(&w3, "sanitation", "建筑垃圾乱倒", (116.412, 39.902), false).await;
    d.at(6);

    let all = [&a, &b, &c, &dd, &e, &f];
    let l = |q: &'static str| found_set(&app, &leader, q);
    assert_eq!(l("").await, set(&all));
    assert_eq!(l("status=reported").await, set(&[&c]));
    assert_eq!(l("status=reported,accepted").await, set(&[&b, &c, &e]));
    assert_eq!(l("category_code=environment").await, set(&[&a, &dd, &e, &f]), "a 大类 holds its 小类");
    assert_eq!(l("category_code=sanitation").await, set(&[&a, &f]));
    assert_eq!(l("priority=urgent").await, set(&[&b]));
    assert_eq!(found_set(&app, &leader, &format!("unit_id={west}")).await, set(&[&f]));
    assert_eq!(found_set(&app, &leader, &format!("grid_id={g2}")).await, set(&[&c]));
    assert_eq!(found_set(&app, &leader, &format!("lead_department_id={urban}")).await, set(&[&a, &dd, &f]));
    assert_eq!(found_set(&app, &su, "handler=me").await, set(&[&dd]));
    assert_eq!(found_set(&app, &su, "status=reported").await, set(&[]), "a department sees no reported case");
    assert_eq!(found_set(&app, &su, "status=in_progress").await, set(&[&dd]));
    assert_eq!(found_set(&app, &w2, "reporter=me").await, set(&[&c]));
    assert_eq!(l("stage=accept").await, set(&[&c]));
    assert_eq!(l("stage=dispatch").await, set(&[&b, &e]));
    assert_eq!(l("stage=handle").await, set(&[&a, &dd, &f]));
    assert_eq!(l("stage=handle&status=reported").await, set(&[]), "a stage and statuses outside it");
    assert_eq!(l("suspended=true").await, set(&[&e]));
    assert_eq!(l("suspended=false").await.len(), 5);
    assert_eq!(l("created_after=2026-11-02T03:00:00Z").await, set(&[&c, &dd, &e, &f]), "11:00 in Beijing");
    assert_eq!(l("created_before=2026-11-02T03:00:00Z").await, set(&[&a, &b]));
    assert_eq!(l("updated_after=2026-11-02T05:00:00Z").await, set(&[&e, &f]), "E was suspended at 13:00");
    assert_eq!(l("bbox=116.405,39.900,116.410,39.905").await, set(&[&c]));
    assert_eq!(l("bbox=116.411,39.900,116.420,39.902").await, set(&[&f]), "a point on the edge counts");
    // Combinations narrow.
    assert_eq!(l("category_code=environment&status=dispatched,in_progress").await, set(&[&a, &dd, &f]));
    assert_eq!(l("category_code=environment&stage=handle&bbox=116.400,39.900,116.410,39.905").await, set(&[&a, &dd]));
    assert_eq!(l("q=垃圾&stage=handle").await, set(&[&a, &f]));
    // Each within what the caller sees: worker1 sees his own grid only.
    assert_eq!(found_set(&app, &w1, "q=垃圾").await, set(&[&a]));
    assert_eq!(found_set(&app, &w1, "category_code=environment").await, set(&[&a, &dd, &e]));
    // One status for a grid worker is read branch by branch of his view (PostgreSQL):
    // his grid's, then the ones he reported, each case once.
    assert_eq!(found_set(&app, &w1, "status=accepted").await, set(&[&b, &e]));
    assert_eq!(found_set(&app, &w2, "status=reported").await, set(&[&c]), "in his grid and his own");
    assert_eq!(found_set(&app, &w3, "status=reported").await, set(&[]));

    // The clocks: at 17:00 on Thursday every running clock but the suspended one is overdue
    // (D's 72 hours from its dispatch on Monday at 12:00 ran out at noon).
    d.at(80);
    assert_eq!(l("time_limit_status=overdue").await, set(&[&a, &b, &c, &dd, &f]));
    assert_eq!(l("time_limit_status=overdue&suspended=true").await, set(&[]));

    // Orders: soonest due first (the suspended clock keeps its place); most recently changed first.
    let due = found(&app, &leader, "sort=due").await;
    assert_eq!(due.len(), 6);
    let updated = found(&app, &leader, "sort=updated").await;
    assert_eq!(updated.first().map(String::as_str), f["number"].as_str(), "F changed last: {updated:?}");
    let created = found(&app, &leader, "").await;
    assert_eq!(created.first().map(String::as_str), f["number"].as_str(), "newest first");
    assert_eq!(created.last().map(String::as_str), a["number"].as_str());

    // What cannot be a filter is a 400 naming it.
    for (query, parameter) in [
        ("status=reported,lost", "status"),
        ("category_code=nope", "category_code"),
        ("unit_id=00000000-0000-0000-0000-000000000000", "unit_id"),
        ("bbox=116.5,39.9,116.4,39.95", "bbox"),
        ("bbox=1,2,3", "bbox"),
        ("handler=someone", "handler"),
        ("sort=random", "sort"),
        ("created_after=yesterday", "created_after"),
    ] {
        let body = problem(app.get_as(&leader, &format!("/api/v1/cases?{query}")).await, 400).await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{query}: {body}");
    }
    let page: Value = app.json_as(&leader, "/api/v1/cases?sort=due&limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let body = problem(app.get_as(&leader, &format!("/api/v1/cases?sort=created&cursor={cursor}")).await, 400).await;
    assert_eq!(body["errors"][0]["parameter"], "cursor", "a cursor belongs to its sort");
}

async fn two_chinese_characters_find_a_longer_phrase_and_one_is_refused(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let d = District { app: &app, clock: &clock };
    d.at(0);
    let w1 = app.token("worker1").await;
    let leader = app.token("leader").await;
    let charging =
        d.report(&w1, "damaged_facility", "3号楼下电动车飞线充电，存在安全隐患", (116.401, 39.901), false).await;
    let lamp = d.report(&w1, "damaged_facility", "路灯不亮 the street LAMP is out", (116.402, 39.902), false).await;
    let apart = d.report(&w1, "damaged_facility", "飞鸟撞线，充电桩损坏", (116.403, 39.903), false).await;
    let construction = d.report(&w1, "illegal_construction", "楼顶搭建彩钢房", (116.404, 39.904), false).await;

    let l = |q: String| {
        let (app, leader) = (&app, &leader);
        async move { found_set(app, leader, &format!("q={q}")).await }
    };
    assert_eq!(l("飞线".into()).await, set(&[&charging]), "飞线 finds 飞线充电");
    assert_eq!(l("飞线充电".into()).await, set(&[&charging]), "飞 线 充 电 apart is no match");
    assert_eq!(l("充电".into()).await, set(&[&charging, &apart]));
    assert_eq!(l("lamp".into()).await, set(&[&lamp]), "English, whatever its case");
    assert_eq!(l("路灯%20lamp".into()).await, set(&[&lamp]), "every word must occur");
    assert_eq!(l("路灯%20飞线".into()).await, set(&[]));
    assert_eq!(l("违法建设".into()).await, set(&[&construction]), "the category's name");
    assert_eq!(l("Illegal".into()).await, set(&[&construction]), "its English name");
    let number = charging["number"].as_str().unwrap().to_owned();
    assert_eq!(l(number).await, set(&[&charging]), "the case number");

    // Cases written before the index existed are indexed when a server starts.
    execute_raw(ctx.database_url(), "UPDATE cases SET search_terms = NULL").await.unwrap();
    assert_eq!(l("飞线".into()).await, set(&[]), "the index is what finds");
    let restarted = ctx.app().await;
    assert_eq!(found_set(&restarted, &leader, "q=飞线").await, set(&[&charging]));

    for short in ["飞", "a", "飞线%20a", "%EF%BC%8C"] {
        let body = problem(app.get_as(&leader, &format!("/api/v1/cases?q={short}")).await, 400).await;
        assert_eq!(body["code"], "query_too_short", "{short}");
        assert_eq!(body["errors"][0]["parameter"], "q");
    }
}

async fn pages_stay_stable_while_others_report(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let d = District { app: &app, clock: &clock };
    let w1 = app.token("worker1").await;
    let leader = app.token("leader").await;
    let mut reported = Vec::new();
    for i in 0..5 {
        d.at(i);
        reported.push(d.report(&w1, "damaged_facility", "井盖破损", (116.401, 39.901), false).await);
    }
    for sort in ["created", "updated", "due"] {
        let first: Value = app.json_as(&leader, &format!("/api/v1/cases?sort={sort}&limit=2")).await;
        let mut seen: Vec<String> =
            first["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()).collect();
        // Someone reports between two pages.
        d.at(10);
        let late = d.report(&w1, "damaged_facility", "井盖缺失", (116.401, 39.901), false).await;
        let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
        while let Some(c) = cursor {
            let page: Value = app.json_as(&leader, &format!("/api/v1/cases?sort={sort}&limit=2&cursor={c}")).await;
            seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()));
            cursor = page["next_cursor"].as_str().map(str::to_owned);
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: nothing twice: {seen:?}");
        for case in &reported {
            assert!(seen.iter().any(|n| case["number"] == n.as_str()), "{sort}: nothing skipped: {seen:?}");
        }
        reported.push(late);
    }
}

async fn every_case_answer_names_what_it_refers_to(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let (w1, su) = (app.token("worker1").await, app.token("staff_urban").await);
    let body = json!({
        "category_code": "sanitation", "description": "垃圾堆放", "address": "和平路 5 号", "priority": "normal",
        "location": {"lat": 39.901, "lon": 116.401}
    });
    let res = app.send_as(&w1, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let expected = json!({
        "category": "环境卫生", "grid": "和平一网格 Heping Grid 1", "owner_unit": "和平社区 Heping Community",
        "lead_department": "区城市管理局 Urban Management Bureau", "handler": null, "reporter": "周网格员 Worker One"
    });
    assert_eq!(case["labels"], expected, "in the answer to the report");
    let id = case["id"].as_str().unwrap();
    let res = app.send_as(&su, Method::POST, &format!("/api/v1/cases/{id}/start"), &json!({})).await;
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["labels"]["handler"], "城管队员 Urban Management Staff", "in the answer to a step");

    // A new display name shows at once, in lists and reads alike.
    let worker1 = app.user_id(&admin, "worker1").await;
    let rename = json!({"display_name": "周明 Zhou Ming"});
    assert_eq!(app.send_as(&admin, Method::PATCH, &format!("/api/v1/users/{worker1}"), &rename).await.status(), 200);
    let listed: Value = app.json_as(&w1, "/api/v1/cases").await;
    assert_eq!(listed["items"][0]["labels"]["reporter"], "周明 Zhou Ming");
    let read: Value = app.json_as(&su, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(read["labels"]["reporter"], "周明 Zhou Ming");

    // A report through an API key is labelled with the key's name.
    let key = app.dispatcher_key(&admin, "12345 热线 hotline").await;
    let mut hotline = body.clone();
    hotline["source"] = json!("hotline");
    let res = app.request(Method::POST, "/api/v1/cases").header("x-api-key", &key).json(&hotline).send().await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let reported: Value = res.json().await.unwrap();
    assert_eq!(reported["labels"]["reporter"], "12345 热线 hotline");
    assert_eq!(reported["labels"]["handler"], Value::Null);
}

const NOT_TODO: [&str; 4] = ["comments", "update", "escalate", "urge"];

async fn the_todo_list_is_what_allowed_actions_say(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let d = District { app: &app, clock: &clock };
    let admin = app.token("admin").await;
    let (w1, dc, su) =
        (app.token("worker1").await, app.token("dispatcher_community").await, app.token("staff_urban").await);
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    d.at(0);
    // In handling (dispatched at once), waiting to be accepted, waiting to be dispatched.
    d.report(&w1, "sanitation", "垃圾满溢", (116.401, 39.901), false).await;
    d.at(1);
    d.report(&w1, "neighbour_dispute", "噪音纠纷", (116.402, 39.902), false).await;
    d.report(&w1, "hanging_wire_charging", "飞线充电", (116.403, 39.903), true).await;
    // Resolved by the bureau: any grid worker of the grid or the dispatcher verifies.
    let resolved = d.report(&w1, "illegal_construction", "违章搭建", (116.404, 39.904), false).await;
    d.step(&dc, &resolved, "accept", json!({})).await;
    d.step(&dc, &resolved, "dispatch", json!({"lead_department_id": urban})).await;
    d.step(&su, &resolved, "start", json!({})).await;
    // 违法建设 is resolved with an "after" photo.
    let after = gridline_api::media::samples::png(16, 9);
    let after_id: String =
        ring::digest::digest(&ring::digest::SHA256, &after).as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let res = app
        .request(Method::PUT, &format!("/api/v1/media/{after_id}"))
        .bearer_auth(&su)
        .body(after)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    d.step(&su, &resolved, "resolve", json!({"note": "已拆除", "media": [{"media_id": after_id}]})).await;
    // Settled on site by worker1: worker4 verifies, worker1 never.
    let body = json!({
        "category_code": "damaged_facility", "description": "井盖归位", "address": "和平路 7 号", "priority": "normal",
        "location": {"lat": 39.9015, "lon": 116.4015}, "resolved_on_site": {"note": "当场归位"}
    });
    assert_eq!(app.send_as(&w1, Method::POST, "/api/v1/cases", &body).await.status(), 201);
    // Suspended; and one with an extension request waiting for the dispatcher.
    let suspended = d.report(&w1, "street_vending", "占道经营", (116.4025, 39.9025), false).await;
    d.step(&dc, &suspended, "suspend", json!({"reason": "待整治"})).await;
    d.at(2);
    let extended = d.report(&w1, "sanitation", "垃圾未清", (116.4035, 39.9035), false).await;
    d.step(&su, &extended, "extension-requests", json!({"hours": 8, "reason": "需要协调"})).await;
    d.at(3);

    for user in ["worker1", "worker4", "worker2", "dispatcher_community", "staff_urban", "staff_police", "leader"] {
        let token = app.token(user).await;
        // What each case the caller sees says he may do now.
        let mut expected = BTreeSet::new();
        let mut per_action: std::collections::BTreeMap<String, u64> = Default::default();
        let listed: Value = app.json_as(&token, "/api/v1/cases?limit=200").await;
        for case in listed["items"].as_array().unwrap() {
            let actions: Vec<&str> = case["allowed_actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .filter(|a| !NOT_TODO.contains(a))
                .collect();
            if !actions.is_empty() {
                expected.insert(case["number"].as_str().unwrap().to_owned());
            }
            for a in actions {
                *per_action.entry(a.to_owned()).or_default() += 1;
            }
        }
        // The to-do list, a page of two at a time.
        let mut todo = Vec::new();
        let mut dues = Vec::new();
        let mut cursor = String::new();
        let counts = loop {
            let page: Value = app.json_as(&token, &format!("/api/v1/me/todo?limit=2{cursor}")).await;
            for case in page["items"].as_array().unwrap() {
                todo.push(case["number"].as_str().unwrap().to_owned());
                dues.push(case["due_at"].as_str().map(str::to_owned));
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break page["counts"].clone(),
            }
        };
        let found: BTreeSet<String> = todo.iter().cloned().collect();
        assert_eq!(found.len(), todo.len(), "{user}: no case twice");
        assert_eq!(found, expected, "{user}: the to-dos are the cases with an action");
        let mut sorted = dues.clone();
        sorted.sort_by(|a, b| match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (a, b) => b.is_some().cmp(&a.is_some()).reverse(),
        });
        assert_eq!(dues, sorted, "{user}: soonest due first");
        for (action, n) in counts.as_object().unwrap() {
            assert_eq!(n.as_u64().unwrap(), per_action.get(action).copied().unwrap_or(0), "{user}: {action}: {counts}");
        }
        for action in per_action.keys() {
            assert!(counts.get(action).is_some(), "{user}: {action} is counted");
        }
        match user {
            "dispatcher_community" => {
                assert_eq!(counts["accept"], 1);
                assert_eq!(counts["dispatch"], 2, "a suspension does not hold back dispatching");
                assert_eq!(counts["resume"], 1);
                assert_eq!(counts["extension-decision"], 1);
                assert_eq!(counts["verify"], 2);
            }
            "worker1" => assert_eq!((counts["verify"].as_u64(), counts["cancel"].as_u64()), (Some(1), Some(1))),
            "worker4" => assert_eq!(counts["verify"], 2, "the on-site one and the bureau's"),
            "staff_urban" => assert_eq!(counts["start"], 2),
            "leader" | "worker2" | "staff_police" => assert!(todo.is_empty(), "{user}: {todo:?}"),
            _ => {}
        }
    }
}

async fn nearby_finds_open_cases_nearest_first_within_sight(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let d = District { app: &app, clock: &clock };
    d.at(0);
    let (w1, w2, dc) =
        (app.token("worker1").await, app.token("worker2").await, app.token("dispatcher_community").await);
    // 0.001° of latitude is 111 m.
    let near = d.report(&w1, "damaged_facility", "井盖破损", (116.402, 39.9021), false).await;
    let farther = d.report(&w1, "sanitation", "垃圾堆放", (116.402, 39.9035), false).await;
    let far = d.report(&w1, "damaged_facility", "路灯不亮", (116.402, 39.9049), false).await;
    let rejected = d.report(&w1, "neighbour_dispute", "噪音", (116.402, 39.9020), false).await;
    d.step(&dc, &rejected, "reject", json!({"reason": "重复上报"})).await;
    let unseen = d.report(&w2, "damaged_facility", "井盖缺失", (116.4051, 39.9020), false).await;

    let near_by = |token: String, query: &'static str| {
        let app = &app;
        async move { app.json_as(&token, &format!("/api/v1/cases/nearby?lat=39.902&lon=116.402&{query}")).await }
    };
    let page: Value = near_by(w1.clone(), "radius_m=300").await;
    let items = page["items"].as_array().unwrap();
    let numbers: Vec<&str> = items.iter().map(|i| i["case"]["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, [near["number"].as_str().unwrap(), farther["number"].as_str().unwrap()], "nearest first");
    let d0 = items[0]["distance_m"].as_f64().unwrap();
    let d1 = items[1]["distance_m"].as_f64().unwrap();
    assert!((d0 - 11.1).abs() < 0.5 && (d1 - 166.8).abs() < 1.0, "{d0} {d1}");
    assert!(!numbers.contains(&far["number"].as_str().unwrap()), "beyond the radius");
    assert!(!numbers.contains(&rejected["number"].as_str().unwrap()), "only open cases");
    assert!(!numbers.contains(&unseen["number"].as_str().unwrap()), "worker1 does not see worker2's grid");

    let wide: Value = near_by(dc.clone(), "radius_m=2000").await;
    let wide: Vec<&str> =
        wide["items"].as_array().unwrap().iter().map(|i| i["case"]["number"].as_str().unwrap()).collect();
    assert_eq!(wide.len(), 4, "the dispatcher sees both grids: {wide:?}");
    let lamps: Value = near_by(w1.clone(), "radius_m=2000&category_code=facilities").await;
    assert_eq!(lamps["items"].as_array().unwrap().len(), 2, "a 大类 holds its 小类");
    let one: Value = near_by(w1.clone(), "radius_m=2000&limit=1").await;
    assert_eq!(one["items"][0]["case"]["number"], near["number"]);

    for (query, parameter) in [
        ("lat=39.9&lon=116.4&radius_m=2001", "radius_m"),
        ("lat=91&lon=116.4", "lat"),
        ("lat=39.9&lon=181", "lon"),
        ("lat=39.9&lon=116.4&category_code=nope", "category_code"),
        ("lon=116.4", "lat"),
    ] {
        let body = problem(app.get_as(&w1, &format!("/api/v1/cases/nearby?{query}")).await, 400).await;
        assert_eq!(body["errors"][0]["parameter"], parameter, "{query}: {body}");
    }
}
