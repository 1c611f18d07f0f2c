//! Access tokens: short-lived JWTs (RFC 9068 profile, `typ: at+jwt`), signed
//! with EdDSA. Verification pins the algorithm and requires and checks every
//! registered claim, with a small explicit leeway.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::KeyRing;
use crate::config::AuthSettings;

/// `aud` of every access token.
pub const AUDIENCE: &str = "gridline-api";
/// Clock skew tolerated between nodes and clients, in seconds.
pub const LEEWAY_SECS: u64 = 10;
const TYP: &str = "at+jwt";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    /// The session (refresh-token family) the token was issued under.
    pub sid: Uuid,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: Uuid,
}

/// Signs an access token for `user_id` under `session_id`.
///
/// # Errors
/// When there is no signing key or signing fails.
pub fn issue_access_token(
    keys: &KeyRing,
    auth: &AuthSettings,
    user_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let (kid, key) = keys.signer().ok_or_else(|| anyhow::anyhow!("no signing key is loaded"))?;
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(TYP.into());
    header.kid = Some(kid);
    let iat = now.timestamp();
    let claims = AccessClaims {
        iss: auth.issuer.clone(),
        aud: AUDIENCE.into(),
        sub: user_id,
        sid: session_id,
        exp: iat + auth.access_ttl.as_secs() as i64,
        nbf: iat,
        iat,
        jti: Uuid::new_v4(),
    };
    Ok(jsonwebtoken::encode(&header, &claims, &key)?)
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not an access token")]
    WrongType,
    #[error("the token was signed by an unknown key")]
    UnknownKey,
    #[error("the token was issued in the future")]
    IssuedInFuture,
    #[error("{0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// Checks signature, algorithm, `typ`, `exp`, `nbf`, `iat`, `iss` and `aud`.
///
/// # Errors
/// The first check that fails.
pub fn verify_access_token(
    keys: &KeyRing,
    auth: &AuthSettings,
    token: &str,
    now: DateTime<Utc>,
) -> Result<AccessClaims, TokenError> {
    let header = jsonwebtoken::decode_header(token)?;
    if header.alg != Algorithm::EdDSA || !header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(TYP)) {
        return Err(TokenError::WrongType);
    }
    let key = header.kid.as_deref().and_then(|kid| keys.verifier(kid)).ok_or(TokenError::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_issuer(&[auth.issuer.as_str()]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
    let data = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)?;
    if data.claims.iat > now.timestamp() + LEEWAY_SECS as i64 {
        return Err(TokenError::IssuedInFuture);
    }
    Ok(data.claims)
}
