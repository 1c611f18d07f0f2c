//! The case service: what every case handler does around the workflow —
//! load a case through the caller's visibility, check refusals in their
//! order, write a step's outcome with the answer its idempotency key keeps,
//! and answer with the case's version as `ETag`.

use actix_web::{http::header, http::StatusCode, HttpRequest, HttpResponse};
use gridline_domain::{
    cases::{self, can_see, nearest_department, Case, Category, Command, Step, StepError},
    identity::Principal,
    ports::WriteRecord,
    time::now,
};
use uuid::Uuid;

use crate::{
    case_views,
    error::ApiError,
    idempotency::{Guard, StoredAnswer},
    state::AppState,
};

/// The case if the caller sees it; 404 otherwise (its existence does not leak).
pub(crate) async fn visible_case(state: &AppState, p: &Principal, id: Uuid) -> Result<Case, ApiError> {
    let case = state.store.case(id).await?.ok_or(ApiError::NotFound)?;
    if can_see(p, &case) {
        Ok(case)
    } else {
        Err(ApiError::NotFound)
    }
}

/// 404 and 403 first, then a stale `If-Match` (412), then the state (409).
pub(crate) fn precheck(req: &HttpRequest, p: &Principal, case: &Case, step: Step) -> Result<(), ApiError> {
    let checked = cases::check(p, case, step);
    if let Err(e @ (StepError::NotVisible | StepError::Forbidden(_))) = &checked {
        return Err(e.clone().into());
    }
    if_match(req, case)?;
    checked.map(|_| ()).map_err(Into::into)
}

/// `If-Match: "<version>"` (or `*`); a stale version is a 412.
fn if_match(req: &HttpRequest, case: &Case) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(()) };
    let value = value.to_str().unwrap_or_default().trim();
    if value == "*" {
        return Ok(());
    }
    let matches = value
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|tag| tag.parse::<i64>().ok() == Some(case.version));
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed { current: case.version })
    }
}

pub(crate) async fn category_of(state: &AppState, code: &str) -> Result<Category, ApiError> {
    state.category(code).await?.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("case category {code} is gone")))
}

/// Where routing sends a case of `category` in the grid at `grid_path`.
pub(crate) async fn route(state: &AppState, category: &Category, grid_path: &str) -> Result<Option<Uuid>, ApiError> {
    let lineage: Vec<Uuid> = grid_path.split('/').filter_map(|s| Uuid::parse_str(s).ok()).collect();
    let departments = state.departments_of(category.department_kind);
    Ok(nearest_department(&lineage, category.department_kind, &departments))
}

/// A case answer with its version as `ETag`.
pub(crate) fn case_response(mut builder: actix_web::HttpResponseBuilder, case: &Case, p: &Principal) -> HttpResponse {
    builder.insert_header((header::ETAG, format!("\"{}\"", case.version))).json(case_views::case(case, p, now()))
}

/// A case answer from its already serialised body (the one stored for replays).
pub(crate) fn stored_response(status: StatusCode, case: &Case, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((header::ETAG, format!("\"{}\"", case.version)))
        .body(body)
}

pub(crate) fn serialise(case: &Case, p: &Principal) -> Result<String, ApiError> {
    serde_json::to_string(&case_views::case(case, p, now())).map_err(|e| ApiError::Internal(e.into()))
}

/// Applies a step and writes it, if nobody changed the case meanwhile; the
/// answer is stored with the change when an idempotency key guards it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn commit(
    state: &AppState,
    p: &Principal,
    case: &Case,
    command: Command,
    category: &Category,
    route: Option<Uuid>,
    status: StatusCode,
    guard: Option<&Guard>,
) -> Result<HttpResponse, ApiError> {
    let ctx = cases::WorkflowContext { principal: p, now: now(), category, route };
    let outcome = cases::apply(case, command, &ctx)?;
    let body = serialise(&outcome.case, p)?;
    let record = WriteRecord {
        key: guard.map(|g| (g.key.clone(), StoredAnswer { status: status.as_u16(), body: body.clone() }.receipt())),
        report: None,
    };
    state.store.update_case(&outcome, case.version, &record).await?;
    Ok(stored_response(status, &outcome.case, body))
}
