//! The figures leaders are judged by (考核指标), over the cases reported in a
//! period within a unit's subtree, grouped as asked.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, put, web, HttpRequest};
use chrono::{Datelike, Duration, NaiveDate};
use gridline_domain::{
    identity::Principal,
    org::OrgKind,
    policy,
    policy::Action,
    ports::UnitFilter,
    stats::{handling_hours, CaseFacts, CaseTally, Figures},
};
use gridline_openapi::{
    stats::{
        FiguresView, GroupBy, GroupView, RankedGroup, RankingLevel, RankingQuery, RankingView, RankingWeights,
        StatsQuery, StatsView,
    },
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{ValidJson, ValidQuery},
    state::AppState,
};

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
    let counted = count(&state, &auth.0, query.unit_id, query.from, query.to, query.group_by).await?;
    Ok(web::Json(StatsView {
        unit_id: counted.unit_id,
        from: counted.from,
        to: counted.to,
        group_by: query.group_by,
        totals: counted.totals,
        groups: counted.groups,
    }))
}

/// The figures of an area over a period, in total and per group.
pub(crate) struct Counted {
    pub unit_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: FiguresView,
    pub groups: Vec<GroupView>,
}

/// Resolves the area and the period as `get_stats` documents them, checks
/// that `p` may read them, and counts.
pub(crate) async fn count(
    state: &AppState,
    p: &Principal,
    unit_id: Option<Uuid>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    group_by: Option<GroupBy>,
) -> Result<Counted, ApiError> {
    let now = state.now();
    let calendar = state.calendar();
    let to = to.unwrap_or_else(|| calendar.local_date(now));
    let from = from.unwrap_or(to - Duration::days(29));
    if from > to || (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::InvalidQuery(vec![FieldError::parameter(
            "from",
            format!("must be on or before `to`, and at most {MAX_DAYS} days before it"),
        )]));
    }
    let unit_id = match unit_id {
        Some(id) => id,
        None => home_unit(state, p).await?.ok_or_else(|| ApiError::Forbidden("you read no area's figures".into()))?,
    };
    let unit = state.unit(unit_id).await?.ok_or(ApiError::NotFound)?;
    if !policy::reads_figures(p, &unit.path) {
        return Err(ApiError::Forbidden("you may not read this area's figures".into()));
    }
    count_in(state, &unit, from, to, group_by).await
}

/// Counts the cases reported from `from` to `to` under `unit`, whoever asks.
pub(crate) async fn count_in(
    state: &AppState,
    unit: &gridline_domain::org::OrgUnit,
    from: NaiveDate,
    to: NaiveDate,
    group_by: Option<GroupBy>,
) -> Result<Counted, ApiError> {
    let now = state.now();
    let calendar = state.calendar();
    let unit_id = unit.id;
    let cases = state
        .store
        .reported_between(&unit.path, calendar.start_of(from), calendar.start_of(to + Duration::days(1)))
        .await?;
    let figures = |members: &[&CaseTally]| {
        let facts: Vec<CaseFacts> = members.iter().map(|c| CaseFacts::of(c, now)).collect();
        let hours = members.iter().filter_map(|c| handling_hours(c, &calendar)).collect();
        FiguresView::from(&Figures::of(&facts, hours))
    };
    let all: Vec<&CaseTally> = cases.iter().collect();
    let totals = figures(&all);
    let mut groups = Vec::new();
    if let Some(by) = group_by {
        let mut members: BTreeMap<Option<String>, Vec<&CaseTally>> = BTreeMap::new();
        for case in &cases {
            members.entry(key_of(by, case, &calendar)).or_default().push(case);
        }
        let labels = labels(state, by, members.keys()).await?;
        for (key, cases) in &members {
            let label = labels.get(key).cloned().unwrap_or_else(|| key.clone().unwrap_or_else(|| none_label(by)));
            groups.push(GroupView { key: key.clone(), label, figures: figures(cases) });
        }
    }
    Ok(Counted { unit_id, from, to, totals, groups })
}

