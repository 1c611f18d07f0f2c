//! The sweeper, by a clock the test sets: warnings and overdue events once
//! per deadline without touching the case's version, two sweepers doing each
//! job once, and a sweep after downtime dating what it writes when it happened.

use std::{sync::Arc, time::Duration as Wait};

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridline_domain::time::ManualClock;
use gridline_tests::{Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    a_clock_passing_its_thresholds_is_warned_then_overdue_once_and_the_version_stays,
    two_sweepers_record_each_alarm_once,
    a_sweep_after_downtime_dates_what_it_writes_when_it_happened,
    past_its_deadline_a_case_is_escalated_or_urged_by_the_system_once,
];

/// Sweeps every 50 ms.
const FAST: &[(&str, &str)] = &[("GRIDLINE_SWEEP_INTERVAL_MS", "50")];

fn at(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time")).unwrap().with_timezone(&Utc)
}

/// Natural-hour stage limits, so the arithmetic is plain: one hour to accept.
async fn natural_limits(app: &TestApp) {
    let admin = app.token("admin").await;
    let limits = json!({
        "accept": {"amount": 1, "unit": "natural_hours"},
        "dispatch": {"amount": 1, "unit": "natural_hours"},
        "verify": {"amount": 1, "unit": "natural_hours"}
    });
    assert_eq!(app.send_as(&admin, Method::PUT, "/api/v1/time-limits", &limits).await.status(), 200);
}

async fn report(app: &TestApp) -> Value {
    let worker = app.token("worker1").await;
    let body = json!({
        "category_code": "neighbour_dispute", "description": "楼道堆物 things in the stairwell", "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"
    });
    let res = app.send_as(&worker, Method::POST, "/api/v1/cases", &body).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// The case's events of `kind`.
async fn events_of(app: &TestApp, token: &str, id: &str, kind: &str) -> Vec<Value> {
    let events = app.json_as(token, &format!("/api/v1/cases/{id}/events")).await;
    events.as_array().unwrap().iter().filter(|e| e["type"] == kind).cloned().collect()
}

/// Waits until the case has an event of `kind`, at most 10 s.
async fn wait_for(app: &TestApp, token: &str, id: &str, kind: &str) -> Vec<Value> {
    for _ in 0..200 {
        let found = events_of(app, token, id, kind).await;
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Wait::from_millis(50)).await;
    }
    panic!("no {kind} event was written");
}

async fn a_clock_passing_its_thresholds_is_warned_then_overdue_once_and_the_version_stays(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = ctx.app_with_clock(FAST, clock.clone()).await;
    natural_limits(&app).await;
    let case = report(&app).await;
    let id = case["id"].as_str().unwrap();
    let dispatcher = app.token("dispatcher_community").await;
    tokio::time::sleep(Wait::from_millis(300)).await;
    assert!(events_of(&app, &dispatcher, id, "warning").await.is_empty(), "nothing is owed yet");

    clock.advance(Duration::minutes(50));
    let warnings = wait_for(&app, &dispatcher, id, "warning").await;
    assert_eq!(at(&warnings[0]["at"]), at(&case["warn_at"]), "dated when the clock passed 80%");
    assert_eq!(warnings[0]["actor"]["kind"], "system");
    let read = app.json_as(&dispatcher, &format!("/api/v1/cases/{id}")).await;
    assert_eq!((read["time_limit_status"].as_str(), read["version"].as_i64()), (Some("warning"), Some(1)));

    clock.advance(Duration::minutes(20));
    let overdue = wait_for(&app, &dispatcher, id, "overdue").await;
    assert_eq!(at(&overdue[0]["at"]), at(&case["due_at"]));
    tokio::time::sleep(Wait::from_millis(400)).await;
    assert_eq!(events_of(&app, &dispatcher, id, "warning").await.len(), 1, "one warning per deadline");
    assert_eq!(events_of(&app, &dispatcher, id, "overdue").await.len(), 1, "one overdue per deadline");
    let read = app.json_as(&dispatcher, &format!("/api/v1/cases/{id}")).await;
    assert_eq!((read["time_limit_status"].as_str(), read["version"].as_i64()), (Some("overdue"), Some(1)));

    // The next stage has its own deadline, so its alarms come again.
    let accepted = app.send_as(&dispatcher, Method::POST, &format!("/api/v1/cases/{id}/accept"), &json!({})).await;
    assert_eq!(accepted.status(), 200, "a warning did not change the version the phone holds");
    clock.advance(Duration::minutes(61));
    wait_for(&app, &dispatcher, id, "overdue").await;
    for _ in 0..100 {
        if events_of(&app, &dispatcher, id, "overdue").await.len() == 2 {
            break;
        }
        tokio::time::sleep(Wait::from_millis(50)).await;
    }
    let overdue = events_of(&app, &dispatcher, id, "overdue").await;
    assert_eq!(overdue.len(), 2, "the dispatching stage's deadline passed too");
    assert_eq!(overdue[1]["changes"]["stage"], "dispatch");
}

