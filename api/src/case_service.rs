//! The case service: what every case handler does around the workflow —
//! load a case through the caller's visibility, check refusals in their
//! order, write a step's outcome with the answer its idempotency key keeps,
//! and answer with an entity tag naming the case's version.

use actix_web::{http::header, http::StatusCode, HttpRequest, HttpResponse};
use gridline_domain::{
    cases::{self, can_see, nearest_department, Case, Category, Command, Step, StepError},
    crs::Crs,
    identity::Principal,
    ports::WriteRecord,
};
use gridline_openapi::FieldError;
use uuid::Uuid;

use crate::{
    case_views,
    error::ApiError,
    evidence::Attaching,
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

/// `If-Match: "<version>"`, an entity tag this server gave (`"<version>-…"`),
/// or `*`; a stale version is a 412.
fn if_match(req: &HttpRequest, case: &Case) -> Result<(), ApiError> {
    let Some(tags) = entity_tags(req, "If-Match")? else { return Ok(()) };
    let version = |tag: &str| tag.split('-').next().and_then(|v| v.parse::<i64>().ok());
    if tags.any || tags.list.iter().any(|tag| version(tag) == Some(case.version)) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed { current: case.version })
    }
}

/// An `If-Match` or `If-None-Match` value: `*`, or its tags without quotes or `W/`.
struct EntityTags {
    any: bool,
    list: Vec<String>,
}

/// Reads a conditional header as RFC 9110 writes it (`*`, or `"tag"` and
/// `W/"tag"` separated by commas; a tag's characters are visible ASCII but
/// `"` and `,`), the same grammar the document's pattern states; anything
/// else is a 400 naming the header.
fn entity_tags(req: &HttpRequest, name: &str) -> Result<Option<EntityTags>, ApiError> {
    let Some(value) = req.headers().get(name) else { return Ok(None) };
    let invalid = || {
        ApiError::InvalidQuery(vec![FieldError::parameter(
            name,
            "must be `*` or entity tags such as \"7\" or W/\"7-…\", separated by commas",
        )])
    };
    let value = value.to_str().map_err(|_| invalid())?.trim();
    // An empty value names nothing, as if the header were not sent.
    if value.is_empty() {
        return Ok(None);
    }
    if value == "*" {
        return Ok(Some(EntityTags { any: true, list: Vec::new() }));
    }
    let tag = |t: &str| {
        let t = t.trim_matches([' ', '\t']);
        let inner = t.strip_prefix("W/").unwrap_or(t).strip_prefix('"')?.strip_suffix('"')?;
        inner.bytes().all(|b| b == 0x21 || ((0x23..=0x7e).contains(&b) && b != b',')).then(|| inner.to_owned())
    };
    let list = value.split(',').map(tag).collect::<Option<Vec<_>>>().ok_or_else(invalid)?;
    Ok(Some(EntityTags { any: false, list }))
}

/// The entity tag of a case answer: `"<version>-<digest of the answer>"`. The
/// version is what `If-Match` acts on; the digest changes with anything else
/// the caller would see (a time limit turning overdue, the steps he may take
/// after a grant changed), so a 304 to `If-None-Match` never hides a change.
fn entity_tag(version: i64, body: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
    let short: String = digest.as_ref()[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{version}-{short}\"")
}

/// Whether `If-None-Match` names the answer about to be given (`*` names
/// any), or the case's version bare: a phone holding a case at that version
/// recomputes the time-dependent fields itself from `due_at` and `warn_at`.
fn not_modified(req: &HttpRequest, tag: &str, version: i64) -> Result<bool, ApiError> {
    Ok(names_current(req, tag)? || names_current(req, &version.to_string())?)
}

/// Whether `If-None-Match` names `tag` (or is `*`).
///
/// # Errors
/// 400 for a malformed header.
pub(crate) fn names_current(req: &HttpRequest, tag: &str) -> Result<bool, ApiError> {
    let tags = entity_tags(req, "If-None-Match")?;
    Ok(tags.is_some_and(|tags| tags.any || tags.list.iter().any(|t| t == tag.trim_matches('"'))))
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

/// A case read: 304 without a body when `If-None-Match` names the answer.
pub(crate) fn conditional_case_response(
    req: &HttpRequest,
    state: &AppState,
    case: &Case,
    p: &Principal,
    at: chrono::DateTime<chrono::Utc>,
    crs: Crs,
) -> Result<HttpResponse, ApiError> {
    let body = serialise(state, case, p, at, crs)?;
    let tag = entity_tag(case.version, &body);
    if not_modified(req, &tag, case.version)? {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    Ok(HttpResponse::Ok().content_type("application/json").insert_header((header::ETAG, tag)).body(body))
}

/// A case answer from its already serialised body (the one stored for replays).
pub(crate) fn stored_response(status: StatusCode, case: &Case, body: String) -> HttpResponse {
    tagged(HttpResponse::build(status), case, body)
}

fn tagged(mut builder: actix_web::HttpResponseBuilder, case: &Case, body: String) -> HttpResponse {
    builder.content_type("application/json").insert_header((header::ETAG, entity_tag(case.version, &body))).body(body)
}

pub(crate) fn serialise(
    state: &AppState,
    case: &Case,
    p: &Principal,
    at: chrono::DateTime<chrono::Utc>,
    crs: Crs,
) -> Result<String, ApiError> {
    serde_json::to_string(&case_views::case(case, p, at, &state.reference(), crs))
        .map_err(|e| ApiError::Internal(e.into()))
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
    attaching: Option<Attaching>,
) -> Result<HttpResponse, ApiError> {
    let calendar = state.calendar();
    let stage_limits = state.stage_limits();
    let ctx = cases::WorkflowContext {
        principal: p,
        now: state.now(),
        category,
        route,
        calendar: &calendar,
        stage_limits: &stage_limits,
    };
    let mut outcome = cases::apply(case, command, &ctx)?;
    if let Some(a) = attaching {
        cases::attach(&mut outcome, p, a.stage, a.files, a.internal, ctx.now);
    }
    let body = serialise(state, &outcome.case, p, state.now(), Crs::Wgs84)?;
    let record = WriteRecord {
        key: guard.map(|g| (g.key.clone(), StoredAnswer { status: status.as_u16(), body: body.clone() }.receipt())),
        report: None,
    };
    state.store.update_case(&outcome, case.version, &record).await?;
    Ok(stored_response(status, &outcome.case, body))
}
