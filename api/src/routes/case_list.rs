//! Finding cases: every filter a dispatcher's queue or a worker's map needs,
//! combined, within what the caller may see; three orders; keyset pages that
//! stay stable while others report.

use actix_web::{get, web};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use gridline_domain::{
    cases::{Case, CaseScope, CaseStatus, Stage, TextQuery},
    crs::Crs,
    geo::{BBox, Position},
    identity::{Actor, Principal},
    ports::{CaseFilter, CaseSort, ListCursor},
};
use gridline_openapi::{
    cases::{self as wire, CaseListQuery, CasePage},
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{auth::Auth, case_views, error::ApiError, extract::ValidQuery, state::AppState};

/// A list's sort key of a case, as the store orders by it.
pub(crate) fn key_of(case: &Case, sort: CaseSort) -> DateTime<Utc> {
    match sort {
        CaseSort::Created => case.created_at,
        CaseSort::Updated => case.updated_at,
        CaseSort::Due => match case.due_at {
            Some(due) if !case.status.is_final() => due,
            // The far-off moment the store sorts clockless cases by.
            _ => DateTime::parse_from_rfc3339("9999-12-31T00:00:00Z").map_or(case.created_at, |t| t.to_utc()),
        },
    }
}

pub(crate) fn cursor_of(case: &Case, sort: CaseSort) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", sort.as_str(), key_of(case, sort).to_rfc3339(), case.id))
}

pub(crate) fn parse_cursor(cursor: &str, sort: CaseSort) -> Option<ListCursor> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let mut parts = raw.splitn(3, '|');
    let (made_for, key, id) = (parts.next()?, parts.next()?, parts.next()?);
    (made_for == sort.as_str()).then_some(())?;
    Some(ListCursor { key: DateTime::parse_from_rfc3339(key).ok()?.with_timezone(&Utc), id: Uuid::parse_str(id).ok()? })
}

fn statuses(raw: &str) -> Option<Vec<CaseStatus>> {
    raw.split(',').map(|s| CaseStatus::parse(s.trim())).collect()
}

/// The statuses of a stage.
fn of_stage(stage: Stage) -> Vec<CaseStatus> {
    CaseStatus::ALL.into_iter().filter(|s| Stage::of(*s) == stage).collect()
}

