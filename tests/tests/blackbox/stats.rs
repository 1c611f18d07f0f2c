//! The figures, recomputed by hand from a scripted week whose outcomes are
//! known, on a clock the test sets (Monday 2 November 2026, 09:00 in Beijing).

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use gridline_domain::time::ManualClock;
use gridline_tests::{app::problem, database::execute_raw, Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_leaders_figures_match_a_hand_count,
    figures_are_read_only_within_ones_area,
    the_weekly_review_compares_weeks_as_json_csv_and_a_page_behind_a_signed_link,
];

const TRAIL_MIGRATION_POSTGRES: &str = include_str!("../../../persistence/migrations/postgres/0014_trail.sql");
const TRAIL_MIGRATION_SQLITE: &str = include_str!("../../../persistence/migrations/sqlite/0013_trail.sql");

struct Script<'a> {
    app: &'a TestApp,
    clock: &'a ManualClock,
    worker: String,
    dispatcher: String,
    staff: String,
    leader: String,
    urban: String,
}

impl<'a> Script<'a> {
    async fn new(app: &'a TestApp, clock: &'a ManualClock, admin: &str) -> Self {
        Script {
            app,
            clock,
            worker: app.token("worker1").await,
            dispatcher: app.token("dispatcher_community").await,
            staff: app.token("staff_urban").await,
            leader: app.token("leader").await,
            urban: app.department_id(admin, "DEMO-URBAN").await,
        }
    }

    /// Sets the clock to a Beijing time on 2 November 2026 plus `days`.
    fn at(&self, days: i64, h: u32, m: u32) {
        let beijing = chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 2, h, m, 0).unwrap();
        self.clock.set(beijing.with_timezone(&Utc) + Duration::days(days));
    }

    async fn report(&self, on_site: bool) -> String {
        let mut body = json!({
            "category_code": "neighbour_dispute", "description": "邻里纠纷 a quarrel", "priority": "normal",
            "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"
        });
        if on_site {
            body["resolved_on_site"] = json!({"note": "当场调解 settled on the spot"});
        }
        let res = self.app.send_as(&self.worker, Method::POST, "/api/v1/cases", &body).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    async fn step(&self, who: &str, id: &str, step: &str, body: Value) {
        let res = self.app.send_as(who, Method::POST, &format!("/api/v1/cases/{id}/{step}"), &body).await;
        assert!(res.status().is_success(), "{step} on {id}: {}", res.status());
    }
}

async fn natural_limits(app: &TestApp, admin: &str) {
    let hour = json!({"amount": 1, "unit": "natural_hours"});
    let limits = json!({"accept": hour, "dispatch": hour, "verify": hour});
    assert_eq!(app.send_as(admin, Method::PUT, "/api/v1/time-limits", &limits).await.status(), 200);
}

