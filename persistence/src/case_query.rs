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

    pub(crate) fn push(&mut self, arg: Arg) -> String {
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
        any.push(format!("c.lead_department_id IN ({})", ps.join(", ")));
        // Earlier and assisting departments are read off the row itself
        // (`departments`, see `departments_of`), not probed per case.
        for id in &scope.department_ids {
            any.push(format!("c.departments LIKE {}", b.push(Arg::from(format!("%{}%", id.simple())))));
        }
    }
    any.extend(own_parts(b, scope));
    if any.is_empty() {
        "1 = 0".into()
    } else {
        format!("({})", any.iter().map(|a| format!("({a})")).collect::<Vec<_>>().join(" OR "))
    }
}

/// The caller's own cases, one condition per column an index leads with:
/// those he reported or handles, or those his API key filed.
fn own_parts(b: &mut Builder, scope: &CaseScope) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(user) = scope.user_id {
        let me = b.push(Arg::from(user));
        parts.push(format!("c.reporter_user_id = {me}"));
        parts.push(format!("c.handler_user_id = {me}"));
    }
    if let Some(key) = scope.api_key_id {
        parts.push(format!("c.reporter_api_key_id = {}", b.push(Arg::from(key))));
    }
    parts
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
fn text_clause<DB: Dialect>(b: &mut Builder, q: &TextQuery, among: Among) -> String {
    let mut words = Vec::new();
    match among {
        Among::All => {
            let terms = b.push(Arg::from(q.terms.join(" ")));
            words.push(DB::has_terms(&terms));
        }
        // Found, as by the index, only once indexed (a server indexes the
        // cases written before the index existed when it starts).
        Among::Recent { lowest_key: None } => words.push("c.search_terms IS NOT NULL".into()),
        // The index's matches among the keys the windows can reach, tested
        // off the time order's own index before a case's row is read.
        Among::Recent { lowest_key: Some(lowest) } => {
            let terms = b.push(Arg::from(q.terms.join(" ")));
            let lowest = b.push(Arg::from(lowest));
            words.push(DB::has_terms_from(&terms, &lowest));
        }
    }
    for word in &q.words {
        let p = b.push(Arg::from(format!("%{word}%")));
        let cased = word.chars().any(|c| c.is_lowercase() || c.is_uppercase());
        let held: Vec<String> =
            ["c.description", "c.address", "c.number"].iter().map(|c| DB::holds(c, &p, cased)).collect();
        words.push(format!("({})", held.join(" OR ")));
    }
    let text = format!("({})", words.join(" AND "));
    if q.category_codes.is_empty() {
        return text;
    }
    let codes = in_list(b, "c.category_code", q.category_codes.iter().map(Arg::from));
    format!("({text} OR {codes})")
}

/// Which cases a condition is tested on, which decides how a search is
/// written: over all of them, the bigram index narrows; over a few hundred
/// rows already read (see `worth_a_recent_window`), the words decide among
/// the cases indexed, as they do in the end anyway, since a word's bigrams
/// are in the index of any text the word is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Among {
    All,
    /// `lowest_key`: the lowest `search_key` among the cases the windows can
    /// reach, where the backend's search index can be read from there on
    /// (`Dialect::SEARCH_KEYS_BY_TIME`).
    Recent {
        lowest_key: Option<i64>,
    },
}

/// The filters that name one id of a column, as conditions.
fn equalities(b: &mut Builder, filter: &CaseFilter) -> Vec<String> {
    let equal: [(&str, Option<uuid::Uuid>); 5] = [
        ("c.grid_id", filter.grid_id),
        ("c.lead_department_id", filter.lead_department_id),
        ("c.handler_user_id", filter.handler_user_id),
        ("c.reporter_user_id", filter.reporter_user_id),
        ("c.reporter_api_key_id", filter.reporter_api_key_id),
    ];
    equal
        .into_iter()
        .filter_map(|(column, value)| value.map(|id| format!("{column} = {}", b.push(Arg::from(id)))))
        .collect()
}

pub(crate) fn list_where<DB: Dialect>(
    scope: &CaseScope,
    filter: &CaseFilter,
    now: DateTime<Utc>,
) -> (String, Vec<Arg>) {
    list_where_among::<DB>(scope, filter, now, Among::All)
}

