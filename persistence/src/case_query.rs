//! The WHERE clause of a case listing: the caller's visibility and filters.

use chrono::{DateTime, Utc};
use gridline_domain::{
    cases::{CaseScope, Party, Pending, TextQuery, TimeLimitStatus, TodoRule, TodoScope},
    ports::{CaseFilter, CaseSort, ListCursor},
};

use crate::{
    sql::{Arg, Dialect},
    types::Ts,
};

pub(crate) struct Builder {
    pub(crate) args: Vec<Arg>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Self { args: Vec::new() }
    }

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

/// Cases whose clock no longer runs sort after every running one by due time.
const FINAL: &str = "('closed', 'rejected', 'cancelled')";

/// Whether a case has no running clock: it sorts after every running one
/// in a due-first list. Written exactly as the index over it (migration
/// 0017/0015) is, so that the order is read off that index.
const CLOCKLESS: &str = "(c.status IN ('closed', 'rejected', 'cancelled') OR c.due_at IS NULL)";

/// The statuses whose clock may run, in the order the partial indexes over
/// open cases name them: a list of them written so matches those indexes.
const OPEN: &str = "c.status IN ('reported', 'accepted', 'dispatched', 'in_progress', 'resolved')";

/// `ORDER BY` of a list: its key, then the id, in the sort's direction.
pub(crate) fn list_order(sort: CaseSort) -> String {
    match sort {
        CaseSort::Id => "c.id ASC".into(),
        CaseSort::Due => format!("{CLOCKLESS} ASC, c.due_at ASC, c.id ASC"),
        CaseSort::Created => "c.created_at DESC, c.id DESC".into(),
        CaseSort::Updated => "c.updated_at DESC, c.id DESC".into(),
    }
}

/// After a cursor of a due-first list: a cursor of the far-off year stands
/// for a clockless case (see the list's `key_of`).
fn due_after(b: &mut Builder, cursor: ListCursor) -> String {
    let i = b.push(Arg::from(cursor.id));
    if cursor.key.format("%Y").to_string() == "9999" {
        return format!("({CLOCKLESS} AND c.id > {i})");
    }
    let t = b.push(Arg::from(Ts(cursor.key)));
    format!("((NOT {CLOCKLESS} AND (c.due_at > {t} OR (c.due_at = {t} AND c.id > {i}))) OR {CLOCKLESS})")
}

/// `c.status IN (…)` written out: statuses are a closed set of words, and
/// written, not bound, the planner can match them to partial indexes.
fn statuses_in(statuses: &[gridline_domain::cases::CaseStatus]) -> String {
    let open = [
        gridline_domain::cases::CaseStatus::Reported,
        gridline_domain::cases::CaseStatus::Accepted,
        gridline_domain::cases::CaseStatus::Dispatched,
        gridline_domain::cases::CaseStatus::InProgress,
        gridline_domain::cases::CaseStatus::Resolved,
    ];
    if statuses == open {
        return OPEN.into();
    }
    let words: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("c.status IN ({})", words.join(", "))
}

fn in_list(b: &mut Builder, column: &str, values: impl IntoIterator<Item = Arg>) -> String {
    let ps: Vec<String> = values.into_iter().map(|v| b.push(v)).collect();
    format!("{column} IN ({})", ps.join(", "))
}

fn clock_clause(b: &mut Builder, tls: TimeLimitStatus, now: DateTime<Utc>) -> String {
    // The running stage's clock; final cases have none (their lateness is on the timeline).
    let running = format!("c.status NOT IN {FINAL} AND c.due_at IS NOT NULL");
    match tls {
        TimeLimitStatus::None => format!("(c.status IN {FINAL} OR c.due_at IS NULL)"),
        other => {
            // A suspended clock stands still where it stopped.
            let at = b.push(Arg::from(Ts(now)));
            let t = format!("COALESCE(c.suspended_at, {at})");
            match other {
                TimeLimitStatus::Overdue => format!("({running} AND {t} >= c.due_at)"),
                TimeLimitStatus::Warning => format!("({running} AND {t} >= c.warn_at AND {t} < c.due_at)"),
                _ => format!("({running} AND {t} < c.warn_at)"),
            }
        }
    }
}

