//! Clocks that follow the working calendar: the calendar itself, and time
//! limits counted in working hours and working days.

use chrono::{DateTime, Duration, Utc};
use gridline_tests::{
    app::{fields_at_fault, problem},
    Ctx, TestApp,
};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![
    everyone_reads_the_calendar_and_admins_replace_it,
    a_faulty_calendar_is_refused_with_every_fault_named,
    working_hour_and_working_day_limits_skip_holidays_and_so_do_extensions,
    every_stage_has_a_clock_and_the_timeline_keeps_each_deadline_and_outcome,
    stage_limits_are_read_by_everyone_and_replaced_by_admins,
    a_suspended_case_waits_and_resumes_with_its_deadline_moved,
];

async fn put_calendar(app: &TestApp, token: &str, calendar: &Value) -> reqwest::Response {
    app.send_as(token, Method::PUT, "/api/v1/calendar", calendar).await
}

async fn everyone_reads_the_calendar_and_admins_replace_it(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.token("worker1").await;
    let default = app.json_as(&worker, "/api/v1/calendar").await;
    assert_eq!(default["time_zone"], "Asia/Shanghai");
    assert_eq!(default["weekdays"]["mon"], json!([["08:30", "12:00"], ["14:00", "17:30"]]));
    assert_eq!(default["weekdays"]["sat"], json!([]));
    assert_eq!(default["holidays"], json!([]));

    let mut national_day = default.clone();
    national_day["holidays"] = json!(["2026-10-07", "2026-10-01", "2026-10-02", "2026-10-03"]);
    national_day["workdays"] = json!(["2026-10-10", "2026-09-27"]);
    let dispatcher = app.token("dispatcher_community").await;
    problem(put_calendar(&app, &dispatcher, &national_day).await, 403).await;
    let admin = app.token("admin").await;
    let res = put_calendar(&app, &admin, &national_day).await;
    assert_eq!(res.status(), 200);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["holidays"], json!(["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-07"]), "kept in order");
    let read = app.json_as(&worker, "/api/v1/calendar").await;
    assert_eq!(read, saved, "what was saved is what everyone reads");
    let audit = app.json_as(&admin, "/api/v1/audit?action=settings_changed").await;
    assert_eq!(audit.as_array().unwrap().len(), 1, "the change is audited: {audit}");
}

