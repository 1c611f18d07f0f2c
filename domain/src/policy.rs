//! The one access policy: (principal, action) → allow, not visible, or
//! forbidden. Handlers ask it and never decide access themselves. The order of
//! refusals is fixed: not visible (404, existence does not leak) comes before
//! forbidden (403, visible but this caller may never do this).

use uuid::Uuid;

use crate::{
    identity::{Actor, Principal, Role, Scope},
    org::Department,
};

/// What a caller wants to do, with the resource it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read org units, departments, and locate grids (published data).
    ReadOrg,
    /// Create, change or import org units and departments.
    ManageOrg,
    /// List users or create one.
    ManageUsers,
    /// Read one user.
    ReadUser(Uuid),
    /// Change one user or his grants.
    ChangeUser(Uuid),
    /// Create, list or revoke API keys.
    ManageApiKeys,
    /// Register, change or remove webhook subscriptions.
    ManageWebhooks,
    /// Read the audit log.
    ReadAudit,
    /// Read one's own account, or change one's own password.
    OwnAccount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Answer 404: the caller may not know the resource exists.
    NotVisible,
    /// Answer 403: the caller sees the resource but may never do this.
    Forbidden,
}

/// Decides one access.
pub fn authorize(principal: &Principal, action: Action) -> Decision {
    let admin = principal.is_admin();
    let is_self = |id: Uuid| principal.user_id() == Some(id);
    match action {
        Action::ReadOrg => Decision::Allow,
        Action::ManageOrg
        | Action::ManageUsers
        | Action::ManageApiKeys
        | Action::ManageWebhooks
        | Action::ReadAudit => allow_if(admin),
        Action::ReadUser(id) if admin || is_self(id) => Decision::Allow,
        Action::ReadUser(_) => Decision::NotVisible,
        Action::ChangeUser(_) if admin => Decision::Allow,
        Action::ChangeUser(id) if is_self(id) => Decision::Forbidden,
        Action::ChangeUser(_) => Decision::NotVisible,
        Action::OwnAccount => allow_if(matches!(principal.actor, Actor::User { .. })),
    }
}

/// Who may list a department's staff to pick a handler: admins, and
/// dispatchers whose territory the department may serve (it sits at or above
/// their unit, or inside their subtree).
pub fn may_list_staff(principal: &Principal, department: &Department) -> Decision {
    let dispatcher_for = principal.grants.iter().any(|g| {
        g.role == Role::Dispatcher
            && matches!(&g.scope, Scope::Unit { path, .. }
                if path.starts_with(department.unit_path.as_str()) || department.unit_path.starts_with(path.as_str()))
    });
    allow_if(principal.is_admin() || dispatcher_for)
}

/// Whether a caller reads internal comments: everyone inside the platform;
/// an integration's API key does not (it may feed a public channel), unless
/// it acts as admin.
pub fn reads_internal_notes(principal: &Principal) -> bool {
    matches!(principal.actor, Actor::User { .. }) || principal.is_admin()
}

fn allow_if(allowed: bool) -> Decision {
    if allowed {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

/// Whether `p` reads the figures of the unit at `unit_path`: admins all,
/// leaders and dispatchers those of their area.
pub fn reads_figures(p: &Principal, unit_path: &str) -> bool {
    p.is_admin()
        || p.has_unit_grant_covering(crate::identity::Role::Leader, unit_path)
        || p.has_unit_grant_covering(crate::identity::Role::Dispatcher, unit_path)
}

/// The unit whose figures `p` sees by default: the highest his leader or
/// dispatcher grants cover.
pub fn figures_home(p: &Principal) -> Option<Uuid> {
    use crate::identity::{Role, Scope};
    p.grants
        .iter()
        .filter(|g| matches!(g.role, Role::Leader | Role::Dispatcher))
        .filter_map(|g| match &g.scope {
            Scope::Unit { id, path, .. } => Some((path.len(), *id)),
            _ => None,
        })
        .min()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Grant;

    fn user(role: Option<Role>) -> Principal {
        Principal {
            actor: Actor::User { id: Uuid::from_u128(1), username: "u".into(), session_id: None },
            grants: role.map(|r| Grant { id: Uuid::from_u128(9), role: r, scope: Scope::Global }).into_iter().collect(),
        }
    }

    #[test]
    fn only_admins_manage_and_others_are_forbidden() {
        assert_eq!(authorize(&user(Some(Role::Admin)), Action::ManageOrg), Decision::Allow);
        assert_eq!(authorize(&user(Some(Role::Leader)), Action::ManageOrg), Decision::Forbidden);
        assert_eq!(authorize(&user(None), Action::ReadAudit), Decision::Forbidden);
    }

    #[test]
    fn another_user_is_invisible_to_a_non_admin_but_oneself_is_not() {
        let p = user(Some(Role::Dispatcher));
        assert_eq!(authorize(&p, Action::ReadUser(Uuid::from_u128(2))), Decision::NotVisible);
        assert_eq!(authorize(&p, Action::ReadUser(Uuid::from_u128(1))), Decision::Allow);
        assert_eq!(authorize(&p, Action::ChangeUser(Uuid::from_u128(1))), Decision::Forbidden);
        assert_eq!(authorize(&p, Action::ChangeUser(Uuid::from_u128(2))), Decision::NotVisible);
    }

    #[test]
    fn api_keys_have_no_own_account() {
        let key = Principal { actor: Actor::ApiKey { id: Uuid::from_u128(3), name: "k".into() }, grants: vec![] };
        assert_eq!(authorize(&key, Action::OwnAccount), Decision::Forbidden);
        assert_eq!(authorize(&key, Action::ReadOrg), Decision::Allow);
    }

    #[test]
    fn integrations_do_not_read_internal_notes_unless_admin() {
        let key = |role| Principal {
            actor: Actor::ApiKey { id: Uuid::from_u128(3), name: "k".into() },
            grants: vec![Grant { id: Uuid::from_u128(4), role, scope: Scope::Global }],
        };
        assert!(!reads_internal_notes(&key(Role::Leader)));
        assert!(reads_internal_notes(&key(Role::Admin)));
        assert!(reads_internal_notes(&user(Some(Role::GridWorker))));
    }
}