/// The area a caller's figures default to: an admin's is the district.
pub(crate) async fn home_unit(state: &AppState, p: &Principal) -> Result<Option<Uuid>, ApiError> {
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
fn ancestor(case: &CaseTally, depth: usize) -> Option<String> {
    case.grid_path.split('/').filter(|s| !s.is_empty()).nth(depth).map(str::to_owned)
}

fn key_of(by: GroupBy, case: &CaseTally, calendar: &gridline_domain::calendar::WorkCalendar) -> Option<String> {
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

/// The name the ranking weights are stored under.
const RANKING_WEIGHTS: &str = "ranking_weights";

async fn weights(state: &AppState) -> Result<RankingWeights, ApiError> {
    let stored = state.store.setting(RANKING_WEIGHTS).await?;
    Ok(stored.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default())
}

/// Rank the units or departments of an area (考核排名)
///
/// The groups of `level` under `unit_id`, over the cases reported from `from` to `to` (as `get_stats`), ordered by
/// a score: the weighted sum of their rates out of 100, by the weights admins set with
/// `replace_ranking_weights`. Groups with nothing due to close have no score and come last.
#[utoipa::path(
    operation_id = "get_ranking",
    tag = "figures",
    security(("bearer" = []), ("api_key" = [])),
    params(RankingQuery),
    responses(
        (status = 200, description = "The ranking", body = RankingView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader, dispatcher or admin of that area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats/ranking")]
pub(crate) async fn ranking(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<RankingQuery>,
) -> Result<web::Json<RankingView>, ApiError> {
    let query = query.parse()?;
    let level = query.level.unwrap_or(RankingLevel::Grid);
    let counted = count(&state, &auth.0, query.unit_id, query.from, query.to, Some(level.into())).await?;
    let weights = weights(&state).await?;
    // Cases without a unit of the level (never dispatched, for departments) are no contestant.
    let mut scored: Vec<(Option<f64>, GroupView)> =
        counted.groups.into_iter().filter(|g| g.key.is_some()).map(|g| (weights.score(&g.figures), g)).collect();
    // Best first; unscored last; ties by key, so the order is stable.
    scored.sort_by(|(a, ga), (b, gb)| match (a, b) {
        (Some(a), Some(b)) => b.total_cmp(a).then_with(|| ga.key.cmp(&gb.key)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => ga.key.cmp(&gb.key),
    });
    let ranking = scored
        .into_iter()
        .enumerate()
        .map(|(i, (score, g))| RankedGroup {
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
            key: g.key,
            label: g.label,
            score,
            figures: g.figures,
        })
        .collect();
    Ok(web::Json(RankingView { unit_id: counted.unit_id, from: counted.from, to: counted.to, level, weights, ranking }))
}

/// Get the ranking weights
///
/// How much each rate weighs in `get_ranking`'s score.
#[utoipa::path(
    operation_id = "get_ranking_weights",
    tag = "figures",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The weights", body = RankingWeights),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats/ranking-weights")]
pub(crate) async fn get_ranking_weights(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<web::Json<RankingWeights>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    Ok(web::Json(weights(&state).await?))
}

/// Replace the ranking weights
///
/// Admins set how much each rate weighs in a ranking's score, each between −1 and 1; a negative weight counts
/// against (rework, say). At least one must not be zero.
#[utoipa::path(
    operation_id = "replace_ranking_weights",
    tag = "figures",
    security(("bearer" = []), ("api_key" = [])),
    request_body = RankingWeights,
    responses(
        (status = 200, description = "The weights as saved", body = RankingWeights),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/stats/ranking-weights")]
pub(crate) async fn replace_ranking_weights(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<RankingWeights>,
) -> Result<web::Json<RankingWeights>, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let w = body.parse()?;
    let all = [w.on_time_closure_rate, w.closure_rate, w.rework_rate, w.timely_acceptance_rate];
    if all.iter().all(|x| *x == 0.0) {
        return Err(ApiError::Validation(vec![FieldError::pointer("", "at least one weight must not be zero")]));
    }
    super::clocks::save(&state, &auth.0, &req, RANKING_WEIGHTS, &w).await?;
    Ok(web::Json(w))
}
