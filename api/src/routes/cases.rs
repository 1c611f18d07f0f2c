//! Reporting, reading, listing and correcting cases.

use actix_web::{get, http::header, http::StatusCode, patch, post, web, HttpRequest, HttpResponse};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Datelike, Utc};
use gridline_domain::{
    cases::{
        self, can_see, nearest_department, Case, CaseScope, CaseStatus, Category, Command, NewCase, Priority,
        ReportContext, Resident, Source, Step, StepError, TimeLimitStatus,
    },
    geo::Position,
    identity::{Principal, Role, Scope},
    org::{OrgKind, OrgUnit},
    ports::{CaseFilter, FirstReport, StoredAnswer, WriteRecord},
    time::now,
    validation, RepoError,
};
use gridline_openapi::{
    cases::{CaseEventView, CaseListQuery, CasePage, CaseView, Location, ReportCase, UpdateCase},
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{
    auth::Auth,
    case_views,
    error::ApiError,
    extract::{path_uuid, ValidJson, ValidQuery},
    idempotency::{self, Begin, Guard},
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
    state.store.category(code).await?.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("case category {code} is gone")))
}

/// Where routing sends a case of `category` in the grid at `grid_path`.
pub(crate) async fn route(state: &AppState, category: &Category, grid_path: &str) -> Result<Option<Uuid>, ApiError> {
    let lineage: Vec<Uuid> = grid_path.split('/').filter_map(|s| Uuid::parse_str(s).ok()).collect();
    let departments = state.store.departments(Some(category.department_kind)).await?;
    Ok(nearest_department(&lineage, category.department_kind, &departments))
}

/// A case answer with its version as `ETag`.
pub(crate) fn case_response(mut builder: actix_web::HttpResponseBuilder, case: &Case, p: &Principal) -> HttpResponse {
    builder.insert_header((header::ETAG, format!("\"{}\"", case.version))).json(case_views::case(case, p, now()))
}

/// A case answer from its already serialised body (the one stored for replays).
fn stored_response(status: StatusCode, case: &Case, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((header::ETAG, format!("\"{}\"", case.version)))
        .body(body)
}

fn serialise(case: &Case, p: &Principal) -> Result<String, ApiError> {
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
        key: guard.map(|g| (g.key.clone(), StoredAnswer { status: status.as_u16(), body: body.clone() })),
        report: None,
    };
    state.store.update_case(&outcome, case.version, &record).await?;
    Ok(stored_response(status, &outcome.case, body))
}

fn location(l: &Location, pointer: &str, errors: &mut Vec<FieldError>) -> Option<Position> {
    let mut ok = true;
    if !(l.lat.is_finite() && (-90.0..=90.0).contains(&l.lat)) {
        errors.push(FieldError::pointer(format!("{pointer}/lat"), "must be between -90 and 90"));
        ok = false;
    }
    if !(l.lon.is_finite() && (-180.0..=180.0).contains(&l.lon)) {
        errors.push(FieldError::pointer(format!("{pointer}/lon"), "must be between -180 and 180"));
        ok = false;
    }
    ok.then_some(Position { lon: l.lon, lat: l.lat })
}

fn grid_worker_grids(p: &Principal) -> Vec<Uuid> {
    p.grants
        .iter()
        .filter_map(|g| match (&g.role, &g.scope) {
            (Role::GridWorker, Scope::Unit { id, .. }) => Some(*id),
            _ => None,
        })
        .collect()
}