async fn a_leaders_figures_match_a_hand_count(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let admin = app.token("admin").await;
    natural_limits(&app, &admin).await;
    let s = Script::new(&app, &clock, &admin).await;
    let (w, dc, su) = (&s.worker.clone(), &s.dispatcher.clone(), &s.staff.clone());
    let dispatch = json!({"lead_department_id": s.urban});

    // Monday 09:00: eight reports; F is settled on site.
    s.at(0, 9, 0);
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(s.report(false).await);
    }
    let [a, b, c, d, e, g, h]: [String; 7] = ids.try_into().unwrap();
    let f = s.report(true).await;
    // 09:10: A, C, G, H accepted in time; D rejected; E withdrawn.
    s.at(0, 9, 10);
    for id in [&a, &c, &g, &h] {
        s.step(dc, id, "accept", json!({})).await;
    }
    s.step(dc, &d, "reject", json!({"reason": "重复上报"})).await;
    s.step(w, &e, "cancel", json!({"reason": "已自行解决"})).await;
    s.at(0, 9, 20);
    for id in [&a, &c, &g, &h] {
        s.step(dc, id, "dispatch", dispatch.clone()).await;
    }
    s.at(0, 9, 30);
    for id in [&a, &c] {
        s.step(su, id, "start", json!({})).await;
    }
    s.at(0, 10, 20);
    for id in [&a, &c] {
        s.step(su, id, "resolve", json!({"note": "已调解"})).await;
    }
    // 10:30: A passes; C fails and is reworked; F, settled on site, is verified by the dispatcher.
    s.at(0, 10, 30);
    s.step(w, &a, "verify", json!({"passed": true})).await;
    s.step(w, &c, "verify", json!({"passed": false, "note": "未解决"})).await;
    s.step(dc, &f, "verify", json!({"passed": true})).await;
    // 11:00: B accepted an hour late; 11:05 dispatched; G suspended and urged.
    s.at(0, 11, 0);
    s.step(dc, &b, "accept", json!({})).await;
    s.at(0, 11, 5);
    s.step(dc, &b, "dispatch", dispatch.clone()).await;
    s.step(dc, &g, "suspend", json!({"reason": "待拆迁"})).await;
    s.step(&s.leader, &g, "urge", json!({"note": "请尽快"})).await;
    // 11:10: C handled again and closed (reworked, so not on time).
    s.at(0, 11, 10);
    s.step(su, &c, "start", json!({})).await;
    s.step(su, &c, "resolve", json!({"note": "再次调解"})).await;
    s.step(w, &c, "verify", json!({"passed": true})).await;
    // Thursday 12:00: B resolved after its 72 hours ran out (Thursday 11:05) and closed; H is overdue now.
    s.at(3, 12, 0);
    s.step(su, &b, "start", json!({})).await;
    s.step(su, &b, "resolve", json!({"note": "终于调解"})).await;
    s.step(w, &b, "verify", json!({"passed": true})).await;

    let figures = app.json_as(&s.leader, "/api/v1/stats?from=2026-11-02&to=2026-11-02&group_by=department").await;
    let t = &figures["totals"];
    let counts = |v: &Value| -> Vec<i64> {
        [
            "reported",
            "accepted",
            "rejected",
            "cancelled",
            "dispatched",
            "settled_on_site",
            "due_to_close",
            "closed",
            "closed_on_time",
            "overdue_now",
            "suspended",
            "verified",
            "reworked",
            "urged",
            "accepted_on_time",
        ]
        .iter()
        .map(|k| v[*k].as_i64().unwrap_or(-1))
        .collect()
    };
    // By hand: 8 reported; A B C G H accepted (B late); D rejected; E withdrawn; A B C G H dispatched;
    // F settled on site; due to close 6; A B C F closed; A F on time (B late, C reworked); H overdue now
    // (G's clock stands still); G suspended; A B C F verified; C reworked; G urged.
    assert_eq!(counts(t), [8, 5, 1, 1, 5, 1, 6, 4, 2, 1, 1, 4, 1, 1, 4], "{t}");
    assert_eq!(t["closure_rate"], json!(0.6667), "4 / 6");
    assert_eq!(t["on_time_closure_rate"], json!(0.4), "2 / (6 - 1)");
    assert_eq!(t["rework_rate"], json!(0.25), "1 / 4");
    assert_eq!(t["timely_acceptance_rate"], json!(0.8), "4 / 5");
    // Working hours from first dispatch to last resolution: A 1.0 (09:20-10:20), C 1.8333 (09:20-11:10),
    // B 21.9167 (Monday 11:05-12:00 and 14:00-17:30, Tuesday and Wednesday 7 h, Thursday 08:30-12:00).
    assert_eq!(t["avg_handling_hours"], json!(8.25), "(1 + 1.8333 + 21.9167) / 3");
    assert_eq!(t["p90_handling_hours"], json!(21.9167));

    let groups = figures["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    let urban = groups.iter().find(|g| g["key"] == s.urban.as_str()).unwrap();
    assert_eq!(urban["label"], "区城市管理局 Urban Management Bureau");
    assert_eq!(counts(urban), [5, 5, 0, 0, 5, 0, 5, 3, 1, 1, 1, 3, 1, 1, 4]);
    let none = groups.iter().find(|g| g["key"].is_null()).unwrap();
    assert_eq!(counts(none), [3, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0]);
    assert_eq!(none["timely_acceptance_rate"], Value::Null, "no acceptance: no rate");

    // The same cases by day and by category: one group each, equal to the totals.
    // A database written before cases kept their trail: the migration
    // rebuilds every trail from the timelines, and the figures stay the same.
    let url = ctx.database_url();
    let backend = if url.starts_with("sqlite:") { TRAIL_MIGRATION_SQLITE } else { TRAIL_MIGRATION_POSTGRES };
    let forget = "UPDATE cases SET trail = 0, first_dispatched_at = NULL, last_resolved_at = NULL";
    execute_raw(url, forget).await.unwrap();
    let forgotten = app.json_as(&s.leader, "/api/v1/stats?from=2026-11-02&to=2026-11-02").await;
    assert_eq!(forgotten["totals"]["dispatched"], 0, "the figures read the trail");
    let backfill = &backend[backend.find("UPDATE cases").unwrap()..];
    assert_eq!(execute_raw(url, backfill).await.unwrap(), 8, "every case has a timeline");
    let rebuilt = app.json_as(&s.leader, "/api/v1/stats?from=2026-11-02&to=2026-11-02&group_by=department").await;
    assert_eq!(rebuilt["totals"], figures["totals"]);
    assert_eq!(rebuilt["groups"], figures["groups"]);

    for by in ["day", "week", "category", "grid", "community", "street", "grid_worker"] {
        let grouped =
            app.json_as(&s.leader, &format!("/api/v1/stats?from=2026-11-02&to=2026-11-02&group_by={by}")).await;
        let groups = grouped["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "{by}: {groups:?}");
        assert_eq!(counts(&groups[0]), counts(t), "{by}");
    }
    let weekly = app.json_as(&s.leader, "/api/v1/stats?from=2026-11-02&to=2026-11-08&group_by=week").await;
    assert_eq!(weekly["groups"][0]["key"], "2026-W45");
    let other_day = app.json_as(&s.leader, "/api/v1/stats?from=2026-11-03&to=2026-11-03").await;
    assert_eq!(other_day["totals"]["reported"], 0, "counted by the day reported");

    // The ranking: the urban bureau's score by the default weights, by hand:
    // 100 × (0.5 × 1/4 on time + 0.3 × 3/5 closed − 0.2 × 0.3333 reworked) = 23.83.
    let ranked = app.json_as(&s.leader, "/api/v1/stats/ranking?from=2026-11-02&to=2026-11-02&level=department").await;
    let ranking = ranked["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), 1, "cases never dispatched are no contestant: {ranking:?}");
    assert_eq!((ranking[0]["rank"].as_i64(), ranking[0]["score"].as_f64()), (Some(1), Some(23.83)));
    assert_eq!(ranking[0]["key"], s.urban.as_str());
    let only_on_time =
        json!({"on_time_closure_rate": 1.0, "closure_rate": 0.0, "rework_rate": 0.0, "timely_acceptance_rate": 0.0});
    problem(app.send_as(dc, Method::PUT, "/api/v1/stats/ranking-weights", &only_on_time).await, 403).await;
    let res = app.send_as(&admin, Method::PUT, "/api/v1/stats/ranking-weights", &only_on_time).await;
    assert_eq!(res.status(), 200);
    let ranked = app.json_as(&s.leader, "/api/v1/stats/ranking?from=2026-11-02&to=2026-11-02&level=department").await;
    assert_eq!(ranked["ranking"][0]["score"], json!(25.0), "100 × 1/4");
    assert_eq!(ranked["weights"], only_on_time);
    let zero =
        json!({"on_time_closure_rate": 0.0, "closure_rate": 0.0, "rework_rate": 0.0, "timely_acceptance_rate": 0.0});
    problem(app.send_as(&admin, Method::PUT, "/api/v1/stats/ranking-weights", &zero).await, 422).await;
}

async fn figures_are_read_only_within_ones_area(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let worker = app.token("worker1").await;
    problem(app.get_as(&worker, "/api/v1/stats").await, 403).await;
    let dispatcher = app.token("dispatcher_community").await;
    let own = app.json_as(&dispatcher, "/api/v1/stats").await;
    assert_eq!(own["unit_id"], app.unit_id(&admin, "DEMO-E-C1").await, "a dispatcher's own community by default");
    let district = app.unit_id(&admin, "DEMO").await;
    problem(app.get_as(&dispatcher, &format!("/api/v1/stats?unit_id={district}")).await, 403).await;
    let all = app.json_as(&admin, "/api/v1/stats").await;
    assert_eq!(all["unit_id"], district.as_str());
    let body = problem(app.get_as(&admin, "/api/v1/stats?from=2026-11-05&to=2026-11-01").await, 400).await;
    assert_eq!(body["errors"][0]["parameter"], "from");
    problem(app.get_as(&admin, "/api/v1/stats?group_by=planet").await, 400).await;
}

async fn the_weekly_review_compares_weeks_as_json_csv_and_a_page_behind_a_signed_link(ctx: Ctx) {
    // Monday 2 November 2026 (2026-W45), 09:00 in Beijing.
    let start = chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap().with_timezone(&Utc);
    let clock = Arc::new(ManualClock::new(start - Duration::days(7)));
    let app = ctx.app_with_clock(&[], clock.clone()).await;
    let admin = app.token("admin").await;
    let s = Script::new(&app, &clock, &admin).await;
    // One report the week before, three this week, all in 东华街道's 和平社区.
    s.report(false).await;
    clock.set(start);
    for _ in 0..3 {
        s.report(false).await;
    }
    let json = app.json_as(&s.leader, "/api/v1/reports/weekly?week=2026-W45").await;
    assert_eq!((json["week"].as_str(), json["previous_week"].as_str()), (Some("2026-W45"), Some("2026-W44")));
    assert_eq!((json["from"].as_str(), json["to"].as_str()), (Some("2026-11-02"), Some("2026-11-08")));
    assert_eq!(json["totals"]["this_week"]["reported"], 3);
    assert_eq!(json["totals"]["last_week"]["reported"], 1);
    let east = json["rows"].as_array().unwrap().iter().find(|r| r["label"] == "东华街道 Donghua Street").unwrap();
    assert_eq!((east["this_week"]["reported"].as_i64(), east["last_week"]["reported"].as_i64()), (Some(3), Some(1)));

    let csv = app.get_as(&s.leader, "/api/v1/reports/weekly?week=2026-W45&format=csv").await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.lines().next().unwrap().starts_with("unit,reported_this_week,reported_last_week"));
    assert!(csv.lines().any(|l| l.starts_with("东华街道 Donghua Street,3,1,")), "{csv}");

    let page = app.get_as(&s.leader, "/api/v1/reports/weekly?week=2026-W45&format=html").await;
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = page.text().await.unwrap();
    check_page(&page);

    // The link opens the page without a bearer header, for ten minutes, and not once altered.
    let link = app.json_as(&s.leader, "/api/v1/reports/weekly/link?week=2026-W45").await;
    let url = link["url"].as_str().unwrap();
    let opened = app.get(url).await;
    assert_eq!(opened.status(), 200);
    assert!(opened.text().await.unwrap().contains("东华街道 Donghua Street"));
    let altered = url.replace("week=2026-W45", "week=2026-W44");
    problem(app.get(&altered).await, 403).await;
    clock.advance(Duration::minutes(11));
    problem(app.get(url).await, 403).await;
    problem(app.get_as(&s.worker, "/api/v1/reports/weekly/link").await, 403).await;
    problem(app.get_as(&s.leader, "/api/v1/reports/weekly?week=2026-W99").await, 400).await;
}

/// The weekly page parses cleanly, is self-contained, and draws two charts
/// whose labels are text the viewer's fonts render.
fn check_page(page: &str) {
    let doc = scraper::Html::parse_document(page);
    assert!(doc.errors.is_empty(), "the page parses cleanly: {:?}", doc.errors);
    let svg = scraper::Selector::parse("svg").unwrap();
    assert_eq!(doc.select(&svg).count(), 2, "two charts, drawn on the server");
    let text = scraper::Selector::parse("svg text").unwrap();
    let labels: Vec<String> = doc.select(&text).map(|t| t.text().collect()).collect();
    assert!(labels.iter().any(|l| l == "东华街道 Donghua Street"), "chart text stays text: {labels:?}");
    assert!(page.contains("周研判") && page.contains("按期结案率"));
    assert!(!labels.iter().any(|l| l == "0.0%"), "nothing closed yet: no rate, not 0%: {labels:?}");
    let external = scraper::Selector::parse("script[src], link[href], img[src]").unwrap();
    assert_eq!(doc.select(&external).count(), 0, "self-contained");
}