fn bbox(raw: &str) -> Option<(f64, f64, f64, f64)> {
    let v: Vec<f64> =
        raw.split(',').map(|x| x.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect::<Option<_>>()?;
    let [min_lon, min_lat, max_lon, max_lat] = v.try_into().ok()?;
    let ok = (-180.0..=180.0).contains(&min_lon)
        && (-180.0..=180.0).contains(&max_lon)
        && (-90.0..=90.0).contains(&min_lat)
        && (-90.0..=90.0).contains(&max_lat)
        && min_lon <= max_lon
        && min_lat <= max_lat;
    ok.then_some((min_lon, min_lat, max_lon, max_lat))
}

/// A box given in `crs`, as the WGS-84 box around its corners.
fn wgs84_box((min_lon, min_lat, max_lon, max_lat): BBox, crs: Crs) -> BBox {
    let corners = [(min_lon, min_lat), (min_lon, max_lat), (max_lon, min_lat), (max_lon, max_lat)]
        .map(|(lon, lat)| crs.to_wgs84(Position { lon, lat }));
    let lons = corners.map(|p| p.lon);
    let lats = corners.map(|p| p.lat);
    let min = |v: [f64; 4]| v.into_iter().fold(f64::INFINITY, f64::min);
    let max = |v: [f64; 4]| v.into_iter().fold(f64::NEG_INFINITY, f64::max);
    (min(lons), min(lats), max(lons), max(lats))
}

/// The filter a query asks for, or every parameter at fault.
pub(crate) async fn filter_of(state: &AppState, p: &Principal, q: &CaseListQuery) -> Result<CaseFilter, ApiError> {
    let mut errors = Vec::new();
    let mut bad = |name: &str, detail: &str| errors.push(FieldError::parameter(name, detail));
    let mut filter = CaseFilter {
        sort: q.sort.map_or(CaseSort::Created, |s| match s {
            wire::CaseSort::Created => CaseSort::Created,
            wire::CaseSort::Updated => CaseSort::Updated,
            wire::CaseSort::Due => CaseSort::Due,
        }),
        priority: q.priority.map(Into::into),
        grid_id: q.grid_id,
        lead_department_id: q.lead_department_id,
        time_limit_status: q.time_limit_status.map(Into::into),
        suspended: q.suspended,
        created_after: q.created_after,
        created_before: q.created_before,
        updated_after: q.updated_after,
        limit: q.limit.unwrap_or(50),
        ..CaseFilter::default()
    };
    if !(1..=200).contains(&filter.limit) {
        bad("limit", "must be between 1 and 200");
    }
    if let Some(raw) = &q.status {
        match statuses(raw) {
            Some(wanted) => filter.statuses = wanted,
            None => bad("status", "must be statuses separated by commas (reported, accepted, …)"),
        }
    }
    if let Some(stage) = q.stage {
        let within = of_stage(stage.into());
        if filter.statuses.is_empty() {
            filter.statuses = within;
        } else {
            filter.statuses.retain(|s| within.contains(s));
            filter.nothing |= filter.statuses.is_empty();
        }
    }
    if let Some(code) = &q.category_code {
        let codes = state.category_family(code);
        if codes.is_empty() {
            bad("category_code", "is not a category");
        }
        filter.category_codes = codes;
    }
    if let Some(id) = q.unit_id {
        match state.unit(id).await? {
            Some(unit) => filter.unit_path = Some(unit.path),
            None => bad("unit_id", "is not an org unit"),
        }
    }
    if q.handler.is_some() {
        match &p.actor {
            Actor::User { id, .. } => filter.handler_user_id = Some(*id),
            Actor::ApiKey { .. } => filter.nothing = true,
        }
    }
    if q.reporter.is_some() {
        match &p.actor {
            Actor::User { id, .. } => filter.reporter_user_id = Some(*id),
            Actor::ApiKey { id, .. } => filter.reporter_api_key_id = Some(*id),
        }
    }
    if let Some(raw) = &q.bbox {
        match bbox(raw) {
            Some(b) => filter.bbox = Some(wgs84_box(b, q.crs.map_or(Crs::Wgs84, Into::into))),
            None => bad("bbox", "must be minLon,minLat,maxLon,maxLat in degrees, each minimum at most its maximum"),
        }
    }
    if let Some(raw) = &q.cursor {
        match parse_cursor(raw, filter.sort) {
            Some(c) => filter.after = Some(c),
            None => bad("cursor", "is not a cursor this server gave for this sort"),
        }
    }
    if let Some(raw) = &q.q {
        match TextQuery::parse(raw) {
            Ok(mut text) => {
                text.category_codes = state
                    .categories()
                    .into_iter()
                    .filter(|c| text.names_match(&[&c.name_zh, &c.name_en]))
                    .map(|c| c.code)
                    .collect();
                filter.text = Some(text);
            }
            Err(_) => return Err(ApiError::QueryTooShort),
        }
    }
    if errors.is_empty() {
        Ok(filter)
    } else {
        Err(ApiError::InvalidQuery(errors))
    }
}

/// List and search cases
///
/// The cases the caller sees (his grids, his unit's territory, his department's cases), a page at a time,
/// narrowed by every filter given: several statuses (comma-separated), a category (a 大类 with its 小类),
/// priority, an org unit's subtree, a grid, the lead department, `handler=me`, `reporter=me`, the running
/// clock's state, the stage, suspension, reported and changed times, a map box, and `q`, text in Chinese or
/// English (two characters find a longer phrase). `sort` is `created` (newest first, the default),
/// `updated` or `due` (soonest first). Pass `next_cursor` as `cursor` with the same filters for the next
/// page; cases reported meanwhile neither repeat nor push others off.
#[utoipa::path(
    operation_id = "list_cases",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "A page of cases", body = CasePage),
        (status = 400, description = "A bad filter or cursor; `query_too_short` for a word of `q` with one character", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases")]
pub(crate) async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<CaseListQuery>,
) -> Result<web::Json<CasePage>, ApiError> {
    let query = query.parse()?;
    let filter = filter_of(&state, &auth.0, &query).await?;
    let at = state.now();
    let found = state.store.cases(&CaseScope::of(&auth.0), &filter, at).await?;
    let next_cursor =
        (found.len() == filter.limit as usize).then(|| found.last().map(|c| cursor_of(c, filter.sort))).flatten();
    let names = state.reference();
    let crs = query.crs.map_or(Crs::Wgs84, Into::into);
    let items = found.iter().map(|c| case_views::case(c, &auth.0, at, &names, crs)).collect();
    Ok(web::Json(CasePage { items, next_cursor }))
}