/// Reports a case (上报). The grid is `grid_id`, else the grid containing
/// `location`, else, for a grid worker with exactly one grid, that grid.
/// Where the category says so the case is accepted and dispatched at once.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    request_body = ReportCase,
    responses(
        (status = 201, description = "Reported", body = CaseView, headers(("ETag" = String, description = "The case's version"), ("Location" = String, description = "The case's URL"))),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a place outside the caller's area", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases")]
pub(crate) async fn report(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<ReportCase>,
) -> Result<HttpResponse, ApiError> {
    let p = &auth.0;
    if !cases::may_report(p) {
        return Err(ApiError::Forbidden("you may not report cases".into()));
    }
    let digest = body.digest().to_vec();
    let guard = match idempotency::begin(&state, &req, p, &digest).await? {
        Begin::Replay(answer) => return Ok(answer),
        Begin::Proceed(guard) => guard,
    };
    let result = report_once(&state, p, body, digest, guard.as_ref()).await;
    if let Err(e) = &result {
        idempotency::settle_error(&state, guard.as_ref(), e).await;
    }
    result
}

/// The first answer to a report with a client-chosen id, for a replay of
/// the same content by the same reporter; otherwise the id is taken.
async fn replayed_report(
    state: &AppState,
    p: &Principal,
    first: Option<FirstReport>,
    digest: &[u8],
    guard: Option<&Guard>,
) -> Result<HttpResponse, ApiError> {
    let taken = || ApiError::Conflict {
        code: "id_taken",
        detail: "a case with this id exists with other content".into(),
        errors: vec![FieldError::pointer("/id", "is taken")],
    };
    let first = first.ok_or_else(taken)?;
    if first.reporter != idempotency::principal_id(p) || first.request_hash != digest {
        return Err(taken());
    }
    // Nothing was written, so the key this request claimed gets its answer here.
    if let Some(guard) = guard {
        let answer = StoredAnswer { status: 200, body: first.answer.body.clone() };
        state.store.complete_key(&guard.key, &answer, now()).await?;
    }
    Ok(HttpResponse::Ok().content_type("application/json").body(first.answer.body))
}

async fn report_once(
    state: &AppState,
    p: &Principal,
    body: ValidJson<ReportCase>,
    digest: Vec<u8>,
    guard: Option<&Guard>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    if let Some(id) = body.id {
        // Every case reported with a client id keeps its first answer; one
        // look-up tells a replay from a new report.
        if let Some(first) = state.store.first_report(id).await? {
            return replayed_report(state, p, Some(first), &digest, guard).await;
        }
    }
    let mut errors = Vec::new();
    let category = match state.store.category(&body.category_code).await? {
        Some(c) if c.active => Some(c),
        Some(_) => {
            errors.push(FieldError::pointer("/category_code", "the category is retired"));
            None
        }
        None => {
            errors.push(FieldError::pointer("/category_code", "no such category"));
            None
        }
    };
    let description =
        validation::text(&body.description, 2000).map_err(|e| errors.push(FieldError::pointer("/description", e))).ok();
    let address =
        validation::text(&body.address, 200).map_err(|e| errors.push(FieldError::pointer("/address", e))).ok();
    let priority = Priority::parse(&body.priority).or_else(|| {
        errors.push(FieldError::pointer("/priority", "must be normal or urgent"));
        None
    });
    let source = Source::parse(&body.source).or_else(|| {
        errors.push(FieldError::pointer("/source", "must be grid_worker, hotline, sensor, citizen or integration"));
        None
    });
    let position = location(&body.location, "/location", &mut errors);
    let resident = match &body.resident {
        None => None,
        Some(r) => {
            let name =
                validation::text(&r.name, 100).map_err(|e| errors.push(FieldError::pointer("/resident/name", e))).ok();
            let phone = r
                .phone
                .as_deref()
                .map(validation::phone)
                .transpose()
                .map_err(|e| errors.push(FieldError::pointer("/resident/phone", e)))
                .ok()
                .flatten();
            name.map(|name| Resident { name, phone })
        }
    };
    let on_site = match &body.resolved_on_site {
        None => None,
        Some(s) => validation::text(&s.note, 2000)
            .map_err(|e| errors.push(FieldError::pointer("/resolved_on_site/note", e)))
            .ok(),
    };
    let (grid, grid_pointer) = match (body.grid_id, position) {
        (Some(id), _) => match state.store.unit(id).await? {
            Some(u) if u.kind == OrgKind::Grid => (Some(u), "/grid_id"),
            _ => {
                errors.push(FieldError::pointer("/grid_id", "no such grid"));
                (None, "/grid_id")
            }
        },
        (None, Some(pos)) => {
            let located = match state.grid_index().locate(pos) {
                Some(id) => Some(id),
                None => match grid_worker_grids(p).as_slice() {
                    [only] => Some(*only),
                    _ => None,
                },
            };
            match located {
                Some(id) => (state.store.unit(id).await?, "/location"),
                None => {
                    errors.push(FieldError::pointer("/location", "no grid contains this point; send grid_id"));
                    (None, "/location")
                }
            }
        }
        (None, None) => (None, "/location"),
    };
    let (
        Some(category),
        Some(description),
        Some(address),
        Some(priority),
        Some(source),
        Some(position),
        Some(grid),
        true,
    ) = (category, description, address, priority, source, position, grid, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let owner = match grid.parent_id {
        Some(parent) => state.store.unit(parent).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("grid {} has no community", grid.id)))?;
    let at = now();
    let route = route(state, &category, &grid.path).await?;
    let number = format!("{}-{:06}", at.year(), state.store.next_case_number().await?);
    let new = NewCase {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        category_code: category.code.clone(),
        priority,
        description,
        location: position,
        address,
        grid_id: Some(grid.id),
        source,
        resident,
        resolved_on_site: on_site,
    };
    let ctx = ReportContext { principal: p, now: at, category: &category, grid: &grid, owner: &owner, route, number };
    let outcome = cases::report(new, &ctx, grid_pointer)?;
    let answer = StoredAnswer { status: 201, body: serialise(&outcome.case, p)? };
    let record = WriteRecord {
        key: guard.map(|g| (g.key.clone(), answer.clone())),
        report: body.id.map(|_| FirstReport {
            reporter: idempotency::principal_id(p),
            request_hash: digest.clone(),
            answer: answer.clone(),
        }),
    };
    match state.store.create_case(&outcome, &record).await {
        Ok(_) => {}
        // A racing report with the same id won: answer as its replay.
        Err(RepoError::Duplicate { .. }) if body.id.is_some() => {
            let first = state.store.first_report(outcome.case.id).await?;
            return replayed_report(state, p, first, &digest, guard).await;
        }
        Err(e) => return Err(e.into()),
    }
    let mut response = stored_response(StatusCode::CREATED, &outcome.case, answer.body);
    if let Ok(location) = header::HeaderValue::from_str(&format!("/api/v1/cases/{}", outcome.case.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn cursor_of(case: &Case) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", case.created_at.to_rfc3339(), case.id))
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (at, id) = raw.split_once('|')?;
    Some((DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc), Uuid::parse_str(id).ok()?))
}

/// The cases the caller sees, newest first, a page at a time.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "A page of cases", body = CasePage),
        (status = 400, description = "A bad filter or cursor", body = Problem, content_type = "application/problem+json"),
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
    let mut errors = Vec::new();
    let status = query.status.as_deref().and_then(|s| {
        CaseStatus::parse(s).or_else(|| {
            errors.push(FieldError::parameter("status", "is not a case status"));
            None
        })
    });
    let time_limit_status = query.time_limit_status.as_deref().and_then(|s| {
        TimeLimitStatus::parse(s).or_else(|| {
            errors.push(FieldError::parameter("time_limit_status", "must be none, ok, warning or overdue"));
            None
        })
    });
    let before = query.cursor.as_deref().and_then(|c| {
        parse_cursor(c).or_else(|| {
            errors.push(FieldError::parameter("cursor", "is not a cursor this server gave"));
            None
        })
    });
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::parameter("limit", "must be between 1 and 200"));
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let at = now();
    let filter = CaseFilter { status, time_limit_status, before, limit };
    let found = state.store.cases(&CaseScope::of(&auth.0), &filter, at).await?;
    let next_cursor = (found.len() == limit as usize).then(|| found.last().map(cursor_of)).flatten();
    Ok(web::Json(CasePage { items: found.iter().map(|c| case_views::case(c, &auth.0, at)).collect(), next_cursor }))
}

