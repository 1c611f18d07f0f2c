//! For each demo role and each state of a case: every action the case lists
//! in `allowed_actions` succeeds, and every action it does not list is refused.

use gridline_tests::{Ctx, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

gridline_tests::tests![every_listed_action_succeeds_and_every_other_is_refused];

const ROLES: [&str; 11] = [
    "worker1",
    "worker2",
    "worker3",
    "dispatcher_community",
    "dispatcher_street",
    "dispatcher_district",
    "staff_urban",
    "staff_police",
    "staff_property",
    "leader",
    "admin",
];

const ACTIONS: [&str; 15] = [
    "accept",
    "reject",
    "escalate",
    "dispatch",
    "return",
    "start",
    "resolve",
    "verify",
    "cancel",
    "extension-requests",
    "extension-decision",
    "comments",
    "update",
    "feedback",
    "reopen",
];

const STATES: [&str; 10] = [
    "reported",
    "accepted",
    "dispatched",
    "extension_pending",
    "in_progress",
    "resolved",
    "closed",
    "rated_dissatisfied",
    "rejected",
    "cancelled",
];

struct World {
    tokens: Vec<(String, String)>,
    urban: String,
}

impl World {
    fn token(&self, user: &str) -> &str {
        &self.tokens.iter().find(|(u, _)| u == user).expect("a demo user").1
    }
}

async fn call(app: &TestApp, token: &str, case: &Value, action: &str, world: &World) -> reqwest::Response {
    let id = case["id"].as_str().unwrap();
    let (method, path, body) = match action {
        "update" => (Method::PATCH, format!("/api/v1/cases/{id}"), json!({"description": "更正 corrected"})),
        "extension-decision" => {
            let rid = case["pending_extension"]["id"]
                .as_str()
                .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
            (Method::POST, format!("/api/v1/cases/{id}/extension-requests/{rid}/decision"), json!({"approved": true}))
        }
        other => {
            let body = match other {
                "reject" | "escalate" | "return" | "cancel" | "reopen" => json!({"reason": "理由 reason"}),
                "feedback" => json!({"rating": "dissatisfied", "comment": "不满意"}),
                "dispatch" => json!({"lead_department_id": world.urban}),
                "resolve" => json!({"note": "done"}),
                "verify" => json!({"passed": true}),
                "extension-requests" => json!({"hours": 2, "reason": "rain"}),
                "comments" => json!({"text": "noted"}),
                _ => json!({}),
            };
            (Method::POST, format!("/api/v1/cases/{id}/{other}"), body)
        }
    };
    app.send_as(token, method, &path, &body).await
}

/// A fresh case of worker1's, brought to `state` by the people whose steps lead there.
async fn case_in(app: &TestApp, world: &World, state: &str) -> Value {
    let body = json!({
        "category_code": "neighbour_dispute", "description": "争吵 a quarrel", "priority": "normal",
        "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 7 号"
    });
    let res = app.send_as(world.token("worker1"), Method::POST, "/api/v1/cases", &body).await;
    let mut case: Value = res.json().await.unwrap();
    let path: &[(&str, &str)] = match state {
        "reported" => &[],
        "accepted" => &[("dispatcher_community", "accept")],
        "dispatched" => &[("dispatcher_community", "accept"), ("dispatcher_community", "dispatch")],
        "extension_pending" => &[
            ("dispatcher_community", "accept"),
            ("dispatcher_community", "dispatch"),
            ("staff_urban", "extension-requests"),
        ],
        "in_progress" => {
            &[("dispatcher_community", "accept"), ("dispatcher_community", "dispatch"), ("staff_urban", "start")]
        }
        "resolved" | "closed" | "rated_dissatisfied" => &[
            ("dispatcher_community", "accept"),
            ("dispatcher_community", "dispatch"),
            ("staff_urban", "start"),
            ("staff_urban", "resolve"),
        ],
        "rejected" => &[("dispatcher_community", "reject")],
        "cancelled" => &[("worker1", "cancel")],
        other => panic!("no state {other}"),
    };
    let mut path = path.to_vec();
    if matches!(state, "closed" | "rated_dissatisfied") {
        path.push(("worker1", "verify"));
    }
    if state == "rated_dissatisfied" {
        path.push(("dispatcher_community", "feedback"));
    }
    for (who, action) in path {
        let res = call(app, world.token(who), &case, action, world).await;
        assert!(res.status().is_success(), "setting up {state}: {action} by {who}");
        case = res.json().await.unwrap();
    }
    case
}

async fn every_listed_action_succeeds_and_every_other_is_refused(ctx: Ctx) {
    let app = ctx.app().await;
    let admin = app.token("admin").await;
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role.to_owned(), app.token(role).await));
    }
    let world = World { tokens, urban: app.department_id(&admin, "DEMO-URBAN").await };
    let mut failures = Vec::new();
    let mut successes = 0;
    for state in STATES {
        let base = case_in(&app, &world, state).await;
        let id = base["id"].as_str().unwrap();
        for role in ROLES {
            let token = world.token(role);
            let res = app.get_as(token, &format!("/api/v1/cases/{id}")).await;
            let allowed: Vec<String> = if res.status() == 200 {
                let seen: Value = res.json().await.unwrap();
                seen["allowed_actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect()
            } else {
                Vec::new()
            };
            for action in ACTIONS {
                if allowed.iter().any(|a| a == action) {
                    let fresh = case_in(&app, &world, state).await;
                    let res = call(&app, token, &fresh, action, &world).await;
                    if res.status().is_success() {
                        successes += 1;
                    } else {
                        failures.push(format!("{state}: {role} lists {action} but got {}", res.status()));
                    }
                } else {
                    let res = call(&app, token, &base, action, &world).await;
                    let status = res.status().as_u16();
                    if !matches!(status, 403 | 404 | 409) {
                        failures.push(format!("{state}: {role} does not list {action} but got {status}"));
                    }
                }
            }
        }
        let after = app.json_as(&admin, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(after["version"], base["version"], "refused actions changed nothing ({state})");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(successes >= 25, "the table exercised the allowed actions ({successes})");
}
