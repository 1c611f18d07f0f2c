//! Credentials at rest: sessions (refresh-token families), API keys, signing
//! keys and login throttling. Secrets are never stored, only their hashes (or,
//! for signing keys, the private part encrypted).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::identity::{Role, Scope};

/// A login: the family of refresh tokens rotated from one password login.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq)]
pub enum RefreshOutcome {
    /// The token was current: it is now used, and the new one stored.
    Rotated { user_id: Uuid, session_id: Uuid },
    /// The token had already been rotated: its whole family is now revoked.
    Reused { user_id: Uuid, session_id: Uuid },
    /// Unknown, expired, or its family revoked.
    Invalid,
}

/// An API key as listed (its secret is never stored or shown again).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// The first characters of the key, to recognise it in a list.
    pub prefix: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new key: the scope by id; the store resolves it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApiKey {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub prefix: String,
    pub key_hash: Vec<u8>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A token-signing key. Every node signs with the newest and verifies with
/// any not retired longer ago than a token lives.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    /// The Ed25519 public key, 32 bytes.
    pub public_key: Vec<u8>,
    /// The private key (PKCS#8), encrypted under the configured secret.
    pub private_key_encrypted: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Failed logins counted for one key (`user:<name>` or `addr:<ip>`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub failures: i64,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}
