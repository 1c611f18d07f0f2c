//! Role grants, for admins.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    policy::Action,
    ports::NewGrant,
    time::now,
    RepoError, Taken,
};
use gridline_openapi::{
    users::{CreateGrant, GrantView},
    Problem,
};
use uuid::Uuid;

use super::{client_addr, scope::checked_scope};
use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{path_uuid, ValidJson},
    state::AppState,
    views,
};

/// List a user's role grants
///
/// A user's grants: each a role over a scope (an org unit or a department).
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The grants", body = [GrantView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/users/{id}/roles")]
pub(crate) async fn list_grants(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<Vec<GrantView>>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ReadUser(id))?;
    state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(state.store.grants(id).await?.iter().map(views::grant).collect()))
}

/// Grant a role
///
/// Admins grant a user a role over a scope. Takes effect on every node at once, also for access tokens
/// already issued.
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = CreateGrant,
    responses(
        (status = 201, description = "Granted", body = GrantView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user already has this grant", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The scope does not fit the role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/users/{id}/roles")]
pub(crate) async fn grant_role(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateGrant>,
) -> Result<HttpResponse, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ChangeUser(id))?;
    let body = body.parse()?;
    state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    let (role, unit_id, department_id) =
        checked_scope(&*state.store, body.role.into(), body.unit_id, body.department_id).await?;
    let at = now();
    let grant =
        NewGrant { id: Uuid::now_v7(), user_id: id, role, unit_id, department_id, created_by: auth.0.user_id(), at };
    let mut audit = NewAuditEntry::new(AuditAction::RoleGranted, at)
        .by(&auth.0)
        .target("user", id)
        .detail("role", role.as_str())
        .detail("grant_id", grant.id)
        .from_addr(client_addr(&req));
    if let Some(u) = unit_id {
        audit = audit.detail("unit_id", u);
    }
    if let Some(d) = department_id {
        audit = audit.detail("department_id", d);
    }
    let created = state.store.add_grant(&grant, audit).await.map_err(|e| match e {
        RepoError::Duplicate(Taken::Grant) => ApiError::Conflict {
            code: "grant_exists",
            detail: "the user already holds this role over this scope".into(),
            errors: Vec::new(),
        },
        other => other.into(),
    })?;
    Ok(HttpResponse::Created().json(views::grant(&created)))
}

/// Revoke a role grant
///
/// Revokes a grant, on every node at once, also for access tokens already issued.
#[utoipa::path(
    tag = "users",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("grant_id" = Uuid, Path, description = "The grant's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user or grant", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/users/{id}/roles/{grant_id}")]
pub(crate) async fn revoke_role(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path_uuid(&req, "id")?;
    let grant_id = path_uuid(&req, "grant_id")?;
    require(&auth.0, Action::ChangeUser(id))?;
    let audit = NewAuditEntry::new(AuditAction::RoleRevoked, now())
        .by(&auth.0)
        .target("user", id)
        .detail("grant_id", grant_id)
        .from_addr(client_addr(&req));
    state.store.remove_grant(id, grant_id, audit).await?;
    Ok(HttpResponse::NoContent().finish())
}
