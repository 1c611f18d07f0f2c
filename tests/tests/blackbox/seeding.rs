//! `gridline admin seed-cases`: the district it writes is one the server
//! could have written itself, case by case and figure by figure.

use chrono::{Duration, Utc};
use gridline_tests::{database::execute_raw, Ctx};
use serde_json::Value;

gridline_tests::tests![
    seeded_cases_are_what_the_workflow_would_have_written,
    a_search_paged_three_cases_at_a_time_finds_what_one_long_page_finds,
];

const COUNT: u64 = 600;

fn seed(ctx: &Ctx) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridline-under-test"))
        .args(["admin", "seed-cases", "--count", &COUNT.to_string(), "--seed", "7"])
        .env_clear()
        .envs(gridline_tests::app::test_env(ctx.database_url(), ctx.data_dir(), &[]))
        .output()
        .expect("run gridline admin seed-cases");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.lines().any(|l| l.starts_with(&format!("seeded {COUNT} cases"))), "{said}");
}

async fn seeded_cases_are_what_the_workflow_would_have_written(ctx: Ctx) {
    seed(&ctx);
    let app = ctx.app().await;
    let leader = app.token("leader").await;
    // Two years of reports: every case is counted in one of two periods.
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let periods = [(today - Duration::days(731), today - Duration::days(366)), (today - Duration::days(365), today)];
    let mut reported = 0;
    let mut before = Vec::new();
    for (from, to) in periods {
        let figures = app.json_as(&leader, &format!("/api/v1/stats?from={from}&to={to}&group_by=grid")).await;
        reported += figures["totals"]["reported"].as_u64().unwrap();
        before.push(figures);
    }
    assert_eq!(reported, COUNT, "{before:?}");
    let totals = &before[0]["totals"];
    for figure in ["closed", "closed_on_time", "rejected", "cancelled", "reworked", "dispatched", "settled_on_site"] {
        assert!(totals[figure].as_u64().unwrap() > 0, "a year of cases has some {figure}: {totals}");
    }
    assert!(totals["closed"].as_u64() > totals["closed_on_time"].as_u64(), "some closed late: {totals}");
    let grids = before[0]["groups"].as_array().unwrap();
    assert_eq!(grids.len(), 6, "every grid of the demo district");

    // Closed, open and refused cases alike, each found by the workflow's own filter.
    let mut statuses = 0;
    for status in ["reported", "accepted", "dispatched", "in_progress", "resolved", "closed", "rejected", "cancelled"] {
        let page = app.json_as(&leader, &format!("/api/v1/cases?status={status}&limit=5")).await;
        let items = page["items"].as_array().unwrap();
        statuses += usize::from(!items.is_empty());
        for case in items {
            let id = case["id"].as_str().unwrap();
            let events: Value = app.json_as(&leader, &format!("/api/v1/cases/{id}/events")).await;
            let events = events.as_array().unwrap();
            assert_eq!(events[0]["type"], "reported", "{id}");
            let ats: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
            assert!(ats.windows(2).all(|w| w[0] <= w[1]), "{id}: the timeline runs forward: {ats:?}");
            assert_eq!(events.last().unwrap()["to_status"], status, "{id}");
        }
    }
    assert!(statuses >= 6, "cases in most states, found {statuses}");

    // The trails written in bulk are the ones the timelines give.
    let url = ctx.database_url();
    execute_raw(url, "UPDATE cases SET trail = 0, first_dispatched_at = NULL, last_resolved_at = NULL").await.unwrap();
    let migration = if url.starts_with("sqlite:") {
        include_str!("../../../persistence/migrations/sqlite/0013_trail.sql")
    } else {
        include_str!("../../../persistence/migrations/postgres/0014_trail.sql")
    };
    execute_raw(url, &migration[migration.find("UPDATE cases").unwrap()..]).await.unwrap();
    let (from, to) = periods[0];
    let rebuilt = app.json_as(&leader, &format!("/api/v1/stats?from={from}&to={to}&group_by=grid")).await;
    assert_eq!(rebuilt, before[0]);
}

/// Short pages of a search are looked for among the newest cases, window
/// after window where matches are sparse (department staff's share of a
/// term); the longest page the list allows takes in the whole district at
/// once. Both must give a phone the same cases in the same order (and test
/// builds check every page against the search index's own plan).
async fn a_search_paged_three_cases_at_a_time_finds_what_one_long_page_finds(ctx: Ctx) {
    seed(&ctx);
    let app = ctx.app().await;
    let mut paged_past_a_window = 0;
    for user in ["staff_urban", "worker1", "dispatcher_community", "leader"] {
        let token = app.token(user).await;
        for term in ["飞线", "垃圾", "占道经营"] {
            let q = urlencode(term);
            let whole = app.json_as(&token, &format!("/api/v1/cases?q={q}&limit=200")).await;
            let whole: Vec<Value> = whole["items"].as_array().unwrap().clone();
            let mut paged: Vec<Value> = Vec::new();
            let mut path = format!("/api/v1/cases?q={q}&limit=3");
            loop {
                let page = app.json_as(&token, &path).await;
                paged.extend(page["items"].as_array().unwrap().iter().cloned());
                let Some(cursor) = page["next_cursor"].as_str() else { break };
                path = format!("/api/v1/cases?q={q}&limit=3&cursor={}", urlencode(cursor));
            }
            let ids = |cases: &[Value]| cases.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
            assert_eq!(ids(&paged), ids(&whole), "{user} searching {term}: three at a time and all at once");
            let created: Vec<&str> = paged.iter().map(|c| c["created_at"].as_str().unwrap()).collect();
            assert!(created.windows(2).all(|w| w[0] >= w[1]), "{user}, {term}: newest first");
            for case in &paged {
                let text = format!(
                    "{} {} {} {}",
                    case["number"], case["description"], case["address"], case["labels"]["category"]
                );
                assert!(text.contains(term), "{user} searching {term} found {text}");
            }
            // Sparse matches: a page of three needed more cases than a first window of 120.
            paged_past_a_window += usize::from(paged.len() >= 3 && paged.len() * 40 < COUNT as usize);
        }
    }
    assert!(paged_past_a_window > 0, "some search had sparse matches");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
