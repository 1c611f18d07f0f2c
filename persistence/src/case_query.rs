//! The WHERE clause of a case listing: the caller's visibility and filters.

use chrono::{DateTime, Utc};
use gridline_domain::{
    cases::{CaseScope, TimeLimitStatus},
    ports::CaseFilter,
};

use crate::{sql::Arg, types::Ts};

struct Builder {
    args: Vec<Arg>,
}

impl Builder {
    fn push(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }
}

fn visibility(b: &mut Builder, scope: &CaseScope) -> String {
    if scope.all {
        return "1 = 1".into();
    }
    let mut any = Vec::new();
    if !scope.grid_ids.is_empty() {
        let ps: Vec<String> = scope.grid_ids.iter().map(|id| b.push(Arg::from(*id))).collect();
        any.push(format!("c.grid_id IN ({})", ps.join(", ")));
    }
    for path in &scope.unit_paths {
        let p = b.push(Arg::from(format!("{path}%")));
        any.push(format!("c.grid_path LIKE {p}"));
    }
    if !scope.department_ids.is_empty() {
        let ps: Vec<String> = scope.department_ids.iter().map(|id| b.push(Arg::from(*id))).collect();
        let ps = ps.join(", ");
        // The lead is the case's column; earlier and assisting departments are rows.
        any.push(format!(
            "c.lead_department_id IN ({ps}) OR \
             EXISTS (SELECT 1 FROM case_departments cd WHERE cd.case_id = c.id AND cd.department_id IN ({ps}))"
        ));
    }
    if let Some(user) = scope.user_id {
        let p = b.push(Arg::from(user));
        any.push(format!("c.reporter_user_id = {p} OR c.handler_user_id = {p}"));
    }
    if let Some(key) = scope.api_key_id {
        let p = b.push(Arg::from(key));
        any.push(format!("c.reporter_api_key_id = {p}"));
    }
    if any.is_empty() {
        "1 = 0".into()
    } else {
        format!("({})", any.iter().map(|a| format!("({a})")).collect::<Vec<_>>().join(" OR "))
    }
}

pub(crate) fn list_where(scope: &CaseScope, filter: &CaseFilter, now: DateTime<Utc>) -> (String, Vec<Arg>) {
    let mut b = Builder { args: Vec::new() };
    let mut clauses = vec![visibility(&mut b, scope)];
    if let Some(status) = filter.status {
        let p = b.push(Arg::from(status.as_str()));
        clauses.push(format!("c.status = {p}"));
    }
    if let Some(tls) = filter.time_limit_status {
        // The running stage's clock; final cases have none (their lateness is on the timeline).
        let running = "c.status NOT IN ('closed', 'rejected', 'cancelled') AND c.due_at IS NOT NULL";
        let clause = match tls {
            TimeLimitStatus::None => "(c.status IN ('closed', 'rejected', 'cancelled') OR c.due_at IS NULL)".to_owned(),
            other => {
                // A suspended clock stands still where it stopped.
                let at = b.push(Arg::from(Ts(now)));
                let t = format!("COALESCE(c.suspended_at, {at})");
                match other {
                    TimeLimitStatus::Overdue => format!("{running} AND {t} >= c.due_at"),
                    TimeLimitStatus::Warning => format!("{running} AND {t} >= c.warn_at AND {t} < c.due_at"),
                    _ => format!("{running} AND {t} < c.warn_at"),
                }
            }
        };
        clauses.push(format!("({clause})"));
    }
    if let Some((created_at, id)) = filter.before {
        let t = b.push(Arg::from(Ts(created_at)));
        let i = b.push(Arg::from(id));
        clauses.push(format!("(c.created_at < {t} OR (c.created_at = {t} AND c.id < {i}))"));
    }
    (clauses.join(" AND "), b.args)
}
