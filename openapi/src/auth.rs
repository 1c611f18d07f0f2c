//! Logging in, refreshing and logging out; one's own account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::users::{GrantView, UserView};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::log_in)]
pub struct LoginRequest {
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 256)]
    pub password: String,
}

/// The OAuth 2.0 token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A signed JWT (`typ: at+jwt`) to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque; exchange it at `/api/v1/auth/refresh`. Each is good for one use.
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::refresh)]
pub struct RefreshRequest {
    #[schema(max_length = 512)]
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::password_change)]
pub struct PasswordChange {
    #[schema(max_length = 256)]
    pub current_password: String,
    /// At least 8 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub new_password: String,
}

/// The caller and what he may do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    pub grants: Vec<GrantView>,
    /// 公示: whether the caller is listed, with `work_phone`, on the public page of the grids he works in.
    pub public_listing: bool,
    /// The phone shown on the public page (never `user.phone`).
    pub work_phone: Option<String>,
}

/// What the caller changes of his own account; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_me)]
pub struct UpdateMe {
    /// `true`: listed on the public page of the grids he works in (公示); off by default.
    pub public_listing: Option<bool>,
    /// The work phone shown there; `null` clears it.
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub work_phone: Option<Option<String>>,
}

/// A JSON Web Key Set (RFC 7517) of the token-signing keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}
