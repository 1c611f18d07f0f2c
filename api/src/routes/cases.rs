//! Reporting, reading, listing and correcting cases.

use actix_web::{get, http::header, http::StatusCode, patch, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;
use gridline_domain::{
    cases::{self, AttachStage, Category, Command, NewCase, Priority, ReportContext, Resident, Source, Step},
    crs::Crs,
    geo::Position,
    identity::Principal,
    ports::{FirstReport, WriteRecord},
    time::now,
    validation, RepoError, Taken,
};
use gridline_openapi::{
    cases::{CaseEventView, CaseReadQuery, CaseView, ReportCase, UpdateCase},
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{
    auth::Auth,
    case_service::{
        category_of, commit, conditional_case_response, precheck, route, serialise, stored_response, visible_case,
    },
    case_views,
    error::ApiError,
    evidence::evidence,
    extract::{path_uuid, ValidJson, ValidQuery},
    idempotency::{self, Begin, Guard, StoredAnswer},
    placement,
    state::AppState,
};

/// Report a case (上报)
///
/// A grid worker, dispatcher or integration reports a problem at a point. The grid is `grid_id`, else the
/// grid containing `location`, else, for a grid worker with exactly one grid, that grid. Where the category
/// says so the case is accepted and dispatched at once. Send an `Idempotency-Key` so that a report sent again
/// after a lost answer is not filed twice; a client may also choose the case's `id` itself (a UUID), for
/// offline work.
#[utoipa::path(
    operation_id = "report_case",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    request_body = ReportCase,
    responses(
        (status = 201, description = "Reported", body = CaseView, headers(("Location" = String, description = "The case's URL"))),
        (status = 200, description = "Already reported: the same caller sent this `id` with the same content before; the case as first filed, nothing filed twice", body = CaseView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The `id` is taken by another report", body = Problem, content_type = "application/problem+json"),
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
        Begin::Replay(answer) => return replay_report(&state, p, &answer).await,
        Begin::Proceed(guard) => guard,
    };
    let result = report_once(&state, p, body, digest, guard.as_ref()).await;
    if let Err(e) = &result {
        idempotency::settle_error(&state, guard.as_ref(), e).await;
    }
    result
}

/// A stored answer to a report, given only to a caller who still sees the case.
async fn replay_report(state: &AppState, p: &Principal, answer: &StoredAnswer) -> Result<HttpResponse, ApiError> {
    #[derive(serde::Deserialize)]
    struct Reported {
        id: Uuid,
    }
    if let Ok(Reported { id }) = serde_json::from_str::<Reported>(&answer.body) {
        visible_case(state, p, id).await?;
    }
    Ok(idempotency::replay(answer))
}

/// The first answer to a report with a client-chosen id, for a replay of
/// the same content by the same reporter who still sees it; otherwise the
/// id is taken, whoever took it.
async fn replayed_report(
    state: &AppState,
    p: &Principal,
    id: Uuid,
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
    if visible_case(state, p, id).await.is_err() {
        return Err(taken());
    }
    // Nothing was written, so the key this request claimed gets its answer here.
    let first = StoredAnswer::from_receipt(&first.receipt)?;
    if let Some(guard) = guard {
        let answer = StoredAnswer { status: 200, body: first.body.clone() };
        state.store.complete_key(&guard.key, &answer.receipt(), now()).await?;
    }
    Ok(HttpResponse::Ok().content_type("application/json").body(first.body))
}

/// A report's own fields, each checked; every fault is listed at once.
struct ReportFields {
    description: String,
    address: String,
    priority: Priority,
    source: Option<Source>,
    position: Position,
    resident: Option<Resident>,
    on_site: Option<String>,
}

impl TryFrom<&ReportCase> for ReportFields {
    type Error = Vec<FieldError>;

    fn try_from(body: &ReportCase) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut field = |pointer: &str, detail: &str| errors.push(FieldError::pointer(pointer, detail));
        let description = validation::text(&body.description, 2000).map_err(|e| field("/description", e));
        let address = validation::line(&body.address, 200).map_err(|e| field("/address", e));
        let resident = body.resident.as_ref().map(|r| {
            let name = validation::line(&r.name, 100).map_err(|e| field("/resident/name", e));
            let phone = r.phone.as_deref().map(validation::phone).transpose().map_err(|e| field("/resident/phone", e));
            let email = r.email.as_deref().map(validation::email).transpose().map_err(|e| field("/resident/email", e));
            Some(Resident { name: name.ok()?, phone: phone.ok()?, email: email.ok()? })
        });
        let on_site = body
            .resolved_on_site
            .as_ref()
            .map(|s| validation::text(&s.note, 2000).map_err(|e| field("/resolved_on_site/note", e)).ok());
        let position = placement::position(&body.location, "/location", &mut errors);
        match (description, address, position) {
            (Ok(description), Ok(address), Some(position)) if errors.is_empty() => Ok(Self {
                description,
                address,
                priority: body.priority.into(),
                source: body.source.map(Into::into),
                position,
                resident: resident.flatten(),
                on_site: on_site.flatten(),
            }),
            _ => Err(errors),
        }
    }
}

/// The category a report names, if it is open for reports.
async fn reportable_category(state: &AppState, code: &str) -> Result<Result<Category, FieldError>, ApiError> {
    Ok(match state.category(code).await? {
        Some(c) if c.active => Ok(c),
        Some(_) => Err(FieldError::pointer("/category_code", "the category is retired")),
        None => Err(FieldError::pointer("/category_code", "no such category")),
    })
}

/// The report's fields and its category, or every fault in them.
async fn check_report(state: &AppState, body: &ReportCase) -> Result<(ReportFields, Category), ApiError> {
    match (reportable_category(state, &body.category_code).await?, ReportFields::try_from(body)) {
        (Ok(category), Ok(fields)) => Ok((fields, category)),
        (category, fields) => {
            Err(ApiError::Validation(category.err().into_iter().chain(fields.err().unwrap_or_default()).collect()))
        }
    }
}

async fn report_once(
    state: &AppState,
    p: &Principal,
    body: ValidJson<ReportCase>,
    digest: Vec<u8>,
    guard: Option<&Guard>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    let (checked, category) = check_report(state, &body).await?;
    let grid = placement::report_grid(state, p, body.grid_id, checked.position).await?;
    let files = evidence(state, p, &body.media, "/media").await?;
    if let Some(id) = body.id {
        // Only a valid report learns that its id is taken; one look-up
        // tells a replay of it from a clash.
        if let Some(first) = state.store.first_report(id).await? {
            return replayed_report(state, p, id, Some(first), &digest, guard).await;
        }
        if state.store.case(id).await?.is_some() {
            // Written since the look-up above (a racing replay), or taken without a client id.
            let first = state.store.first_report(id).await?;
            return replayed_report(state, p, id, first, &digest, guard).await;
        }
    }
    let new = NewCase {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        category_code: category.code.clone(),
        priority: checked.priority,
        description: checked.description,
        location: checked.position,
        address: checked.address,
        grid_id: Some(grid.id),
        source: checked.source.unwrap_or_else(|| cases::default_source(p, &grid)),
        resident: checked.resident,
        resolved_on_site: checked.on_site,
        intake: Default::default(),
    };
    let pointer = if body.grid_id.is_some() { "/grid_id" } else { "/location" };
    let mut outcome = draft(state, p, new, &category, &grid, pointer).await?;
    let at = outcome.case.created_at;
    cases::attach(&mut outcome, p, AttachStage::Report, files, false, at);
    // The answer speaks the system the report spoke.
    let crs = body.location.crs.map_or(Crs::Wgs84, Into::into);
    let answer = StoredAnswer { status: 201, body: serialise(state, &outcome.case, p, at, crs)? };
    let record = WriteRecord {
        key: guard.map(|g| (g.key.clone(), answer.receipt())),
        report: body.id.map(|_| FirstReport {
            reporter: idempotency::principal_id(p),
            request_hash: digest.clone(),
            receipt: answer.receipt(),
        }),
    };
    match state.store.create_case(&outcome, &record).await {
        Ok(_) => {}
        // A racing report with the same id won: answer as its replay.
        Err(RepoError::Duplicate(Taken::CaseId)) if body.id.is_some() => {
            let first = state.store.first_report(outcome.case.id).await?;
            return replayed_report(state, p, outcome.case.id, first, &digest, guard).await;
        }
        Err(e) => return Err(e.into()),
    }
    let mut response = stored_response(StatusCode::CREATED, &outcome.case, answer.body);
    if let Ok(location) = header::HeaderValue::from_str(&format!("/api/v1/cases/{}", outcome.case.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A report's case and first events: numbered, routed, on the clock.
pub(crate) async fn draft(
    state: &AppState,
    p: &Principal,
    new: NewCase,
    category: &Category,
    grid: &gridline_domain::org::OrgUnit,
    pointer: &str,
) -> Result<cases::Outcome, ApiError> {
    let owner = match grid.parent_id {
        Some(parent) => state.unit(parent).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("grid {} has no community", grid.id)))?;
    let at = state.now();
    let route = route(state, category, &grid.path).await?;
    let number = format!("{}-{:06}", at.year(), state.next_case_number().await?);
    let calendar = state.calendar();
    let stage_limits = state.stage_limits();
    let ctx = ReportContext {
        principal: p,
        now: at,
        category,
        grid,
        owner: &owner,
        route,
        number,
        calendar: &calendar,
        stage_limits: &stage_limits,
    };
    Ok(cases::report(new, &ctx, pointer)?)
}

/// Get a case
///
/// One case as the caller sees it, with `allowed_actions`: the steps the caller may take now. Send the
/// `ETag` back as `If-Match` with a step to act only on what was read, or as `If-None-Match` to read again
/// cheaply: 304 without a body while nothing the caller would see has changed.
#[utoipa::path(
    operation_id = "get_case",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The case's id"), CaseReadQuery),
    responses(
        (status = 200, description = "The case", body = CaseView),
        (status = 400, description = "A bad `crs`", body = Problem, content_type = "application/problem+json"),
        (status = 304, description = "Not modified: the `If-None-Match` tag names this answer still", headers(("ETag" = String, description = "The tag named"))),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/{id}")]
pub(crate) async fn get(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ValidQuery<CaseReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path_uuid(&req, "id")?;
    let crs = query.parse()?.crs.map_or(Crs::Wgs84, Into::into);
    let case = visible_case(&state, &auth.0, id).await?;
    conditional_case_response(&req, &state, &case, &auth.0, state.now(), crs)
}

/// Get a case's timeline
///
/// Every event of the case, oldest first: who did what, when, with notes and the fields each step changed.
/// Internal comments are left out for integrations (API keys).
#[utoipa::path(
    operation_id = "list_case_events",
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
    let internal = gridline_domain::policy::reads_internal_notes(&auth.0);
    let events = state.store.case_events(id).await?;
    Ok(web::Json(events.iter().filter(|e| internal || !e.internal).map(case_views::event).collect()))
}

/// Correct a case before dispatch
///
/// The owning unit's dispatcher corrects category, priority, grid, location or description of a case not yet
/// dispatched; each correction is an event with the old and new values. Send `If-Match` with the version
/// read.
#[utoipa::path(
    operation_id = "update_case",
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
        Some(code) => match state.category(code).await? {
            Some(c) if c.active => Some(c),
            _ => {
                errors.push(FieldError::pointer("/category_code", "no such active category"));
                None
            }
        },
    };
    let priority = body.priority.map(Into::into);
    let position = body.location.as_ref().and_then(|l| placement::position(l, "/location", &mut errors));
    let description = body
        .description
        .as_deref()
        .and_then(|d| validation::text(d, 2000).map_err(|e| errors.push(FieldError::pointer("/description", e))).ok());
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let grid = placement::corrected_grid(&state, &case, body.grid_id, position).await?;
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
    commit(&state, p, &case, command, &category, route, StatusCode::OK, None, None).await
}