async fn two_sweepers_record_each_alarm_once(ctx: Ctx) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let first = ctx.app_with_clock(FAST, clock.clone()).await;
    let second = ctx.app_with_clock(FAST, clock.clone()).await;
    natural_limits(&first).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(report(&first).await["id"].as_str().unwrap().to_owned());
    }
    let dispatcher = first.token("dispatcher_community").await;
    clock.advance(Duration::hours(2));
    for id in &ids {
        wait_for(&second, &dispatcher, id, "overdue").await;
    }
    tokio::time::sleep(Wait::from_millis(500)).await;
    for id in &ids {
        assert_eq!(events_of(&first, &dispatcher, id, "warning").await.len(), 1, "case {id}");
        assert_eq!(events_of(&first, &dispatcher, id, "overdue").await.len(), 1, "case {id}");
    }
    let admin = first.token("admin").await;
    let changes = first.json_as(&admin, "/api/v1/changes?after=0&limit=200").await;
    let alarms = changes["items"]
        .as_array()
        .map(|items| items.iter().filter(|c| c["type"] == "warning" || c["type"] == "overdue").count());
    assert!(alarms.is_none_or(|n| n == 10), "each alarm once in the change sequence: {alarms:?}");
}

async fn a_sweep_after_downtime_dates_what_it_writes_when_it_happened(ctx: Ctx) {
    let start = Utc::now();
    let clock = Arc::new(ManualClock::new(start));
    // A node whose sweeper ran once at its start and not again.
    let before = ctx.app_with_clock(&[("GRIDLINE_SWEEP_INTERVAL_MS", "3600000")], clock.clone()).await;
    natural_limits(&before).await;
    let late = report(&before).await;
    let suspended = report(&before).await;
    let dispatcher = before.token("dispatcher_community").await;
    let sid = suspended["id"].as_str().unwrap();
    // Tomorrow in the calendar's time zone (the default calendar's Asia/Shanghai).
    let tomorrow = (start.with_timezone(&chrono_tz::Asia::Shanghai) + Duration::days(1)).date_naive();
    let body = json!({"reason": "待拆迁", "resume_on": tomorrow.to_string()});
    let res = before.send_as(&dispatcher, Method::POST, &format!("/api/v1/cases/{sid}/suspend"), &body).await;
    assert_eq!(res.status(), 200);
    let suspended: Value = res.json().await.unwrap();
    before.stop().await;

    // Three days pass with no node running; then one starts.
    clock.advance(Duration::days(3));
    let after = ctx.app_with_clock(FAST, clock.clone()).await;
    let id = late["id"].as_str().unwrap();
    let overdue = wait_for(&after, &dispatcher, id, "overdue").await;
    let warning = events_of(&after, &dispatcher, id, "warning").await;
    assert_eq!(at(&warning[0]["at"]), at(&late["warn_at"]), "the warning is dated at 80%, not at the sweep");
    assert_eq!(at(&overdue[0]["at"]), at(&late["due_at"]));

    let resumed = wait_for(&after, &dispatcher, sid, "resumed").await;
    // The calendar's day starts at midnight in Asia/Shanghai.
    let midnight = chrono_tz::Asia::Shanghai
        .from_local_datetime(&tomorrow.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let resumed_at = at(&resumed[0]["at"]);
    assert_eq!(resumed_at, midnight.max(at(&suspended["updated_at"])), "resumed on its date, not at the sweep");
    let read = after.json_as(&dispatcher, &format!("/api/v1/cases/{sid}")).await;
    assert!(read["suspended_until"].is_null());
    let stood = resumed_at - at(&suspended["updated_at"]);
    let moved = at(&read["due_at"]) - at(&suspended["due_at"]);
    assert!((moved - stood).num_seconds().abs() <= 1, "the deadline moved by the time it stood: {moved} vs {stood}");
}

async fn past_its_deadline_a_case_is_escalated_or_urged_by_the_system_once(ctx: Ctx) {
    // Monday 2 November 2026, 08:00 UTC, on a calendar that works round the clock in UTC.
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let app = ctx.app_with_clock(FAST, clock.clone()).await;
    let admin = app.token("admin").await;
    natural_limits(&app).await;
    let all_day = json!([["00:00", "23:59"]]);
    let calendar = json!({
        "time_zone": "UTC",
        "weekdays": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day,
                     "sat": all_day, "sun": all_day},
        "holidays": [], "workdays": []
    });
    assert_eq!(app.send_as(&admin, Method::PUT, "/api/v1/calendar", &calendar).await.status(), 200);
    let category = json!({
        "time_limits": [
            {"priority": "normal", "amount": 1, "unit": "natural_hours"},
            {"priority": "urgent", "amount": 1, "unit": "natural_hours"}
        ],
        "auto_escalate_after_hours": 2
    });
    let res = app.send_as(&admin, Method::PATCH, "/api/v1/categories/neighbour_dispute", &category).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["auto_escalate_after_hours"], 2);

    let waiting = report(&app).await;
    let handled = report(&app).await;
    let dispatcher = app.token("dispatcher_community").await;
    let hid = handled["id"].as_str().unwrap();
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    for (step, body) in [("accept", json!({})), ("dispatch", json!({"lead_department_id": urban}))] {
        let res = app.send_as(&dispatcher, Method::POST, &format!("/api/v1/cases/{hid}/{step}"), &body).await;
        assert_eq!(res.status(), 200);
    }
    // Both are due at 09:00; two working hours later, 11:00, the system acts.
    clock.set(start + Duration::minutes(170));
    tokio::time::sleep(Wait::from_millis(300)).await;
    let wid = waiting["id"].as_str().unwrap();
    assert!(events_of(&app, &dispatcher, wid, "escalated").await.is_empty(), "not before 11:00");
    clock.set(start + Duration::minutes(185));
    let escalated = wait_for(&app, &dispatcher, wid, "escalated").await;
    assert_eq!(escalated[0]["actor"]["kind"], "system");
    assert_eq!(at(&escalated[0]["at"]), start + Duration::hours(3), "dated when the threshold passed");
    let street = app.token("dispatcher_street").await;
    let owned = app.json_as(&street, &format!("/api/v1/cases/{wid}")).await;
    assert_eq!(owned["owner_unit_id"], app.unit_id(&admin, "DEMO-E").await, "the street owns it now");
    let urged = wait_for(&app, &dispatcher, hid, "urged").await;
    assert_eq!(urged[0]["actor"]["kind"], "system");
    tokio::time::sleep(Wait::from_millis(400)).await;
    assert_eq!(events_of(&app, &dispatcher, wid, "escalated").await.len(), 1, "once per deadline");
    assert_eq!(events_of(&app, &dispatcher, hid, "urged").await.len(), 1, "once per deadline");
}
