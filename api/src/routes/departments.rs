//! Departments (职能部门) and the territory each serves.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    org::Department,
    policy::Action,
    ports::DepartmentPatch,
    time::now,
    validation,
};
use gridline_openapi::{
    org::{CreateDepartment, DepartmentQuery, DepartmentView, UpdateDepartment},
    FieldError, Problem,
};
use uuid::Uuid;

use super::{
    client_addr,
    org_units::{code_taken, optional_phone, optional_text},
};
use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{path_uuid, ValidJson, ValidQuery},
    state::AppState,
    views,
};

/// List departments
///
/// Departments (职能部门, property companies), optionally of one kind.
#[utoipa::path(
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(DepartmentQuery),
    responses(
        (status = 200, description = "The departments", body = [DepartmentView]),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/departments")]
pub(crate) async fn list_departments(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<DepartmentQuery>,
) -> Result<web::Json<Vec<DepartmentView>>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    let query = query.parse()?;
    Ok(web::Json(state.store.departments(query.kind.map(Into::into)).await?.iter().map(views::department).collect()))
}

/// Create a department
///
/// Admins create a department serving an org unit's territory: a district bureau serves the whole district, a
/// property company its community.
#[utoipa::path(
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    request_body = CreateDepartment,
    responses(
        (status = 201, description = "Created", body = DepartmentView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/departments")]
pub(crate) async fn create_department(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateDepartment>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let code = validation::code(&body.code).map_err(|e| errors.push(FieldError::pointer("/code", e))).ok();
    let name = validation::line(&body.name, 100).map_err(|e| errors.push(FieldError::pointer("/name", e))).ok();
    let person = optional_text(&body.responsible_person, "/responsible_person", &mut errors);
    let phone = optional_phone(&body.contact_phone, "/contact_phone", &mut errors);
    let unit = state.store.unit(body.unit_id).await?;
    if unit.is_none() {
        errors.push(FieldError::pointer("/unit_id", "no such org unit"));
    }
    let (Some(code), Some(name), Some(unit), true) = (code, name, unit, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let at = now();
    let dept = Department {
        id: Uuid::now_v7(),
        kind: body.kind.into(),
        code,
        name,
        unit_id: unit.id,
        unit_path: unit.path,
        responsible_person: person,
        contact_phone: phone,
        created_at: at,
        updated_at: at,
    };
    let audit = NewAuditEntry::new(AuditAction::DepartmentCreated, at)
        .by(&auth.0)
        .target("department", dept.id)
        .detail("code", &dept.code)
        .from_addr(client_addr(&req));
    state.store.create_department(&dept, audit).await.map_err(code_taken)?;
    state.reference_changed().await;
    Ok(HttpResponse::Created().json(views::department(&dept)))
}

/// Get a department
///
/// One department, with its published contact.
#[utoipa::path(
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The department's id")),
    responses(
        (status = 200, description = "The department", body = DepartmentView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/departments/{id}")]
pub(crate) async fn get_department(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<DepartmentView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ReadOrg)?;
    let dept = state.store.department(id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(views::department(&dept)))
}

/// Change a department
///
/// Admins change a department's kind, code, name or published contact.
#[utoipa::path(
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The department's id")),
    request_body = UpdateDepartment,
    responses(
        (status = 200, description = "The changed department", body = DepartmentView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/departments/{id}")]
pub(crate) async fn update_department(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<UpdateDepartment>,
) -> Result<web::Json<DepartmentView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ManageOrg)?;
    state.store.department(id).await?.ok_or(ApiError::NotFound)?;
    let body = body.parse()?;
    let mut errors = Vec::new();
    let mut patch = DepartmentPatch {
        kind: body.kind.map(Into::into),
        code: body
            .code
            .as_deref()
            .and_then(|c| validation::code(c).map_err(|e| errors.push(FieldError::pointer("/code", e))).ok()),
        name: body
            .name
            .as_deref()
            .and_then(|n| validation::line(n, 100).map_err(|e| errors.push(FieldError::pointer("/name", e))).ok()),
        ..DepartmentPatch::default()
    };
    if let Some(person) = &body.responsible_person {
        patch.responsible_person = Some(optional_text(person, "/responsible_person", &mut errors));
    }
    if let Some(phone) = &body.contact_phone {
        patch.contact_phone = Some(optional_phone(phone, "/contact_phone", &mut errors));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let at = now();
    let audit = NewAuditEntry::new(AuditAction::DepartmentUpdated, at)
        .by(&auth.0)
        .target("department", id)
        .from_addr(client_addr(&req));
    let dept = state.store.update_department(id, &patch, at, audit).await.map_err(code_taken)?;
    state.reference_changed().await;
    Ok(web::Json(views::department(&dept)))
}
