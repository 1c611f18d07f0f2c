//! API keys for integrations and scripts, for admins.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    auth::NewApiKey,
    policy::Action,
    time::now,
    validation,
};
use gridline_openapi::{
    admin::{ApiKeyView, CreateApiKey, CreatedApiKey},
    Problem,
};
use uuid::Uuid;

use super::{client_addr, scope::checked_scope};
use crate::{
    auth::{
        require,
        secrets::{opaque_token, token_hash, API_KEY_PREFIX},
        Auth,
    },
    error::ApiError,
    extract::{path_uuid, ValidJson},
    state::AppState,
    views,
};

/// List API keys
///
/// Every API key, revoked ones included, for admins; never their secrets.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The keys", body = [ApiKeyView]),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/api-keys")]
pub(crate) async fn list_api_keys(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<ApiKeyView>>, ApiError> {
    require(&auth.0, Action::ManageApiKeys)?;
    Ok(web::Json(state.store.api_keys().await?.iter().map(views::api_key).collect()))
}

/// Create an API key
///
/// Admins create a key for an integration (a 12345 hotline, a city platform) acting with one role over one
/// scope. The key is in this answer only: it is stored hashed and cannot be shown again. Send it as `X-API-
/// Key` or as `Authorization: Bearer`.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "Created; keep `key` now", body = CreatedApiKey),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/api-keys")]
pub(crate) async fn create_api_key(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::ManageApiKeys)?;
    let body = body.parse()?;
    let name = validation::line(&body.name, 100).map_err(|e| ApiError::field("/name", e))?;
    let (role, unit_id, department_id) =
        checked_scope(&*state.store, body.role.into(), body.unit_id, body.department_id).await?;
    let secret = opaque_token(API_KEY_PREFIX);
    let at = now();
    let key = NewApiKey {
        id: Uuid::now_v7(),
        name,
        role,
        unit_id,
        department_id,
        prefix: secret.chars().take(API_KEY_PREFIX.len() + 6).collect(),
        key_hash: token_hash(&secret),
        created_by: auth.0.user_id(),
        created_at: at,
    };
    let audit = NewAuditEntry::new(AuditAction::ApiKeyCreated, at)
        .by(&auth.0)
        .target("api_key", key.id)
        .detail("name", &key.name)
        .detail("role", role.as_str())
        .from_addr(client_addr(&req));
    let created = state.store.create_api_key(&key, audit).await?;
    state.reference_changed().await;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiKey { api_key: views::api_key(&created), key: secret }))
}

/// Revoke an API key
///
/// Revokes a key at once, on every node.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The revoked key", body = ApiKeyView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/api-keys/{id}")]
pub(crate) async fn revoke_api_key(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<ApiKeyView>, ApiError> {
    let id = path_uuid(&req, "id")?;
    require(&auth.0, Action::ManageApiKeys)?;
    let at = now();
    let audit = NewAuditEntry::new(AuditAction::ApiKeyRevoked, at)
        .by(&auth.0)
        .target("api_key", id)
        .from_addr(client_addr(&req));
    let key = state.store.revoke_api_key(id, at, audit).await?;
    Ok(web::Json(views::api_key(&key)))
}
