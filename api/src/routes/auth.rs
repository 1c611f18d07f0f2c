//! Login, refresh, logout, and the public signing keys.

use actix_web::{get, http::header, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    auth::{NewSession, RefreshOutcome},
    time::now,
};
use gridline_openapi::{
    auth::{Jwks, LoginRequest, RefreshRequest, TokenResponse},
    Problem,
};
use uuid::Uuid;

use super::client_addr;
use crate::{
    auth::{
        issue_access_token,
        secrets::{opaque_token, token_hash, REFRESH_PREFIX},
        LoginThrottle,
    },
    error::ApiError,
    extract::ValidJson,
    state::AppState,
};

fn tokens(state: &AppState, user_id: Uuid, session_id: Uuid, refresh_token: String) -> Result<HttpResponse, ApiError> {
    let access_token =
        issue_access_token(&state.keys, &state.auth, user_id, session_id, now()).map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.auth.access_ttl.as_secs(),
        refresh_token,
    }))
}

/// Log in with a username and password
///
/// Answers an access token (a JWT for `Authorization: Bearer`) and a refresh token. A wrong username and a
/// wrong password get the same answer in the same time. Repeated failures lock the account and the client
/// address for a while (429 with `Retry-After`).
#[utoipa::path(
    operation_id = "log_in",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong username or password, or an inactive account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a login request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/login")]
pub(crate) async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    let at = now();
    let addr = client_addr(&req);
    let throttle = LoginThrottle::login(&*state.store, &state.auth, &body.username, addr.as_deref());
    let attempt = |action| {
        let mut entry = NewAuditEntry::new(action, at).from_addr(addr.clone());
        entry.actor_label = body.username.chars().take(64).collect();
        entry
    };
    let last_attempt = match throttle.admit(at).await {
        Ok(last) => last,
        Err(refused) => {
            if matches!(refused, ApiError::TooManyRequests { .. }) {
                state.store.append(attempt(AuditAction::LoginThrottled)).await?;
            }
            return Err(refused);
        }
    };
    let (user, hash) = match state.store.user_with_hash(&body.username).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matched = match state.passwords.verify(body.password, hash).await {
        Ok(matched) => matched,
        Err(busy) => {
            throttle.give_back().await?;
            return Err(busy);
        }
    };
    match user {
        Some(user) if matched && user.active => {
            throttle.record_success().await?;
            let session = NewSession {
                id: Uuid::now_v7(),
                user_id: user.id,
                created_at: at,
                expires_at: at
                    + chrono::Duration::from_std(state.auth.refresh_ttl).unwrap_or(chrono::Duration::days(30)),
            };
            let refresh_token = opaque_token(REFRESH_PREFIX);
            let mut audit = attempt(AuditAction::LoginSucceeded).target("user", user.id);
            audit.actor_user_id = Some(user.id);
            state.store.create_session(&session, &token_hash(&refresh_token), audit).await?;
            tokens(&state, user.id, session.id, refresh_token)
        }
        _ => {
            throttle.record_failure(at).await?;
            state.store.append(attempt(AuditAction::LoginFailed).detail("locked_out", last_attempt)).await?;
            Err(ApiError::InvalidCredentials)
        }
    }
}

/// Exchange a refresh token for new tokens
///
/// Each refresh token works once; presenting a used one again revokes the whole session (its family), since
/// it means the token was stolen.
#[utoipa::path(
    operation_id = "refresh_token",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the presented refresh token is used up", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/auth/refresh")]
pub(crate) async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    let at = now();
    let replacement = opaque_token(REFRESH_PREFIX);
    match state.store.rotate_refresh(&token_hash(&body.refresh_token), &token_hash(&replacement), at).await? {
        RefreshOutcome::Rotated { user_id, session_id } => tokens(&state, user_id, session_id, replacement),
        RefreshOutcome::Reused { user_id, session_id } => {
            let mut audit = NewAuditEntry::new(AuditAction::TokenFamilyRevoked, at)
                .target("session", session_id)
                .from_addr(client_addr(&req))
                .detail("reason", "refresh token reused");
            audit.actor_user_id = Some(user_id);
            state.store.append(audit).await?;
            Err(ApiError::Unauthorized("the refresh token was already used; the session is revoked"))
        }
        RefreshOutcome::Invalid => Err(ApiError::Unauthorized("the refresh token is not valid")),
    }
}

/// Log out (end a session)
///
/// Ends the session the refresh token belongs to. Answers 204 whether or not the token was valid, so it tells
/// nothing about tokens.
#[utoipa::path(
    operation_id = "log_out",
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "The session is over"))
)]
#[post("/api/v1/auth/logout")]
pub(crate) async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.parse()?;
    let at = now();
    let audit = NewAuditEntry::new(AuditAction::LoggedOut, at).from_addr(client_addr(&req));
    state.store.revoke_by_refresh(&token_hash(&body.refresh_token), at, audit).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Get the token signing keys
///
/// The public keys access tokens are signed with (RFC 7517), for services that verify Gridline's tokens
/// themselves. During a key rotation both the new and the previous key are listed.
#[utoipa::path(
    operation_id = "get_jwks",tag = "auth", responses((status = 200, description = "The key set", body = Jwks)))]
#[get("/.well-known/jwks.json")]
pub(crate) async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "max-age=60")).json(Jwks { keys: state.keys.jwks() })
}