async fn a_faulty_calendar_is_refused_with_every_fault_named(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let day = json!([["08:30", "12:00"], ["14:00", "17:30"]]);
    let faulty = json!({
        "time_zone": "Asia/Atlantis",
        "weekdays": {
            "mon": day, "tue": [["08:30", "12:00"], ["11:00", "17:30"]], "wed": [["17:00", "09:00"]],
            "thu": [["25:00", "26:00"]], "fri": day, "sat": [], "sun": []
        },
        "holidays": ["2026-10-01"],
        "workdays": ["2026-09-27", "2026-10-01"]
    });
    let body = problem(put_calendar(&app, &admin, &faulty).await, 422).await;
    let mut at = fields_at_fault(&body);
    at.sort();
    assert_eq!(at, ["/time_zone", "/weekdays/thu/0", "/workdays/1"], "{body}");
    // With the names right, the order of periods is judged.
    let mut named = faulty.clone();
    named["time_zone"] = json!("Asia/Shanghai");
    named["weekdays"]["thu"] = day.clone();
    named["workdays"] = json!(["2026-09-27"]);
    let body = problem(put_calendar(&app, &admin, &named).await, 422).await;
    assert_eq!(fields_at_fault(&body), ["/weekdays/tue/1", "/weekdays/wed/0"], "{body}");
    let none = json!({
        "time_zone": "Asia/Shanghai",
        "weekdays": {"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []},
        "holidays": [], "workdays": []
    });
    assert_eq!(fields_at_fault(&problem(put_calendar(&app, &admin, &none).await, 422).await), ["/weekdays"]);
    let unchanged = app.json_as(&admin, "/api/v1/calendar").await;
    assert_eq!(unchanged["time_zone"], "Asia/Shanghai");
    assert_eq!(unchanged["holidays"], json!([]), "nothing of a refused calendar was saved");
}

fn at(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time")).unwrap().with_timezone(&Utc)
}

async fn working_hour_and_working_day_limits_skip_holidays_and_so_do_extensions(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    // Every day works round the clock but for three holidays around today, so
    // a clock started now waits for the day after tomorrow, whenever "now" is.
    let today = Utc::now().date_naive();
    let dates = |from: i64, to: i64| -> Vec<String> {
        (from..=to).map(|d| (today + Duration::days(d)).format("%Y-%m-%d").to_string()).collect()
    };
    let all_day = json!([["00:00", "23:59"]]);
    let calendar = json!({
        "time_zone": "UTC",
        "weekdays": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day,
                     "sat": all_day, "sun": all_day},
        "holidays": dates(-1, 1),
        "workdays": []
    });
    assert_eq!(put_calendar(&app, &admin, &calendar).await.status(), 200);
    let limits = json!({"time_limits": [
        {"priority": "normal", "amount": 2, "unit": "working_hours"},
        {"priority": "urgent", "amount": 1, "unit": "working_days"}
    ]});
    let res = app.send_as(&admin, Method::PATCH, "/api/v1/categories/neighbour_dispute", &limits).await;
    assert_eq!(res.status(), 200);

    let worker = app.token("worker1").await;
    let dispatcher = app.token("dispatcher_community").await;
    let staff = app.token("staff_urban").await;
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let day_after_tomorrow = (today + Duration::days(2)).and_hms_opt(0, 0, 0).unwrap().and_utc();
    let dispatched = |priority: &'static str| {
        let (app, worker, dispatcher, urban) = (&app, &worker, &dispatcher, &urban);
        async move {
            let report = json!({
                "category_code": "neighbour_dispute", "description": "楼上噪音 noise upstairs", "priority": priority,
                "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"
            });
            let case: Value = app.send_as(worker, Method::POST, "/api/v1/cases", &report).await.json().await.unwrap();
            let id = case["id"].as_str().unwrap().to_owned();
            let accept = app.send_as(dispatcher, Method::POST, &format!("/api/v1/cases/{id}/accept"), &json!({})).await;
            assert_eq!(accept.status(), 200);
            let body = json!({"lead_department_id": urban});
            let res = app.send_as(dispatcher, Method::POST, &format!("/api/v1/cases/{id}/dispatch"), &body).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };

    // Two working hours: from the end of the holidays, not from now.
    let normal = dispatched("normal").await;
    assert_eq!(at(&normal["due_at"]), day_after_tomorrow + Duration::hours(2));
    assert_eq!(at(&normal["warn_at"]), day_after_tomorrow + Duration::minutes(96), "80% of the working time");
    // One working day: the close of the first working day after today.
    let urgent = dispatched("urgent").await;
    assert_eq!(at(&urgent["due_at"]), day_after_tomorrow + Duration::minutes(23 * 60 + 59));

    // An extension of a working-hour limit adds working hours.
    let id = normal["id"].as_str().unwrap();
    let asked = app
        .send_as(
            &staff,
            Method::POST,
            &format!("/api/v1/cases/{id}/extension-requests"),
            &json!({"hours": 3, "reason": "等待配件"}),
        )
        .await;
    assert_eq!(asked.status(), 201);
    let rid = asked.json::<Value>().await.unwrap()["pending_extension"]["id"].as_str().unwrap().to_owned();
    let decided = app
        .send_as(
            &dispatcher,
            Method::POST,
            &format!("/api/v1/cases/{id}/extension-requests/{rid}/decision"),
            &json!({"approved": true}),
        )
        .await;
    assert_eq!(decided.status(), 200);
    let granted: Value = decided.json().await.unwrap();
    assert_eq!(at(&granted["due_at"]), day_after_tomorrow + Duration::hours(5));
}

