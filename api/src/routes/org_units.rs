//! Org units: the district → street → community → grid tree.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    org::{OrgKind, OrgUnit},
    policy::Action,
    ports::{UnitFilter, UnitPatch},
    time::now,
    validation, RepoError, Taken,
};
use gridline_openapi::{
    org::{CreateOrgUnit, OrgUnitQuery, OrgUnitView, UpdateOrgUnit},
    FieldError, Problem,
};
use uuid::Uuid;

use super::client_addr;
use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{path_uuid, ValidJson, ValidQuery},
    state::AppState,
    views,
};

pub(crate) fn code_taken(e: RepoError) -> ApiError {
    match e {
        RepoError::Duplicate(Taken::Code) => ApiError::Conflict {
            code: "code_taken",
            detail: "the code is in use".into(),
            errors: vec![FieldError::pointer("/code", "is in use")],
        },
        other => other.into(),
    }
}

/// List org units
///
/// Org units (district, streets, communities, grids), filtered by kind or parent, top down.
#[utoipa::path(
    operation_id = "list_org_units",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(OrgUnitQuery),
    responses(
        (status = 200, description = "The units", body = [OrgUnitView]),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/org-units")]
pub(crate) async fn list_units(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<OrgUnitQuery>,
) -> Result<web::Json<Vec<OrgUnitView>>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    let query = query.parse()?;
    let units = state.store.units(&UnitFilter { kind: query.kind.map(Into::into), parent_id: query.parent_id }).await?;
    Ok(web::Json(units.iter().map(views::unit).collect()))
}

