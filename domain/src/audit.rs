//! The append-only audit trail of security and admin actions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::identity::{Actor, Principal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    LoginSucceeded,
    LoginFailed,
    LoginThrottled,
    TokenFamilyRevoked,
    LoggedOut,
    PasswordChanged,
    PasswordChangeFailed,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    UserActivated,
    RoleGranted,
    RoleRevoked,
    ApiKeyCreated,
    ApiKeyRevoked,
    SigningKeyRotated,
    OrgUnitCreated,
    OrgUnitUpdated,
    GridsImported,
    DepartmentCreated,
    DepartmentUpdated,
    CategoryChanged,
    /// The working calendar or the stage time limits.
    SettingsChanged,
    /// Cases exported as CSV or GeoJSON: who, with which filters, how many rows.
    CasesExported,
    /// A webhook subscription registered, changed or removed.
    WebhookChanged,
    /// A webhook subscription turned off by the platform: its deliveries failed for three days.
    WebhookDisabled,
}

impl AuditAction {
    pub const ALL: [Self; 26] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::LoginThrottled,
        Self::TokenFamilyRevoked,
        Self::LoggedOut,
        Self::PasswordChanged,
        Self::PasswordChangeFailed,
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDeactivated,
        Self::UserActivated,
        Self::RoleGranted,
        Self::RoleRevoked,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::SigningKeyRotated,
        Self::OrgUnitCreated,
        Self::OrgUnitUpdated,
        Self::GridsImported,
        Self::DepartmentCreated,
        Self::DepartmentUpdated,
        Self::CategoryChanged,
        Self::SettingsChanged,
        Self::CasesExported,
        Self::WebhookChanged,
        Self::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::LoginThrottled => "login_throttled",
            Self::TokenFamilyRevoked => "token_family_revoked",
            Self::LoggedOut => "logged_out",
            Self::PasswordChanged => "password_changed",
            Self::PasswordChangeFailed => "password_change_failed",
            Self::UserCreated => "user_created",
            Self::UserUpdated => "user_updated",
            Self::UserDeactivated => "user_deactivated",
            Self::UserActivated => "user_activated",
            Self::RoleGranted => "role_granted",
            Self::RoleRevoked => "role_revoked",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::SigningKeyRotated => "signing_key_rotated",
            Self::OrgUnitCreated => "org_unit_created",
            Self::OrgUnitUpdated => "org_unit_updated",
            Self::GridsImported => "grids_imported",
            Self::DepartmentCreated => "department_created",
            Self::DepartmentUpdated => "department_updated",
            Self::CategoryChanged => "category_changed",
            Self::SettingsChanged => "settings_changed",
            Self::CasesExported => "cases_exported",
            Self::WebhookChanged => "webhook_changed",
            Self::WebhookDisabled => "webhook_disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One entry to append. `details` never holds a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    /// Who acted, readable: a username, `api-key:<name>`, `system`, or the
    /// username tried at a failed login.
    pub actor_label: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub client_addr: Option<String>,
    pub details: BTreeMap<String, String>,
}

impl NewAuditEntry {
    pub fn new(action: AuditAction, at: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            at,
            action,
            actor_user_id: None,
            actor_api_key_id: None,
            actor_label: "system".into(),
            target_type: None,
            target_id: None,
            client_addr: None,
            details: BTreeMap::new(),
        }
    }

    pub fn by(mut self, principal: &Principal) -> Self {
        match &principal.actor {
            Actor::User { id, .. } => self.actor_user_id = Some(*id),
            Actor::ApiKey { id, .. } => self.actor_api_key_id = Some(*id),
        }
        self.actor_label = principal.label();
        self
    }

    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target_id = Some(id.to_string());
        self
    }

    pub fn from_addr(mut self, addr: Option<String>) -> Self {
        self.client_addr = addr;
        self
    }

    pub fn detail(mut self, key: &str, value: impl ToString) -> Self {
        self.details.insert(key.to_owned(), value.to_string());
        self
    }
}

/// A stored entry, with its place in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    pub entry: NewAuditEntry,
}