/// The search: the index narrows by the query's bigrams, its words decide
/// (as substrings of the number, description or address), and the cases of
/// categories whose names hold the words match as well.
fn text_clause<DB: Dialect>(b: &mut Builder, q: &TextQuery) -> String {
    let terms = b.push(Arg::from(q.terms.join(" ")));
    let mut words = Vec::new();
    for word in &q.words {
        let p = b.push(Arg::from(format!("%{word}%")));
        words.push(format!("(lower(c.description) LIKE {p} OR lower(c.address) LIKE {p} OR lower(c.number) LIKE {p})"));
    }
    let text = format!("({} AND {})", DB::has_terms(&terms), words.join(" AND "));
    if q.category_codes.is_empty() {
        return text;
    }
    let codes = in_list(b, "c.category_code", q.category_codes.iter().map(Arg::from));
    format!("({text} OR {codes})")
}

pub(crate) fn list_where<DB: Dialect>(
    scope: &CaseScope,
    filter: &CaseFilter,
    now: DateTime<Utc>,
) -> (String, Vec<Arg>) {
    let mut b = Builder { args: Vec::new() };
    let mut clauses = vec![visibility(&mut b, scope)];
    if filter.nothing {
        clauses.push("1 = 0".into());
    }
    if !filter.statuses.is_empty() {
        clauses.push(statuses_in(&filter.statuses));
    }
    if !filter.category_codes.is_empty() {
        clauses.push(in_list(&mut b, "c.category_code", filter.category_codes.iter().map(Arg::from)));
    }
    if let Some(priority) = filter.priority {
        clauses.push(format!("c.priority = {}", b.push(Arg::from(priority.as_str()))));
    }
    if let Some(path) = &filter.unit_path {
        clauses.push(format!("c.grid_path LIKE {}", b.push(Arg::from(format!("{path}%")))));
    }
    let equal: [(&str, Option<uuid::Uuid>); 5] = [
        ("c.grid_id", filter.grid_id),
        ("c.lead_department_id", filter.lead_department_id),
        ("c.handler_user_id", filter.handler_user_id),
        ("c.reporter_user_id", filter.reporter_user_id),
        ("c.reporter_api_key_id", filter.reporter_api_key_id),
    ];
    for (column, value) in equal {
        if let Some(id) = value {
            clauses.push(format!("{column} = {}", b.push(Arg::from(id))));
        }
    }
    if let Some(tls) = filter.time_limit_status {
        clauses.push(clock_clause(&mut b, tls, now));
    }
    match filter.suspended {
        Some(true) => clauses.push("c.suspended_at IS NOT NULL".into()),
        Some(false) => clauses.push("c.suspended_at IS NULL".into()),
        None => {}
    }
    let moments = [
        ("c.created_at >=", filter.created_after),
        ("c.created_at <", filter.created_before),
        ("c.updated_at >=", filter.updated_after),
    ];
    for (test, value) in moments {
        if let Some(at) = value {
            clauses.push(format!("{test} {}", b.push(Arg::from(Ts(at)))));
        }
    }
    if let Some((min_lon, min_lat, max_lon, max_lat)) = filter.bbox {
        let ps: Vec<String> = [min_lon, max_lon, min_lat, max_lat].into_iter().map(|v| b.push(Arg::from(v))).collect();
        clauses.push(format!("c.lon BETWEEN {} AND {} AND c.lat BETWEEN {} AND {}", ps[0], ps[1], ps[2], ps[3]));
    }
    if let Some(q) = &filter.text {
        clauses.push(text_clause::<DB>(&mut b, q));
    }
    if let Some(since) = filter.live_since {
        let t = b.push(Arg::from(Ts(since)));
        clauses.push(format!("(c.status NOT IN {FINAL} OR c.updated_at >= {t})"));
    }
    if let (Some(cursor), CaseSort::Id) = (filter.after, filter.sort) {
        clauses.push(format!("c.id > {}", b.push(Arg::from(cursor.id))));
    } else if let (Some(cursor), CaseSort::Due) = (filter.after, filter.sort) {
        clauses.push(due_after(&mut b, cursor));
    } else if let Some(cursor) = filter.after {
        let key = if filter.sort == CaseSort::Updated { "c.updated_at" } else { "c.created_at" };
        let t = b.push(Arg::from(Ts(cursor.key)));
        let i = b.push(Arg::from(cursor.id));
        clauses.push(format!("({key} < {t} OR ({key} = {t} AND c.id < {i}))"));
    }
    (clauses.join(" AND "), b.args)
}

