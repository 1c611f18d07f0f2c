//! The `Auth` extractor: credentials → principal, or 401. An invalid token is
//! never treated as anonymous.

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use gridline_domain::identity::Principal;

use super::{secrets::token_hash, secrets::API_KEY_PREFIX, verify_access_token};
use crate::{error::ApiError, state::AppState};

/// The authenticated caller.
pub struct Auth(pub Principal);

#[derive(Clone)]
enum Credentials {
    Jwt(String),
    ApiKey(String),
}

fn credentials(req: &HttpRequest) -> Result<Credentials, ApiError> {
    if let Some(key) = req.headers().get("x-api-key") {
        let key = key.to_str().map_err(|_| ApiError::Unauthorized("the API key is not valid"))?;
        return Ok(Credentials::ApiKey(key.trim().to_owned()));
    }
    let value = req.headers().get(header::AUTHORIZATION).ok_or(ApiError::Unauthorized("credentials are required"))?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized("the Authorization header is not valid"))?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized("expected `Authorization: Bearer …`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized("expected `Authorization: Bearer …`"));
    }
    let token = token.trim();
    if token.starts_with(API_KEY_PREFIX) {
        Ok(Credentials::ApiKey(token.to_owned()))
    } else {
        Ok(Credentials::Jwt(token.to_owned()))
    }
}

/// A stream's caller: who, until when his token holds, and how to ask again
/// whether it still does (a session ended, a user deactivated, a key revoked).
pub(crate) struct StreamCaller {
    pub principal: Principal,
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
    credentials: Credentials,
}

impl StreamCaller {
    /// The bearer header, or `access_token` in the query for browsers'
    /// `EventSource`, which cannot set headers (paths are logged, queries never).
    pub(crate) async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Self, ApiError> {
        let from_query = || {
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.get("access_token").cloned())
        };
        let credentials = match credentials(req) {
            Ok(c) => c,
            Err(e) => match from_query() {
                Some(token) if token.starts_with(API_KEY_PREFIX) => Credentials::ApiKey(token),
                Some(token) => Credentials::Jwt(token),
                None => return Err(e),
            },
        };
        let expires = match &credentials {
            Credentials::Jwt(token) => {
                let now = gridline_domain::time::now();
                verify_access_token(&state.keys, &state.auth, token, now)
                    .ok()
                    .and_then(|c| chrono::DateTime::from_timestamp(c.exp, 0))
            }
            Credentials::ApiKey(_) => None,
        };
        let principal = authenticate(state, credentials.clone()).await?;
        Ok(Self { principal, expires, credentials })
    }

    /// Whether the credentials still hold.
    pub(crate) async fn still_valid(&self, state: &AppState) -> bool {
        authenticate(state, self.credentials.clone()).await.is_ok()
    }
}

async fn authenticate(state: &AppState, credentials: Credentials) -> Result<Principal, ApiError> {
    let now = gridline_domain::time::now();
    match credentials {
        Credentials::Jwt(token) => {
            let claims = match state.verified_tokens.get(&token, now) {
                Some(c) => c,
                None => {
                    let claims = match verify_access_token(&state.keys, &state.auth, &token, now) {
                        Ok(c) => c,
                        Err(super::tokens::TokenError::UnknownKey) if state.reload_keys_if_stale().await => {
                            verify_access_token(&state.keys, &state.auth, &token, now)
                                .map_err(|_| ApiError::Unauthorized("the access token is not valid"))?
                        }
                        Err(_) => return Err(ApiError::Unauthorized("the access token is not valid")),
                    };
                    state.verified_tokens.put(&token, &claims);
                    claims
                }
            };
            state
                .store
                .user_principal(claims.sub, claims.sid, now)
                .await?
                .ok_or(ApiError::Unauthorized("the session has ended or the account is inactive"))
        }
        Credentials::ApiKey(key) => {
            if !key.starts_with(API_KEY_PREFIX) {
                return Err(ApiError::Unauthorized("the API key is not valid"));
            }
            state
                .store
                .api_key_principal(&token_hash(&key), now)
                .await?
                .ok_or(ApiError::Unauthorized("the API key is not valid"))
        }
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credentials = credentials(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state is missing")))?;
            let principal = authenticate(&state, credentials?).await?;
            Ok(Auth(principal))
        })
    }
}
