//! Rows as both backends return them, and their conversion into domain values.

use gridline_domain::{
    audit::{AuditAction, AuditEntry, NewAuditEntry},
    auth::{ApiKey, SigningKey, Throttle},
    identity::{Grant, Role, Scope, User},
    org::{Department, DepartmentKind, OrgKind, OrgUnit},
    RepoError,
};
use uuid::Uuid;

use crate::{geojson, types::Ts};

fn corrupt(what: &str, value: &str) -> RepoError {
    RepoError::Unknown(anyhow::anyhow!("stored {what} '{value}' is not valid"))
}

pub(crate) const UNIT_COLUMNS: &str =
    "id, kind, code, name, parent_id, path, boundary, responsible_person, contact_phone, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: Uuid,
    kind: String,
    code: String,
    name: String,
    parent_id: Option<Uuid>,
    path: String,
    boundary: Option<String>,
    responsible_person: Option<String>,
    contact_phone: Option<String>,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<UnitRow> for OrgUnit {
    type Error = RepoError;

    fn try_from(r: UnitRow) -> Result<Self, RepoError> {
        Ok(Self {
            id: r.id,
            kind: OrgKind::parse(&r.kind).ok_or_else(|| corrupt("org kind", &r.kind))?,
            code: r.code,
            name: r.name,
            parent_id: r.parent_id,
            path: r.path,
            boundary: r.boundary.as_deref().map(geojson::decode).transpose().map_err(RepoError::Unknown)?,
            responsible_person: r.responsible_person,
            contact_phone: r.contact_phone,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

pub(crate) const DEPARTMENT_COLUMNS: &str = "d.id, d.kind, d.code, d.name, d.unit_id, u.path AS unit_path, \
     d.responsible_person, d.contact_phone, d.created_at, d.updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    id: Uuid,
    kind: String,
    code: String,
    name: String,
    unit_id: Uuid,
    unit_path: String,
    responsible_person: Option<String>,
    contact_phone: Option<String>,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<DepartmentRow> for Department {
    type Error = RepoError;

    fn try_from(r: DepartmentRow) -> Result<Self, RepoError> {
        Ok(Self {
            id: r.id,
            kind: DepartmentKind::parse(&r.kind).ok_or_else(|| corrupt("department kind", &r.kind))?,
            code: r.code,
            name: r.name,
            unit_id: r.unit_id,
            unit_path: r.unit_path,
            responsible_person: r.responsible_person,
            contact_phone: r.contact_phone,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// A 公示 listing: a user's choice, or a listed grid worker (`display_name`).
#[derive(sqlx::FromRow)]
pub(crate) struct ListingRow {
    pub(crate) display_name: String,
    pub(crate) listed: bool,
    pub(crate) work_phone: Option<String>,
}

pub(crate) const USER_COLUMNS: &str = "id, username, display_name, phone, active, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    username: String,
    display_name: String,
    phone: Option<String>,
    active: bool,
    created_at: Ts,
    updated_at: Ts,
}

/// A user and his password hash, for logging in.
#[derive(sqlx::FromRow)]
pub(crate) struct UserWithHashRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            phone: r.phone,
            active: r.active,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

/// A grant or an API key's scope, with the unit paths needed to scope it.
/// Select as `… role, unit_id, ou.kind AS unit_kind, ou.path AS unit_path,
/// department_id, du.path AS department_unit_path` with the joins in [`SCOPE_JOINS`].
#[derive(sqlx::FromRow)]
pub(crate) struct ScopeRow {
    pub id: Uuid,
    role: String,
    unit_id: Option<Uuid>,
    unit_kind: Option<String>,
    unit_path: Option<String>,
    department_id: Option<Uuid>,
    department_unit_path: Option<String>,
}

/// Joins resolving `<alias>.unit_id` and `<alias>.department_id` (alias `g`).
pub(crate) const SCOPE_JOINS: &str = "LEFT JOIN org_units ou ON ou.id = g.unit_id \
     LEFT JOIN departments d ON d.id = g.department_id \
     LEFT JOIN org_units du ON du.id = d.unit_id";

pub(crate) const SCOPE_COLUMNS: &str = "g.id, g.role, g.unit_id, ou.kind AS unit_kind, ou.path AS unit_path, \
     g.department_id, du.path AS department_unit_path";

impl ScopeRow {
    pub(crate) fn role(&self) -> Result<Role, RepoError> {
        Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))
    }

    pub(crate) fn scope(&self) -> Result<Scope, RepoError> {
        match (self.unit_id, &self.unit_kind, &self.unit_path, self.department_id, &self.department_unit_path) {
            (Some(id), Some(kind), Some(path), _, _) => Ok(Scope::Unit {
                id,
                kind: OrgKind::parse(kind).ok_or_else(|| corrupt("org kind", kind))?,
                path: path.clone(),
            }),
            (_, _, _, Some(id), Some(unit_path)) => Ok(Scope::Department { id, unit_path: unit_path.clone() }),
            _ => Ok(Scope::Global),
        }
    }

    pub(crate) fn grant(&self) -> Result<Grant, RepoError> {
        Ok(Grant { id: self.id, role: self.role()?, scope: self.scope()? })
    }
}

/// [`SCOPE_COLUMNS`] under other names, for a LEFT JOIN that may find no grant.
pub(crate) const OPTIONAL_SCOPE_COLUMNS: &str = "g.id AS grant_id, g.role AS grant_role, g.unit_id AS grant_unit_id, \
     ou.kind AS unit_kind, ou.path AS unit_path, g.department_id AS grant_department_id, \
     du.path AS department_unit_path";

/// A user with one of his grants (or none), as the principal query returns it.
#[derive(sqlx::FromRow)]
pub(crate) struct PrincipalRow {
    pub username: String,
    grant_id: Option<Uuid>,
    grant_role: Option<String>,
    grant_unit_id: Option<Uuid>,
    unit_kind: Option<String>,
    unit_path: Option<String>,
    grant_department_id: Option<Uuid>,
    department_unit_path: Option<String>,
}

impl PrincipalRow {
    pub(crate) fn grant(&self) -> Option<Result<Grant, RepoError>> {
        let (id, role) = (self.grant_id?, self.grant_role.clone()?);
        let scope = ScopeRow {
            id,
            role,
            unit_id: self.grant_unit_id,
            unit_kind: self.unit_kind.clone(),
            unit_path: self.unit_path.clone(),
            department_id: self.grant_department_id,
            department_unit_path: self.department_unit_path.clone(),
        };
        Some(scope.grant())
    }
}

pub(crate) const API_KEY_COLUMNS: &str = "g.id, g.role, g.unit_id, ou.kind AS unit_kind, ou.path AS unit_path, \
     g.department_id, du.path AS department_unit_path, g.name, g.prefix, g.created_by, g.created_at, g.revoked_at, \
     g.last_used_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    #[sqlx(flatten)]
    pub scope: ScopeRow,
    pub name: String,
    prefix: String,
    created_by: Option<Uuid>,
    created_at: Ts,
    revoked_at: Option<Ts>,
    pub last_used_at: Option<Ts>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = RepoError;

    fn try_from(r: ApiKeyRow) -> Result<Self, RepoError> {
        Ok(Self {
            id: r.scope.id,
            name: r.name,
            role: r.scope.role()?,
            scope: r.scope.scope()?,
            prefix: r.prefix,
            created_by: r.created_by,
            created_at: r.created_at.0,
            revoked_at: r.revoked_at.map(|t| t.0),
            last_used_at: r.last_used_at.map(|t| t.0),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SigningKeyRow {
    kid: String,
    public_key: Vec<u8>,
    private_key_encrypted: Vec<u8>,
    created_at: Ts,
    retired_at: Option<Ts>,
}

impl From<SigningKeyRow> for SigningKey {
    fn from(r: SigningKeyRow) -> Self {
        Self {
            kid: r.kid,
            public_key: r.public_key,
            private_key_encrypted: r.private_key_encrypted,
            created_at: r.created_at.0,
            retired_at: r.retired_at.map(|t| t.0),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ThrottleRow {
    failures: i64,
    window_started_at: Ts,
    locked_until: Option<Ts>,
}

impl From<ThrottleRow> for Throttle {
    fn from(r: ThrottleRow) -> Self {
        Self {
            failures: r.failures,
            window_started_at: r.window_started_at.0,
            locked_until: r.locked_until.map(|t| t.0),
        }
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "seq, id, at, action, actor_user_id, actor_api_key_id, actor_label, \
     target_type, target_id, client_addr, details";

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    seq: i64,
    id: Uuid,
    at: Ts,
    action: String,
    actor_user_id: Option<Uuid>,
    actor_api_key_id: Option<Uuid>,
    actor_label: String,
    target_type: Option<String>,
    target_id: Option<String>,
    client_addr: Option<String>,
    details: String,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = RepoError;

    fn try_from(r: AuditRow) -> Result<Self, RepoError> {
        Ok(Self {
            seq: r.seq,
            entry: NewAuditEntry {
                id: r.id,
                at: r.at.0,
                action: AuditAction::parse(&r.action).ok_or_else(|| corrupt("audit action", &r.action))?,
                actor_user_id: r.actor_user_id,
                actor_api_key_id: r.actor_api_key_id,
                actor_label: r.actor_label,
                target_type: r.target_type,
                target_id: r.target_id,
                client_addr: r.client_addr,
                details: serde_json::from_str(&r.details).map_err(|e| RepoError::Unknown(e.into()))?,
            },
        })
    }
}

pub(crate) fn audit_details(entry: &NewAuditEntry) -> String {
    serde_json::to_string(&entry.details).unwrap_or_else(|_| "{}".into())
}