/// `column IN (…)` over ids; never true for none.
fn ids_in(b: &mut Builder, column: &str, ids: &[uuid::Uuid]) -> String {
    if ids.is_empty() {
        return "1 = 0".into();
    }
    in_list(b, column, ids.iter().map(|id| Arg::from(*id)))
}

/// Whether the caller can be the rule's party at all: a rule nobody in his
/// place can take is left out of the query instead of evaluated on every row.
pub(crate) fn party_possible(rule: &TodoRule, who: &TodoScope) -> bool {
    match rule.party {
        Party::OwningDispatcher => !who.dispatcher_units.is_empty(),
        Party::LeadStaff => !who.departments.is_empty(),
        Party::LeadStaffOrHandler => !who.departments.is_empty() || who.user.is_some(),
        Party::Verifier => !who.grids.is_empty() || !who.dispatcher_units.is_empty(),
        Party::Reporter => true,
    }
}

/// A to-do rule as a condition on `c` (see `TodoRule::holds`, which it mirrors).
pub(crate) fn todo_rule(b: &mut Builder, rule: &TodoRule, who: &TodoScope) -> String {
    let owning = ids_in(b, "c.owner_unit_id", &who.dispatcher_units);
    let lead = ids_in(b, "c.lead_department_id", &who.departments);
    let party = match rule.party {
        Party::OwningDispatcher => owning,
        Party::LeadStaff => lead,
        Party::LeadStaffOrHandler => match who.user {
            Some(user) => format!("({lead} OR c.handler_user_id = {})", b.push(Arg::from(user))),
            None => lead,
        },
        Party::Verifier => {
            let grids = ids_in(b, "c.grid_id", &who.grids);
            let me = b.push(Arg::from(who.actor));
            format!("({grids} OR {owning}) AND (c.resolved_by IS NULL OR c.resolved_by <> {me})")
        }
        Party::Reporter => {
            let column = if who.is_api_key { "c.reporter_api_key_id" } else { "c.reporter_user_id" };
            format!("{column} = {}", b.push(Arg::from(who.actor)))
        }
    };
    let statuses = statuses_in(rule.statuses);
    let mut clauses = vec![statuses, format!("({party})")];
    match rule.suspended {
        Some(true) => clauses.push("c.suspended_at IS NOT NULL".into()),
        Some(false) => clauses.push("c.suspended_at IS NULL".into()),
        None => {}
    }
    let pending = "SELECT 1 FROM case_extension_requests r WHERE r.case_id = c.id AND r.state = 'pending'";
    match (rule.pending, who.user) {
        (Some(Pending::No), _) => clauses.push(format!("NOT EXISTS ({pending})")),
        (Some(Pending::NotMine), Some(user)) => {
            let me = b.push(Arg::from(user));
            clauses.push(format!("EXISTS ({pending} AND (r.requested_by IS NULL OR r.requested_by <> {me}))"));
        }
        (Some(Pending::NotMine), None) => clauses.push(format!("EXISTS ({pending})")),
        (None, _) => {}
    }
    format!("({})", clauses.join(" AND "))
}

/// The to-dos: cases any rule holds for, soonest due first, after a cursor.
pub(crate) fn todo_where(rules: &[TodoRule], who: &TodoScope, after: Option<ListCursor>) -> (String, Vec<Arg>) {
    let mut b = Builder::new();
    let any: Vec<String> = rules.iter().filter(|r| party_possible(r, who)).map(|r| todo_rule(&mut b, r, who)).collect();
    let mut clauses = vec![format!("({})", any.join(" OR "))];
    if let Some(cursor) = after {
        clauses.push(due_after(&mut b, cursor));
    }
    (clauses.join(" AND "), b.args)
}