pub(crate) fn list_where_among<DB: Dialect>(
    scope: &CaseScope,
    filter: &CaseFilter,
    now: DateTime<Utc>,
    among: Among,
) -> (String, Vec<Arg>) {
    let mut b = Builder::new();
    let scope = scope.for_statuses(&filter.statuses);
    let view = visibility(&mut b, &scope);
    // Both backends test the terms in the order written (PostgreSQL where
    // their costs tie). A view, tested on the row's own columns, is cheaper
    // than a search's three LIKEs and keeps a walk from testing them on the
    // cases of others; SQLite's search terms are tested off the time order's
    // index, before any row is read.
    let view_first = filter.text.is_some() && DB::SEARCH_KEYS_BY_TIME.is_none();
    let mut clauses = if view_first { vec![view.clone()] } else { Vec::new() };
    clauses.extend(filter_clauses::<DB>(&mut b, filter, now, among));
    // Otherwise last: the filters narrow on indexed columns first.
    if !view_first {
        clauses.push(view);
    }
    (clauses.join(" AND "), b.args)
}

/// The most branches a view is split into (see `view_branches`).
const MAX_VIEW_BRANCHES: usize = 8;

/// A list's condition once per branch of the caller's view, where each
/// branch is a column that an index leads with the status and then the time
/// order: a grid worker's grids, the cases he reported, those he handles.
/// The newest page of each, merged, is the newest page of his view, read
/// from a few rows where the whole view would gather every case of the
/// status and sort them. `None` for any other view, filter or order.
pub(crate) fn view_branches<DB: Dialect>(
    scope: &CaseScope,
    filter: &CaseFilter,
    now: DateTime<Utc>,
) -> Option<(Vec<String>, Vec<Arg>)> {
    let scope = scope.for_statuses(&filter.statuses);
    let shaped = !scope.all
        && scope.unit_paths.is_empty()
        && scope.department_ids.is_empty()
        && scope.api_key_id.is_none()
        && scope.user_id.is_some()
        && scope.grid_ids.len() + 2 <= MAX_VIEW_BRANCHES;
    if !shaped
        || filter.statuses.len() != 1
        || filter.sort != CaseSort::Created
        || filter.text.is_some()
        || filter.nothing
    {
        return None;
    }
    let mut b = Builder::new();
    let common = filter_clauses::<DB>(&mut b, filter, now, Among::All);
    let mut branches: Vec<String> =
        scope.grid_ids.iter().map(|g| format!("c.grid_id = {}", b.push(Arg::from(*g)))).collect();
    branches.extend(own_parts(&mut b, &scope));
    let wheres = branches
        .into_iter()
        .map(|branch| common.iter().cloned().chain([branch]).collect::<Vec<_>>().join(" AND "))
        .collect();
    Some((wheres, b.args))
}

/// The caller's view as one condition per index when, for the filter's
/// statuses, it holds only his own cases (department staff's reported
/// cases: those he reported or handles), each with the statuses: counted
/// from their indexes, they tell a view that few cases are in.
pub(crate) fn own_view_parts(scope: &CaseScope, filter: &CaseFilter) -> Option<(Vec<String>, Vec<Arg>)> {
    let scope = scope.for_statuses(&filter.statuses);
    let own = !scope.all && scope.grid_ids.is_empty() && scope.unit_paths.is_empty() && scope.department_ids.is_empty();
    if !own || filter.statuses.is_empty() {
        return None;
    }
    let statuses = statuses_in(&filter.statuses);
    let mut b = Builder::new();
    let parts = own_parts(&mut b, &scope).into_iter().map(|part| format!("{statuses} AND {part}")).collect();
    Some((parts, b.args))
}