async fn stage_limits_are_read_by_everyone_and_replaced_by_admins(ctx: Ctx) {
    let app = ctx.app().await;
    let worker = app.token("worker1").await;
    let default = app.json_as(&worker, "/api/v1/time-limits").await;
    assert_eq!(default["accept"], json!({"amount": 1, "unit": "working_hours"}));
    assert_eq!(default["verify"], json!({"amount": 4, "unit": "working_hours"}));
    let limits = json!({
        "accept": {"amount": 2, "unit": "working_hours"},
        "dispatch": {"amount": 30, "unit": "natural_hours"},
        "verify": {"amount": 1, "unit": "working_days"}
    });
    let dispatcher = app.token("dispatcher_community").await;
    problem(app.send_as(&dispatcher, Method::PUT, "/api/v1/time-limits", &limits).await, 403).await;
    let admin = app.token("admin").await;
    let res = app.send_as(&admin, Method::PUT, "/api/v1/time-limits", &limits).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.json_as(&worker, "/api/v1/time-limits").await, limits);
    let mut faulty = limits.clone();
    faulty["verify"] = json!({"amount": 400, "unit": "working_days"});
    let body = problem(app.send_as(&admin, Method::PUT, "/api/v1/time-limits", &faulty).await, 422).await;
    assert_eq!(fields_at_fault(&body), ["/verify/amount"]);
}

async fn every_stage_has_a_clock_and_the_timeline_keeps_each_deadline_and_outcome(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let limits = json!({
        "accept": {"amount": 1, "unit": "natural_hours"},
        "dispatch": {"amount": 2, "unit": "natural_hours"},
        "verify": {"amount": 3, "unit": "natural_hours"}
    });
    assert_eq!(app.send_as(&admin, Method::PUT, "/api/v1/time-limits", &limits).await.status(), 200);
    let worker = app.token("worker1").await;
    let dispatcher = app.token("dispatcher_community").await;
    let staff = app.token("staff_urban").await;
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let report = json!({
        "category_code": "neighbour_dispute", "description": "楼上噪音 noise upstairs", "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"
    });
    let case: Value = app.send_as(&worker, Method::POST, "/api/v1/cases", &report).await.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let clock = |case: &Value, stage: &str, hours: i64| {
        assert_eq!(case["stage"], stage, "{case}");
        let started = at(&case["updated_at"]);
        assert_eq!(at(&case["due_at"]), started + Duration::hours(hours), "{stage} runs {hours} hours");
        assert_eq!(case["time_limit_status"], "ok");
    };
    clock(&case, "accept", 1);
    let step = |token: &str, step: &str, body: Value| {
        let (app, id) = (&app, &id);
        let token = token.to_owned();
        let step = step.to_owned();
        async move {
            let res = app.send_as(&token, Method::POST, &format!("/api/v1/cases/{id}/{step}"), &body).await;
            assert!(res.status().is_success(), "{step}");
            res.json::<Value>().await.unwrap()
        }
    };
    clock(&step(&dispatcher, "accept", json!({})).await, "dispatch", 2);
    clock(&step(&dispatcher, "dispatch", json!({"lead_department_id": urban})).await, "handle", 72);
    let started = step(&staff, "start", json!({})).await;
    assert_eq!(started["due_at"], step_due(&app, &dispatcher, &id, "dispatched").await, "starting keeps the clock");
    clock(&step(&staff, "resolve", json!({"note": "已调解"})).await, "verify", 3);
    let closed = step(&worker, "verify", json!({"passed": true})).await;
    assert_eq!((closed["stage"].as_str(), closed["time_limit_status"].as_str()), (Some("none"), Some("none")));
    assert!(closed["due_at"].is_null());

    let events = app.json_as(&dispatcher, &format!("/api/v1/cases/{id}/events")).await;
    let stages: Vec<(String, String, String)> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["changes"]["stage"].is_string())
        .map(|e| {
            let text = |k: &str| e["changes"][k].as_str().unwrap_or_default().to_owned();
            (text("ended_stage"), text("ended_stage_outcome"), text("stage"))
        })
        .collect();
    let expected = [
        ("", "", "accept"),
        ("accept", "on_time", "dispatch"),
        ("dispatch", "on_time", "handle"),
        ("handle", "on_time", "verify"),
        ("verify", "on_time", "none"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned())).collect();
    assert_eq!(stages, expected, "each stage's end and start is on the timeline");
    assert!(events.as_array().unwrap().iter().filter(|e| e["changes"]["stage"].is_string()).all(|e| {
        let due = &e["changes"]["stage_due_at"];
        e["changes"]["stage"] == "none" || DateTime::parse_from_rfc3339(due.as_str().unwrap()).is_ok()
    }));
}

