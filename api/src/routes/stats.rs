//! The figures leaders are judged by (考核指标), over the cases reported in a
//! period within a unit's subtree, grouped as asked.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web};
use chrono::{Datelike, Duration, NaiveDate};
use gridline_domain::{
    cases::{Case, CaseEvent},
    org::OrgKind,
    policy,
    ports::UnitFilter,
    stats::{handling_hours, CaseFacts, Figures},
};
use gridline_openapi::{
    stats::{FiguresView, GroupBy, GroupView, StatsQuery, StatsView},
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{auth::Auth, error::ApiError, extract::ValidQuery, state::AppState};

/// The longest period one request counts.
const MAX_DAYS: i64 = 366;

/// Get the figures of an area
///
/// Counts and rates (结案率, 按期结案率, 返工率, 立案及时率, handling hours) over the cases reported from `from` to
/// `to` (dates in the calendar's time zone, `to` included; default the last 30 days) within `unit_id`'s
/// subtree, in total and per group. Every figure is computed from the timeline, so a lateness stays counted
/// whatever happened later. Admins read every area; leaders and dispatchers their own.
#[utoipa::path(
    operation_id = "get_stats",
    tag = "figures",
    security(("bearer" = []), ("api_key" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures", body = StatsView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader, dispatcher or admin of that area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats")]
pub(crate) async fn stats(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<StatsQuery>,
) -> Result<web::Json<StatsView>, ApiError> {
    let query = query.parse()?;
    let p = &auth.0;
    let now = state.now();
    let calendar = state.calendar();
    let to = query.to.unwrap_or_else(|| calendar.local_date(now));
    let from = query.from.unwrap_or(to - Duration::days(29));
    if from > to || (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::InvalidQuery(vec![FieldError::parameter(
            "from",
            format!("must be on or before `to`, and at most {MAX_DAYS} days before it"),
        )]));
    }
    let unit_id = match query.unit_id {
        Some(id) => id,
        None => home_unit(&state, p).await?.ok_or_else(|| ApiError::Forbidden("you read no area's figures".into()))?,
    };
    let unit = state.unit(unit_id).await?.ok_or(ApiError::NotFound)?;
    if !policy::reads_figures(p, &unit.path) {
        return Err(ApiError::Forbidden("you may not read this area's figures".into()));
    }
    let cases = state
        .store
        .reported_between(&unit.path, calendar.start_of(from), calendar.start_of(to + Duration::days(1)))
        .await?;
    let figures = |members: &[&(Case, Vec<CaseEvent>)]| {
        let facts: Vec<CaseFacts> = members.iter().map(|(c, e)| CaseFacts::of(c, e, now)).collect();
        let hours = members.iter().filter_map(|(c, e)| handling_hours(c, e, &calendar)).collect();
        FiguresView::from(&Figures::of(&facts, hours))
    };
    let all: Vec<&(Case, Vec<CaseEvent>)> = cases.iter().collect();
    let totals = figures(&all);
    let mut groups = Vec::new();
    if let Some(by) = query.group_by {
        let mut members: BTreeMap<Option<String>, Vec<&(Case, Vec<CaseEvent>)>> = BTreeMap::new();
        for entry in &cases {
            members.entry(key_of(by, &entry.0, &calendar)).or_default().push(entry);
        }
        let labels = labels(&state, by, members.keys()).await?;
        for (key, cases) in &members {
            let label = labels.get(key).cloned().unwrap_or_else(|| key.clone().unwrap_or_else(|| none_label(by)));
            groups.push(GroupView { key: key.clone(), label, figures: figures(cases) });
        }
    }
    Ok(web::Json(StatsView { unit_id, from, to, group_by: query.group_by, totals, groups }))
}

/// The area a caller's figures default to: an admin's is the district.
async fn home_unit(state: &AppState, p: &gridline_domain::identity::Principal) -> Result<Option<Uuid>, ApiError> {
    if let Some(id) = policy::figures_home(p) {
        return Ok(Some(id));
    }
    if !p.is_admin() {
        return Ok(None);
    }
    let districts = state.store.units(&UnitFilter { kind: Some(OrgKind::District), parent_id: None }).await?;
    Ok(districts.first().map(|d| d.id))
}

/// The unit at `depth` on a grid's path: 1 the street, 2 the community, 3 the grid.
fn ancestor(case: &Case, depth: usize) -> Option<String> {
    case.grid_path.split('/').filter(|s| !s.is_empty()).nth(depth).map(str::to_owned)
}

fn key_of(by: GroupBy, case: &Case, calendar: &gridline_domain::calendar::WorkCalendar) -> Option<String> {
    let day = calendar.local_date(case.created_at);
    match by {
        GroupBy::Grid => Some(case.grid_id.to_string()),
        GroupBy::Community => ancestor(case, 2),
        GroupBy::Street => ancestor(case, 1),
        GroupBy::Department => case.lead_department_id.map(|d| d.to_string()),
        GroupBy::Category => Some(case.category_code.clone()),
        GroupBy::GridWorker => case.reporter_user_id.filter(|_| case.reported_by_grid_worker).map(|u| u.to_string()),
        GroupBy::Day => Some(day.to_string()),
        GroupBy::Week => Some(week_of(day)),
    }
}

fn week_of(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

fn none_label(by: GroupBy) -> String {
    match by {
        GroupBy::Department => "未派遣 not dispatched".into(),
        GroupBy::GridWorker => "非网格员上报 not reported by a grid worker".into(),
        _ => "—".into(),
    }
}

/// The names groups are shown by: units, departments, categories, workers.
async fn labels(
    state: &AppState,
    by: GroupBy,
    keys: impl Iterator<Item = &Option<String>>,
) -> Result<HashMap<Option<String>, String>, ApiError> {
    let mut out = HashMap::new();
    for key in keys {
        let Some(k) = key else { continue };
        let id = Uuid::parse_str(k).ok();
        let label = match (by, id) {
            (GroupBy::Grid | GroupBy::Community | GroupBy::Street, Some(id)) => state.unit(id).await?.map(|u| u.name),
            (GroupBy::Department, Some(id)) => state.department(id).await?.map(|d| d.name),
            (GroupBy::GridWorker, Some(id)) => state.store.user(id).await?.map(|u| u.display_name),
            (GroupBy::Category, _) => state.category(k).await?.map(|c| format!("{} {}", c.name_zh, c.name_en)),
            _ => Some(k.clone()),
        };
        out.insert(key.clone(), label.unwrap_or_else(|| k.clone()));
    }
    Ok(out)
}