/// A list's conditions but the caller's view.
fn filter_clauses<DB: Dialect>(b: &mut Builder, filter: &CaseFilter, now: DateTime<Utc>, among: Among) -> Vec<String> {
    let mut clauses = Vec::new();
    if filter.nothing {
        clauses.push("1 = 0".into());
    }
    if !filter.numbers.is_empty() {
        clauses.push(in_list(b, "c.number", filter.numbers.iter().map(Arg::from)));
    }
    if !filter.statuses.is_empty() {
        clauses.push(statuses_in(&filter.statuses));
    }
    if !filter.category_codes.is_empty() {
        clauses.push(in_list(b, "c.category_code", filter.category_codes.iter().map(Arg::from)));
    }
    if let Some(priority) = filter.priority {
        clauses.push(format!("c.priority = {}", b.push(Arg::from(priority.as_str()))));
    }
    if let Some(path) = &filter.unit_path {
        clauses.push(format!("c.grid_path LIKE {}", b.push(Arg::from(format!("{path}%")))));
    }
    clauses.extend(equalities(b, filter));
    if let Some(tls) = filter.time_limit_status {
        clauses.push(clock_clause(b, tls, now));
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
        clauses.push(text_clause::<DB>(b, q, among));
    }
    if let Some(after) = after_clause(b, filter) {
        clauses.push(after);
    }
    clauses
}

/// The rows after the filter's cursor in its sort order.
pub(crate) fn after_clause(b: &mut Builder, filter: &CaseFilter) -> Option<String> {
    let cursor = filter.after?;
    Some(match filter.sort {
        CaseSort::Due => due_after(b, cursor),
        CaseSort::Created | CaseSort::Updated => {
            let key = if filter.sort == CaseSort::Updated { "c.updated_at" } else { "c.created_at" };
            // A row comparison, which both backends start an index range
            // at: written as `<` OR `=` AND `<`, PostgreSQL walks the order
            // from its newest case to the cursor on every page.
            let t = b.push(Arg::from(Ts(cursor.key)));
            let i = b.push(Arg::from(cursor.id));
            format!("({key}, c.id) < ({t}, {i})")
        }
    })
}

/// A time order's column and the index that walks it (newest first).
pub(crate) fn time_order(sort: CaseSort) -> Option<(&'static str, &'static str)> {
    match sort {
        CaseSort::Created => Some(("c.created_at", "cases_listing")),
        CaseSort::Updated => Some(("c.updated_at", "cases_updated")),
        CaseSort::Due => None,
    }
}

/// The cases of a newest-first order after `from` (none: from the newest)
/// down to `to` itself (none: to the oldest), as row comparisons that both
/// backends read as a range of the order's index.
pub(crate) fn window_range(b: &mut Builder, key: &str, from: Option<ListCursor>, to: Option<ListCursor>) -> String {
    let mut range = Vec::new();
    if let Some(from) = from {
        let (t, i) = (b.push(Arg::from(Ts(from.key))), b.push(Arg::from(from.id)));
        range.push(format!("({key}, c.id) < ({t}, {i})"));
    }
    if let Some(to) = to {
        let (t, i) = (b.push(Arg::from(Ts(to.key))), b.push(Arg::from(to.id)));
        range.push(format!("({key}, c.id) >= ({t}, {i})"));
    }
    if range.is_empty() {
        "1 = 1".into()
    } else {
        range.join(" AND ")
    }
}

/// Whether a list page is first looked for among the newest cases alone: a
/// filter that keeps a fair share of cases fills its page from them, where
/// a plan led by the filter's own index would gather every match and sort
/// it. Only for time orders, for a search always (its index has no time
/// order), and for other filters where the planner cannot tell a broad
/// column from a narrow one (`Dialect::SORTS_BROAD_MATCHES`).
pub(crate) fn worth_a_recent_window<DB: Dialect>(scope: &CaseScope, filter: &CaseFilter) -> bool {
    let narrowed = !scope.all
        || !filter.numbers.is_empty()
        || !filter.statuses.is_empty()
        || !filter.category_codes.is_empty()
        || filter.priority.is_some()
        || filter.unit_path.is_some()
        || filter.grid_id.is_some()
        || filter.lead_department_id.is_some()
        || filter.handler_user_id.is_some()
        || filter.reporter_user_id.is_some()
        || filter.reporter_api_key_id.is_some()
        || filter.suspended.is_some();
    let wanted = filter.text.is_some() || (DB::SORTS_BROAD_MATCHES && narrowed);
    matches!(filter.sort, CaseSort::Created | CaseSort::Updated) && wanted && !filter.nothing
}

/// `column IN (…)` over ids; never true for none.
fn ids_in(b: &mut Builder, column: &str, ids: &[uuid::Uuid]) -> String {
    if ids.is_empty() {
        return "1 = 0".into();
    }
    in_list(b, column, ids.iter().map(|id| Arg::from(*id)))
}