/// Create an org unit
///
/// Admins create a street under the district, a community under a street or a grid under a community. Grids
/// and communities may carry a GeoJSON boundary; a grid must lie inside its community.
#[utoipa::path(
    operation_id = "create_org_unit",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    request_body = CreateOrgUnit,
    responses(
        (status = 201, description = "Created", body = OrgUnitView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/org-units")]
pub(crate) async fn create_unit(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateOrgUnit>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let kind: OrgKind = body.kind.into();
    let code = validation::code(&body.code).map_err(|e| errors.push(FieldError::pointer("/code", e))).ok();
    let name = validation::line(&body.name, 100).map_err(|e| errors.push(FieldError::pointer("/name", e))).ok();
    let person = optional_text(&body.responsible_person, "/responsible_person", &mut errors);
    let phone = optional_phone(&body.contact_phone, "/contact_phone", &mut errors);
    let boundary = match &body.boundary {
        None => None,
        Some(_) if !kind.may_have_boundary() => {
            errors.push(FieldError::pointer("/boundary", "only grids and communities have a boundary"));
            None
        }
        Some(g) => views::boundary(g, "/boundary").map_err(|e| errors.push(e)).ok(),
    };
    let parent = match body.parent_id {
        Some(id) => state.store.unit(id).await?,
        None => None,
    };
    match (kind.parent_kind(), body.parent_id, &parent) {
        (None, Some(_), _) => errors.push(FieldError::pointer("/parent_id", "a district has no parent")),
        (Some(p), None, _) => {
            errors.push(FieldError::pointer("/parent_id", format!("a {} needs a parent {}", kind.as_str(), p.as_str())))
        }
        (Some(_), Some(_), None) => errors.push(FieldError::pointer("/parent_id", "no such org unit")),
        (Some(p), Some(_), Some(parent)) if parent.kind != p => errors.push(FieldError::pointer(
            "/parent_id",
            format!("the parent of a {} must be a {}", kind.as_str(), p.as_str()),
        )),
        _ => {}
    }
    let (Some(code), Some(name), true) = (code, name, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let id = Uuid::now_v7();
    let unit = OrgUnit {
        id,
        kind,
        code,
        name,
        parent_id: parent.as_ref().map(|p| p.id),
        path: OrgUnit::child_path(parent.as_ref().map(|p| p.path.as_str()), id),
        boundary,
        responsible_person: person,
        contact_phone: phone,
        created_at: at,
        updated_at: at,
    };
    let audit = NewAuditEntry::new(AuditAction::OrgUnitCreated, at)
        .by(&auth.0)
        .target("org_unit", id)
        .detail("code", &unit.code)
        .detail("kind", kind.as_str())
        .from_addr(client_addr(&req));
    state.store.create_unit(&unit, audit).await.map_err(code_taken)?;
    state.units_changed().await;
    Ok(HttpResponse::Created().json(views::unit(&unit)))
}

/// An optional published text (a responsible person), validated into `errors`.
pub(crate) fn optional_text(value: &Option<String>, pointer: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    value
        .as_deref()
        .and_then(|v| validation::line(v, 100).map_err(|e| errors.push(FieldError::pointer(pointer, e))).ok())
}

/// An optional phone, validated into `errors`.
pub(crate) fn optional_phone(value: &Option<String>, pointer: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    value.as_deref().and_then(|v| validation::phone(v).map_err(|e| errors.push(FieldError::pointer(pointer, e))).ok())
}

/// Get an org unit
///
/// One org unit, with its boundary and published contact.
#[utoipa::path(
    operation_id = "get_org_unit",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The unit's id")),
    responses(
        (status = 200, description = "The unit", body = OrgUnitView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/org-units/{id}")]
pub(crate) async fn get_unit(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<OrgUnitView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ReadOrg)?;
    let unit = state.store.unit(id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(views::unit(&unit)))
}

/// Get an org unit and everything below it
///
/// A unit and every unit below it, top down: a street with its communities and their grids.
#[utoipa::path(
    operation_id = "get_org_subtree",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The unit's id")),
    responses(
        (status = 200, description = "The unit first, then its descendants", body = [OrgUnitView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/org-units/{id}/subtree")]
pub(crate) async fn subtree(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<Vec<OrgUnitView>>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ReadOrg)?;
    let unit = state.store.unit(id).await?.ok_or(ApiError::NotFound)?;
    let units = state.store.subtree(&unit.path).await?;
    Ok(web::Json(units.iter().map(views::unit).collect()))
}

/// Change an org unit
///
/// Admins change a unit's code, name, boundary or published contact. A unit does not move to another parent.
#[utoipa::path(
    operation_id = "update_org_unit",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The unit's id")),
    request_body = UpdateOrgUnit,
    responses(
        (status = 200, description = "The changed unit", body = OrgUnitView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/org-units/{id}")]
pub(crate) async fn update_unit(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<UpdateOrgUnit>,
) -> Result<web::Json<OrgUnitView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ManageOrg)?;
    let existing = state.store.unit(id).await?.ok_or(ApiError::NotFound)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let mut patch = UnitPatch {
        code: body
            .code
            .as_deref()
            .and_then(|c| validation::code(c).map_err(|e| errors.push(FieldError::pointer("/code", e))).ok()),
        name: body
            .name
            .as_deref()
            .and_then(|n| validation::line(n, 100).map_err(|e| errors.push(FieldError::pointer("/name", e))).ok()),
        ..UnitPatch::default()
    };
    if let Some(person) = &body.responsible_person {
        patch.responsible_person = Some(optional_text(person, "/responsible_person", &mut errors));
    }
    if let Some(phone) = &body.contact_phone {
        patch.contact_phone = Some(optional_phone(phone, "/contact_phone", &mut errors));
    }
    match &body.boundary {
        None => {}
        Some(Some(_)) if !existing.kind.may_have_boundary() => {
            errors.push(FieldError::pointer("/boundary", "only grids and communities have a boundary"));
        }
        Some(Some(g)) => match views::boundary(g, "/boundary") {
            Ok(b) => patch.boundary = Some(Some(b)),
            Err(e) => errors.push(e),
        },
        Some(None) => patch.boundary = Some(None),
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let at = now();
    let audit = NewAuditEntry::new(AuditAction::OrgUnitUpdated, at)
        .by(&auth.0)
        .target("org_unit", id)
        .from_addr(client_addr(&req));
    let unit = state.store.update_unit(id, &patch, at, audit).await.map_err(code_taken)?;
    state.units_changed().await;
    Ok(web::Json(views::unit(&unit)))
}