/// The deadline the timeline recorded when the case entered `status`.
async fn step_due(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    let events = app.json_as(token, &format!("/api/v1/cases/{id}/events")).await;
    let entered = events.as_array().unwrap().iter().rev().find(|e| e["to_status"] == status).unwrap();
    let due = at(&entered["changes"]["stage_due_at"]);
    json!(due.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

async fn a_suspended_case_waits_and_resumes_with_its_deadline_moved(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let worker = app.token("worker1").await;
    let dispatcher = app.token("dispatcher_community").await;
    let staff = app.token("staff_urban").await;
    let leader = app.token("leader").await;
    let urban = app.department_id(&admin, "DEMO-URBAN").await;
    let report = json!({
        "category_code": "neighbour_dispute", "description": "违建纠纷 a dispute over a shed", "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 7 号"
    });
    let case: Value = app.send_as(&worker, Method::POST, "/api/v1/cases", &report).await.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let post = |token: &str, step: &str, body: Value| {
        let (app, id, token, step) = (&app, &id, token.to_owned(), step.to_owned());
        async move { app.send_as(&token, Method::POST, &format!("/api/v1/cases/{id}/{step}"), &body).await }
    };
    assert_eq!(post(&dispatcher, "accept", json!({})).await.status(), 200);
    let dispatched: Value =
        post(&dispatcher, "dispatch", json!({"lead_department_id": urban})).await.json().await.unwrap();
    let due = at(&dispatched["due_at"]);

    let yesterday = (Utc::now() - Duration::days(1)).format("%Y-%m-%d").to_string();
    let past = post(&dispatcher, "suspend", json!({"reason": "待拆迁", "resume_on": yesterday})).await;
    assert_eq!(fields_at_fault(&problem(past, 422).await), ["/resume_on"]);
    problem(post(&staff, "suspend", json!({"reason": "待拆迁"})).await, 403).await;
    let resume_on = (Utc::now() + Duration::days(30)).format("%Y-%m-%d").to_string();
    let res =
        post(&dispatcher, "suspend", json!({"reason": "待拆迁 awaiting demolition", "resume_on": resume_on})).await;
    assert_eq!(res.status(), 200);
    let suspended: Value = res.json().await.unwrap();
    assert_eq!(suspended["suspended_until"], resume_on.as_str());
    assert_eq!(suspended["allowed_actions"], json!(["comments", "resume"]), "the dispatcher may resume it");
    let waiting = problem(post(&staff, "start", json!({})).await, 409).await;
    assert_eq!(waiting["code"], "conflict", "{waiting}");
    problem(post(&dispatcher, "suspend", json!({"reason": "again"})).await, 409).await;

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let resumed: Value = post(&dispatcher, "resume", json!({})).await.json().await.unwrap();
    assert!(resumed["suspended_until"].is_null());
    let moved = at(&resumed["due_at"]) - due;
    assert!(moved >= Duration::seconds(1) && moved < Duration::seconds(30), "moved by the time it stood: {moved}");
    assert_eq!(post(&staff, "start", json!({})).await.status(), 200, "handling goes on");

    let urged = post(&leader, "urge", json!({"note": "请三日内办结"})).await;
    assert_eq!(urged.status(), 200);
    problem(post(&dispatcher, "urge", json!({"note": "x"})).await, 403).await;
    let events = app.json_as(&dispatcher, &format!("/api/v1/cases/{id}/events")).await;
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds[3..], ["suspended", "resumed", "started", "urged"], "{kinds:?}");
    assert_eq!(events[3]["changes"]["resume_on"], resume_on.as_str());
}