/// Each filter that an index answers alone, as its own condition: on a
/// backend whose planner cannot tell a rare value from a common one, a
/// filter that few cases meet at all (a handler's, the suspended ones) is
/// answered by its own plan at once instead of looking among the newest
/// cases in vain.
pub(crate) fn indexed_filters(filter: &CaseFilter) -> (Vec<String>, Vec<Arg>) {
    let mut b = Builder::new();
    let mut out = Vec::new();
    out.extend(equalities(&mut b, filter));
    if !filter.numbers.is_empty() {
        out.push(in_list(&mut b, "c.number", filter.numbers.iter().map(Arg::from)));
    }
    if filter.suspended == Some(true) {
        out.push("c.suspended_at IS NOT NULL".into());
    }
    if !filter.statuses.is_empty() {
        out.push(statuses_in(&filter.statuses));
    }
    if !filter.category_codes.is_empty() {
        out.push(in_list(&mut b, "c.category_code", filter.category_codes.iter().map(Arg::from)));
    }
    (out, b.args)
}

/// `column NOT IN (…)` over ids, true where the column is null: `ids_in`'s complement.
fn ids_not_in(b: &mut Builder, column: &str, ids: &[uuid::Uuid]) -> String {
    if ids.is_empty() {
        return "1 = 1".into();
    }
    let list = in_list(b, column, ids.iter().map(|id| Arg::from(*id)));
    format!("({column} IS NULL OR NOT ({list}))")
}

/// Who may take a rule's step, as disjoint conditions whose union is the
/// party: counted one by one, each is read off one index alone, where their
/// OR would send the database to every case of both. None when nobody in
/// the caller's place can be the party: the rule is then left out of every
/// query instead of evaluated on every row.
fn party_parts(b: &mut Builder, rule: &TodoRule, who: &TodoScope) -> Vec<String> {
    let ids = |b: &mut Builder, column: &str, ids: &[uuid::Uuid]| {
        if ids.is_empty() {
            Vec::new()
        } else {
            vec![ids_in(b, column, ids)]
        }
    };
    match rule.party {
        Party::OwningDispatcher => ids(b, "c.owner_unit_id", &who.dispatcher_units),
        Party::LeadStaff => ids(b, "c.lead_department_id", &who.departments),
        Party::LeadStaffOrHandler => {
            let mut parts = Vec::new();
            if !who.departments.is_empty() {
                parts.push(ids_in(b, "c.lead_department_id", &who.departments));
            }
            if let Some(user) = who.user {
                let me = b.push(Arg::from(user));
                let not_lead = ids_not_in(b, "c.lead_department_id", &who.departments);
                parts.push(format!("c.handler_user_id = {me} AND {not_lead}"));
            }
            parts
        }
        Party::Verifier if who.grids.is_empty() && who.dispatcher_units.is_empty() => Vec::new(),
        Party::Verifier => {
            let me = b.push(Arg::from(who.actor));
            let not_resolver = format!("(c.resolved_by IS NULL OR c.resolved_by <> {me})");
            let mut parts = Vec::new();
            if !who.grids.is_empty() {
                parts.push(format!("{} AND {not_resolver}", ids_in(b, "c.grid_id", &who.grids)));
            }
            if !who.dispatcher_units.is_empty() {
                let owning = ids_in(b, "c.owner_unit_id", &who.dispatcher_units);
                let other_grid = ids_not_in(b, "c.grid_id", &who.grids);
                parts.push(format!("{owning} AND {other_grid} AND {not_resolver}"));
            }
            parts
        }
        Party::Reporter => {
            let column = if who.is_api_key { "c.reporter_api_key_id" } else { "c.reporter_user_id" };
            vec![format!("{column} = {}", b.push(Arg::from(who.actor)))]
        }
    }
}

/// The cases with a pending extension request: few at any time, so a case is
/// looked up from them (`c.id IN`), never they from each case of a rule.
const PENDING: &str = "SELECT r.case_id FROM case_extension_requests r WHERE r.state = 'pending'";

