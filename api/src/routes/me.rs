//! The caller's own account.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    identity::Actor,
    policy::Action,
    time::now,
    validation,
};
use gridline_openapi::{
    auth::{MeView, PasswordChange},
    Problem,
};

use super::client_addr;
use crate::{
    auth::{require, Auth, LoginThrottle},
    error::ApiError,
    extract::ValidJson,
    state::AppState,
    views,
};

/// Get the caller's account
///
/// The caller's account and role grants, as the apps show them after login.
#[utoipa::path(
    operation_id = "get_me",
    tag = "me",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The caller", body = MeView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me")]
pub(crate) async fn me(auth: Auth, state: web::Data<AppState>) -> Result<web::Json<MeView>, ApiError> {
    require(&auth.0, Action::OwnAccount)?;
    let id = auth.0.user_id().ok_or(ApiError::NotFound)?;
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(MeView { user: views::user(&user), grants: auth.0.grants.iter().map(views::grant).collect() }))
}

/// Change the caller's password
///
/// Needs the current password. Every other session of the caller ends; the one that asked keeps working.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The current password is wrong, or the new one too weak", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/me/password")]
pub(crate) async fn change_password(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    require(&auth.0, Action::OwnAccount)?;
    let body = body.parse()?;
    let Actor::User { id, session_id, .. } = auth.0.actor else { return Err(ApiError::NotFound) };
    validation::password(&body.new_password).map_err(|e| ApiError::field("/new_password", e))?;
    let at = now();
    let throttle = LoginThrottle::password_change(&*state.store, &state.auth, id);
    let last_attempt = throttle.admit(at).await?;
    let current = state.store.password_hash(id).await?;
    let matched = match state.passwords.verify(body.current_password, current).await {
        Ok(matched) => matched,
        Err(busy) => {
            throttle.give_back().await?;
            return Err(busy);
        }
    };
    if !matched {
        throttle.record_failure(at).await?;
        let failed = NewAuditEntry::new(AuditAction::PasswordChangeFailed, at)
            .by(&auth.0)
            .target("user", id)
            .from_addr(client_addr(&req))
            .detail("locked_out", last_attempt);
        state.store.append(failed).await?;
        return Err(ApiError::field("/current_password", "is not your current password"));
    }
    throttle.record_success().await?;
    let hash = state.passwords.hash(body.new_password).await?;
    let audit = NewAuditEntry::new(AuditAction::PasswordChanged, at)
        .by(&auth.0)
        .target("user", id)
        .from_addr(client_addr(&req));
    state.store.set_password(id, &hash, session_id, at, audit).await?;
    Ok(HttpResponse::NoContent().finish())
}
