//! API keys and the audit log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::values::{AuditAction, Role};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::create_api_key)]
pub struct CreateApiKey {
    #[schema(max_length = 100)]
    pub name: String,
    /// The role the key acts with, scoped like a user's grant.
    pub role: Role,
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    #[serde(default)]
    pub department_id: Option<Uuid>,
}

/// The new key. `key` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    pub api_key: ApiKeyView,
    /// Send as `Authorization: Bearer …` or `X-API-Key: …`.
    pub key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// The entry's place in the log; page with `after`.
    pub seq: i64,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    pub actor_label: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub client_addr: Option<String>,
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries of this action.
    pub action: Option<AuditAction>,
    /// Only entries after this `seq`.
    pub after: Option<i64>,
    /// 1 to 1000; default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}
