//! The caller's own account.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    identity::Actor,
    policy::Action,
    time::now,
    validation,
};
use gridline_openapi::{
    auth::{MeView, PasswordChange, UpdateMe},
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
    me_view(&state, &auth, id).await.map(web::Json)
}

async fn me_view(state: &AppState, auth: &Auth, id: uuid::Uuid) -> Result<MeView, ApiError> {
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    let listing = state.store.public_listing(id).await?;
    Ok(MeView {
        user: views::user(&user),
        grants: auth.0.grants.iter().map(views::grant).collect(),
        public_listing: listing.listed,
        work_phone: listing.work_phone,
    })
}

/// Change what the public sees of the caller (公示)
///
/// `public_listing: true` lists the caller, with his display name and `work_phone`, on the public page of the
/// grids he works in as a grid worker (`GET /public/v1/grids/{code}`); off by default. His own `phone` is never
/// shown there.
#[utoipa::path(
    operation_id = "update_me",
    tag = "me",
    security(("bearer" = [])),
    request_body = UpdateMe,
    responses(
        (status = 200, description = "The caller, changed", body = MeView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/api/v1/me")]
pub(crate) async fn update_me(
    auth: Auth,
    state: web::Data<AppState>,
    body: ValidJson<UpdateMe>,
) -> Result<web::Json<MeView>, ApiError> {
    require(&auth.0, Action::OwnAccount)?;
    let id = auth.0.user_id().ok_or(ApiError::NotFound)?;
    let body = body.parse()?;
    let mut listing = state.store.public_listing(id).await?;
    if let Some(listed) = body.public_listing {
        listing.listed = listed;
    }
    if let Some(phone) = body.work_phone {
        listing.work_phone =
            phone.as_deref().map(validation::phone).transpose().map_err(|e| ApiError::field("/work_phone", e))?;
    }
    state.store.set_public_listing(id, &listing, now()).await?;
    me_view(&state, &auth, id).await.map(web::Json)
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
