//! A resident follows his case with its tracking code, without an account,
//! and rates it once it is closed (回访). What he sees carries no personal
//! data, no staff names and no internal notes: it is built field by field
//! here, never from the staff's view of a case.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    cases::{rate_as_resident, Case, CaseEvent, EventType, StepError, TrackingCode},
    ports::WriteRecord,
    validation, RepoError,
};
use gridline_openapi::{
    org::LocateQuery,
    public::{ListedWorker, PublicCase, PublicFeedback, PublicGrid, PublicLevel, PublicStep},
    Problem,
};

use crate::{
    error::ApiError,
    extract::{ValidJson, ValidQuery},
    reference_data::ReferenceData,
    state::AppState,
};

/// The steps a resident sees, and whether their note is his business.
fn public_step(kind: EventType) -> Option<bool> {
    use EventType as E;
    match kind {
        E::Rejected | E::Resolved | E::Cancelled | E::Reopened | E::Rated => Some(true),
        E::Reported
        | E::Accepted
        | E::Dispatched
        | E::Started
        | E::Verified
        | E::Reworked
        | E::Suspended
        | E::Resumed => Some(false),
        _ => None,
    }
}

fn view(case: &Case, events: &[CaseEvent], names: &ReferenceData) -> PublicCase {
    let timeline = events
        .iter()
        .filter_map(|e| {
            let with_note = public_step(e.event_type)?;
            let department = (e.event_type == EventType::Dispatched)
                .then(|| e.changes.get("lead_department_id")?.parse().ok())
                .flatten()
                .and_then(|id| names.department(id))
                .map(|d| d.name.clone());
            Some(PublicStep {
                type_: e.event_type.into(),
                at: e.at,
                status: e.to_status.into(),
                note: e.note.clone().filter(|_| with_note && !e.internal),
                department,
            })
        })
        .collect();
    PublicCase {
        number: case.number.clone(),
        category_code: case.category_code.clone(),
        category: names.category(&case.category_code).map(|c| c.name_zh.clone()),
        status: case.status.into(),
        grid: names.unit(case.grid_id).map(|u| u.name.clone()),
        reported_at: case.created_at,
        closed_at: case.closed_at,
        rating: case.rating.map(Into::into),
        may_rate: case.status == gridline_domain::cases::CaseStatus::Closed && case.rating.is_none(),
        timeline,
    }
}

/// The case of a code as typed (any case, hyphens and spaces ignored); an
/// unknown and a malformed code are the same 404, so codes cannot be probed
/// for their shape.
async fn case_of(state: &AppState, req: &HttpRequest) -> Result<Case, ApiError> {
    limited(state, req)?;
    let raw = req.match_info().get("tracking_code").unwrap_or_default();
    let code = TrackingCode::parse(raw).ok_or(ApiError::NotFound)?;
    state.store.case_by_tracking_code(code.as_str()).await?.ok_or(ApiError::NotFound)
}

async fn answer(state: &AppState, case: &Case, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let events = state.store.case_events(case.id).await?;
    let body = view(case, &events, &state.reference());
    // Private: a code is one resident's key; shared caches keep nothing.
    Ok(HttpResponse::build(status).insert_header(("Cache-Control", "private, no-cache")).json(body))
}

/// Follow a case with its tracking code
///
/// What a resident given a tracking code (when his case was reported for him, or through Open311) sees without an
/// account: the case's number, category, status and grid, and its public timeline. No personal data, staff
/// names or internal notes. The code is read as typed: any case, hyphens and spaces ignored, `I`/`L` as `1`
/// and `O` as `0`. An unknown and a malformed code are the same 404. Rate-limited per client address
/// (`GRIDLINE_PUBLIC_RATE_PER_MIN`).
#[utoipa::path(
    operation_id = "follow_case",
    tag = "public",
    params(("tracking_code" = String, Path, description = "The tracking code, e.g. `7K2M-9Q4R-XW1Z`", max_length = 64)),
    responses(
        (status = 200, description = "The case as its resident sees it", body = PublicCase),
        (status = 404, description = "No case has this code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/v1/cases/{tracking_code}")]
pub(crate) async fn follow(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let case = case_of(&state, &req).await?;
    answer(&state, &case, StatusCode::OK).await
}

/// Rate a closed case (回访)
///
/// The resident says how satisfied he is with how his case ended: `satisfied`, `basically_satisfied` or
/// `dissatisfied`, with a comment if he likes. Once per closing, online here or on the phone with a dispatcher
/// (`POST /api/v1/cases/{id}/feedback`): 409 `not_closed` before the case is closed, 409 `already_rated` once
/// it is rated. The timeline gets a `rated` event whose actor is `resident`. A `dissatisfied` rating within 7 days
/// of closing lets the owning unit's dispatcher reopen the case.
#[utoipa::path(
    operation_id = "rate_case",
    tag = "public",
    params(("tracking_code" = String, Path, description = "The tracking code", max_length = 64)),
    request_body = PublicFeedback,
    responses(
        (status = 201, description = "Rated; the case as its resident sees it now", body = PublicCase),
        (status = 404, description = "No case has this code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not closed yet (`not_closed`), or rated already (`already_rated`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/public/v1/cases/{tracking_code}/feedback")]