/// One case, with the steps the caller may take now.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case", body = CaseView, headers(("ETag" = String, description = "The case's version"))),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}")]
pub(crate) async fn get(auth: Auth, state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let id = path_uuid(&req, "id")?;
    let case = visible_case(&state, &auth.0, id).await?;
    Ok(case_response(HttpResponse::Ok(), &case, &auth.0))
}

/// The case's timeline, oldest first. Internal comments are left out for
/// integrations (API keys).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The events", body = [CaseEventView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}/events")]
pub(crate) async fn events(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<Vec<CaseEventView>>, ApiError> {
    let id = path_uuid(&req, "id")?;
    visible_case(&state, &auth.0, id).await?;
    let integration = matches!(auth.0.actor, gridline_domain::identity::Actor::ApiKey { .. }) && !auth.0.is_admin();
    let events = state.store.case_events(id).await?;
    Ok(web::Json(events.iter().filter(|e| !(integration && e.internal)).map(case_views::event).collect()))
}

/// Corrects category, priority, grid, location or description before
/// dispatch (owning unit's dispatcher); each correction is an event.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The case's id")),
    request_body = UpdateCase,
    responses(
        (status = 200, description = "The corrected case", body = CaseView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the owning unit's dispatcher", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Dispatched already", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names an old version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/cases/{id}")]
pub(crate) async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<UpdateCase>,
) -> Result<HttpResponse, ApiError> {
    let p = &auth.0;
    let id = path_uuid(&req, "id")?;
    let case = visible_case(&state, p, id).await?;
    precheck(&req, p, &case, Step::Correct)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let new_category = match &body.category_code {
        None => None,
        Some(code) => match state.store.category(code).await? {
            Some(c) if c.active => Some(c),
            _ => {
                errors.push(FieldError::pointer("/category_code", "no such active category"));
                None
            }
        },
    };
    let priority = body.priority.as_deref().and_then(|p| {
        Priority::parse(p).or_else(|| {
            errors.push(FieldError::pointer("/priority", "must be normal or urgent"));
            None
        })
    });
    let grid: Option<OrgUnit> = match body.grid_id {
        None => None,
        Some(id) => match state.store.unit(id).await? {
            Some(u) if u.kind == OrgKind::Grid => Some(u),
            _ => {
                errors.push(FieldError::pointer("/grid_id", "no such grid"));
                None
            }
        },
    };
    let position = body.location.as_ref().and_then(|l| location(l, "/location", &mut errors));
    let description = body
        .description
        .as_deref()
        .and_then(|d| validation::text(d, 2000).map_err(|e| errors.push(FieldError::pointer("/description", e))).ok());
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let category = match &new_category {
        Some(c) => c.clone(),
        None => category_of(&state, &case.category_code).await?,
    };
    let grid_path = grid.as_ref().map_or(case.grid_path.clone(), |g| g.path.clone());
    let route = route(&state, &category, &grid_path).await?;
    let command = Command::Correct {
        category: new_category,
        priority,
        grid: grid.map(|g| (g.id, g.path)),
        location: position,
        description,
    };
    commit(&state, p, &case, command, &category, route, StatusCode::OK, None).await
}
