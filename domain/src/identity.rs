//! Accounts and role grants (一员多能: one person, several grants).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::org::OrgKind;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// 公示: whether a user is listed on the public page of the grids he works
/// in, and the work phone shown there (never his own `phone`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicListing {
    pub listed: bool,
    pub work_phone: Option<String>,
}

/// What a grant lets its holder do, and over what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Reports and follows cases in his grids.
    GridWorker,
    /// Accepts, dispatches, escalates and verifies cases owned by his unit.
    Dispatcher,
    /// Handles cases dispatched to his department.
    DepartmentStaff,
    /// Reads everything in a subtree, acts on nothing.
    Leader,
    /// System configuration and users; reads everything.
    Admin,
}

impl Role {
    pub const ALL: [Self; 5] = [Self::GridWorker, Self::Dispatcher, Self::DepartmentStaff, Self::Leader, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::GridWorker => "grid_worker",
            Self::Dispatcher => "dispatcher",
            Self::DepartmentStaff => "department_staff",
            Self::Leader => "leader",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Which scope a grant of this role needs.
    pub fn scope_rule(self) -> ScopeRule {
        match self {
            Self::GridWorker => ScopeRule::Unit(&[OrgKind::Grid]),
            Self::Dispatcher => ScopeRule::Unit(&[OrgKind::Community, OrgKind::Street, OrgKind::District]),
            Self::Leader => ScopeRule::Unit(&[OrgKind::District, OrgKind::Street, OrgKind::Community, OrgKind::Grid]),
            Self::DepartmentStaff => ScopeRule::Department,
            Self::Admin => ScopeRule::None,
        }
    }
}

/// The scope a role requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeRule {
    /// An org unit of one of these kinds.
    Unit(&'static [OrgKind]),
    /// A department.
    Department,
    /// No scope: the whole system.
    None,
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An org unit and everything below it; `path` is the unit's path.
    Unit { id: Uuid, kind: OrgKind, path: String },
    /// A department (its served unit's path kept for reading org data).
    Department { id: Uuid, unit_path: String },
    /// The whole system.
    Global,
}

/// A role held over a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub role: Role,
    pub scope: Scope,
}

/// Who is calling: a user with his grants, or an API key with its one grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: Uuid, username: String, session_id: Option<Uuid> },
    ApiKey { id: Uuid, name: String },
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Admin)
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            Actor::ApiKey { .. } => None,
        }
    }

    /// The id of whoever acts: the user's or the API key's (both are UUIDs
    /// from one space, so they never collide).
    pub fn actor_id(&self) -> Uuid {
        match &self.actor {
            Actor::User { id, .. } | Actor::ApiKey { id, .. } => *id,
        }
    }

    /// Whether one of his grants has `role` over the unit at `path` or above it.
    pub fn has_unit_grant_covering(&self, role: Role, path: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && matches!(&g.scope, Scope::Unit { path: p, .. } if path.starts_with(p.as_str())))
    }

    /// A short label for logs and the audit trail.
    pub fn label(&self) -> String {
        match &self.actor {
            Actor::User { username, .. } => username.clone(),
            Actor::ApiKey { name, .. } => format!("api-key:{name}"),
        }
    }
}