pub(crate) async fn rate(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<PublicFeedback>,
) -> Result<HttpResponse, ApiError> {
    let mut case = case_of(&state, &req).await?;
    let body = body.parse()?;
    let comment = body
        .comment
        .as_deref()
        .map(|c| validation::text(c, 2000).map_err(|e| ApiError::field("/comment", e)))
        .transpose()?;
    // A step of the staff may come in between: rate the case as it is then.
    for _ in 0..3 {
        let outcome = rate_as_resident(&case, body.rating.into(), comment.clone(), state.now()).map_err(refusal)?;
        match state.store.update_case(&outcome, case.version, &WriteRecord { key: None, report: None }).await {
            Ok(_) => return answer(&state, &outcome.case, StatusCode::CREATED).await,
            Err(RepoError::Conflict) => case = state.store.case(case.id).await?.ok_or(ApiError::NotFound)?,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict { code: "conflict", detail: "the case kept changing; try again".into(), errors: Vec::new() })
}

fn refusal(e: StepError) -> ApiError {
    match e {
        StepError::WrongState { .. } => ApiError::Conflict {
            code: "not_closed",
            detail: "a case is rated once it is closed".into(),
            errors: Vec::new(),
        },
        _ => ApiError::Conflict {
            code: "already_rated",
            detail: "this closing was rated already".into(),
            errors: Vec::new(),
        },
    }
}

pub(crate) fn limited(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    match super::client_addr(req) {
        Some(client) => state.public_limit.admit(&client),
        None => Ok(()),
    }
}

/// 公示: a grid with the responsible person of each level above it, and its listed grid workers.
async fn grid_page(state: &AppState, grid: &gridline_domain::org::OrgUnit) -> Result<HttpResponse, ApiError> {
    let names = state.reference();
    let mut levels = Vec::new();
    let mut at = Some(grid);
    while let Some(unit) = at {
        levels.push(PublicLevel {
            kind: unit.kind.into(),
            code: unit.code.clone(),
            name: unit.name.clone(),
            responsible_person: unit.responsible_person.clone(),
            contact_phone: unit.contact_phone.clone(),
        });
        at = unit.parent_id.and_then(|id| names.unit(id));
    }
    let grid_workers = state
        .store
        .listed_grid_workers(grid.id)
        .await?
        .into_iter()
        .map(|(display_name, work_phone)| ListedWorker { display_name, work_phone })
        .collect();
    let page = PublicGrid { code: grid.code.clone(), name: grid.name.clone(), levels, grid_workers };
    // The same for everyone: shared caches may keep it a minute.
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=60")).json(page))
}

/// Who is responsible here (公示): the grid at a point
///
/// Without a login: the grid containing a point (in `crs`, default WGS-84), its community, street and district,
/// each with its published responsible person and contact phone, and the grid's workers who chose to be listed
/// (`PATCH /api/v1/me`), with display name and work phone. 404 when no grid holds the point. Rate-limited per
/// client address.
#[utoipa::path(
    operation_id = "locate_public_grid",
    tag = "public",
    params(LocateQuery),
    responses(
        (status = 200, description = "The grid and who is responsible for it", body = PublicGrid),
        (status = 404, description = "No grid holds the point", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/v1/grids/locate")]
pub(crate) async fn locate_grid(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ValidQuery<LocateQuery>,
) -> Result<HttpResponse, ApiError> {
    limited(&state, &req)?;
    let point = super::grids::point_of(query.parse()?)?;
    let id = state.grid_index().locate(point).ok_or(ApiError::NotFound)?;
    let grid = state.reference().unit(id).cloned().ok_or(ApiError::NotFound)?;
    grid_page(&state, &grid).await
}

/// Who is responsible here (公示): a grid by its code
///
/// The same page as `locate_public_grid`, for a grid named by its code (as printed on the grid's notice board).
#[utoipa::path(
    operation_id = "get_public_grid",
    tag = "public",
    params(("code" = String, Path, description = "The grid's code", max_length = 64)),
    responses(
        (status = 200, description = "The grid and who is responsible for it", body = PublicGrid),
        (status = 404, description = "No grid has this code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/v1/grids/{code}")]
pub(crate) async fn grid_by_code(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    limited(&state, &req)?;
    let code = req.match_info().get("code").unwrap_or_default();
    let names = state.reference();
    let grid = names
        .units()
        .find(|u| u.code == code && u.kind == gridline_domain::org::OrgKind::Grid)
        .cloned()
        .ok_or(ApiError::NotFound)?;
    grid_page(&state, &grid).await
}