/// A rule's conditions but its party and a pending request it forbids.
fn rule_terms(b: &mut Builder, rule: &TodoRule, who: &TodoScope) -> Vec<String> {
    let mut clauses = vec![statuses_in(rule.statuses)];
    match rule.suspended {
        Some(true) => clauses.push("c.suspended_at IS NOT NULL".into()),
        Some(false) => clauses.push("c.suspended_at IS NULL".into()),
        None => {}
    }
    match (rule.pending, who.user) {
        (Some(Pending::NotMine), Some(user)) => {
            let me = b.push(Arg::from(user));
            clauses.push(format!("c.id IN ({PENDING} AND (r.requested_by IS NULL OR r.requested_by <> {me}))"));
        }
        (Some(Pending::NotMine), None) => clauses.push(format!("c.id IN ({PENDING})")),
        (Some(Pending::No), _) | (None, _) => {}
    }
    clauses
}

/// A to-do rule as a condition on `c` (see `TodoRule::holds`, which it
/// mirrors); `None` when the caller cannot be its party.
fn todo_rule(b: &mut Builder, rule: &TodoRule, who: &TodoScope) -> Option<String> {
    let parts = party_parts(b, rule, who);
    if parts.is_empty() {
        return None;
    }
    let mut clauses = rule_terms(b, rule, who);
    clauses.push(format!("(({}))", parts.join(") OR (")));
    if rule.pending == Some(Pending::No) {
        clauses.push(format!("c.id NOT IN ({PENDING})"));
    }
    Some(format!("({})", clauses.join(" AND ")))
}

/// A rule's count as signed parts, each a condition whose cases add or take
/// away one: a party's disjoint parts, and for a rule a pending request
/// forbids, minus the (few) cases of each part that have one. So every part
/// is counted from an index without reading the cases themselves.
pub(crate) fn todo_count_parts(b: &mut Builder, rule: &TodoRule, who: &TodoScope) -> Vec<(i64, String)> {
    let parts = party_parts(b, rule, who);
    if parts.is_empty() {
        return Vec::new();
    }
    let terms = rule_terms(b, rule, who).join(" AND ");
    let mut out = Vec::new();
    for part in parts {
        out.push((1, format!("{terms} AND {part}")));
        if rule.pending == Some(Pending::No) {
            out.push((-1, format!("{terms} AND {part} AND c.id IN ({PENDING})")));
        }
    }
    out
}

/// The to-dos: cases any rule holds for, soonest due first, after a cursor.
pub(crate) fn todo_where(rules: &[TodoRule], who: &TodoScope, after: Option<ListCursor>) -> (String, Vec<Arg>) {
    let mut b = Builder::new();
    let any: Vec<String> = rules.iter().filter_map(|r| todo_rule(&mut b, r, who)).collect();
    let any = if any.is_empty() { "1 = 0".to_string() } else { any.join(" OR ") };
    let mut clauses = vec![format!("({any})")];
    if let Some(cursor) = after {
        clauses.push(due_after(&mut b, cursor));
    }
    (clauses.join(" AND "), b.args)
}

/// The to-dos as a union of each rule's cases (`id` only), and the cursor's
/// condition to apply to them: for callers with few to-dos, where every rule
/// is answered by its own index.
pub(crate) fn todo_union(rules: &[TodoRule], who: &TodoScope, after: Option<ListCursor>) -> (String, String, Vec<Arg>) {
    let mut b = Builder::new();
    let selects: Vec<String> = rules
        .iter()
        .flat_map(|r| {
            let parts = party_parts(&mut b, r, who);
            if parts.is_empty() {
                return Vec::new();
            }
            let terms = rule_terms(&mut b, r, who).join(" AND ");
            let pending =
                if r.pending == Some(Pending::No) { format!(" AND c.id NOT IN ({PENDING})") } else { String::new() };
            parts
                .into_iter()
                .map(|part| format!("SELECT c.id FROM cases c WHERE {terms} AND {part}{pending}"))
                .collect::<Vec<_>>()
        })
        .collect();
    let union =
        if selects.is_empty() { "SELECT c.id FROM cases c WHERE 1 = 0".to_string() } else { selects.join(" UNION ") };
    let after = after.map_or_else(|| "1 = 1".to_string(), |cursor| due_after(&mut b, cursor));
    (union, after, b.args)
}
