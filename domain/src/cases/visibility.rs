//! Who sees a case: a grid worker his grids', a dispatcher and a leader their
//! subtree's, department staff what their department was ever sent, an admin
//! everything, an API key what it reported.

use uuid::Uuid;

use super::Case;
use crate::identity::{Actor, Principal, Role, Scope};

pub fn can_see(p: &Principal, case: &Case) -> bool {
    if p.is_admin() {
        return true;
    }
    if let Actor::ApiKey { id, .. } = &p.actor {
        return case.reporter_api_key_id == Some(*id);
    }
    let user = p.user_id();
    if user.is_some() && (user == case.reporter_user_id || user == case.handler_user_id) {
        return true;
    }
    p.grants.iter().any(|g| match (&g.role, &g.scope) {
        (Role::GridWorker, Scope::Unit { id, .. }) => *id == case.grid_id,
        (Role::Dispatcher | Role::Leader, Scope::Unit { path, .. }) => case.grid_path.starts_with(path.as_str()),
        (Role::DepartmentStaff, Scope::Department { id, .. }) => case.department_history.contains(id),
        _ => false,
    })
}

/// The resident's phone is shown in full only to the owning unit's
/// dispatchers and the handler.
pub fn sees_resident_phone(p: &Principal, case: &Case) -> bool {
    p.user_id().is_some_and(|u| case.handler_user_id == Some(u))
        || p.grants.iter().any(|g| {
            g.role == Role::Dispatcher && matches!(&g.scope, Scope::Unit { id, .. } if *id == case.owner_unit_id)
        })
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        "****".into()
    }
}

/// The cases a principal sees, as a filter a store can apply to a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseScope {
    pub all: bool,
    pub grid_ids: Vec<Uuid>,
    /// Grid paths under any of these.
    pub unit_paths: Vec<String>,
    /// Ever dispatched to any of these.
    pub department_ids: Vec<Uuid>,
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
}

impl CaseScope {
    pub fn of(p: &Principal) -> Self {
        let mut scope = Self { all: p.is_admin(), ..Self::default() };
        match &p.actor {
            Actor::ApiKey { id, .. } => {
                scope.api_key_id = Some(*id);
                return scope;
            }
            Actor::User { id, .. } => scope.user_id = Some(*id),
        }
        for g in &p.grants {
            match (&g.role, &g.scope) {
                (Role::GridWorker, Scope::Unit { id, .. }) => scope.grid_ids.push(*id),
                (Role::Dispatcher | Role::Leader, Scope::Unit { path, .. }) => scope.unit_paths.push(path.clone()),
                (Role::DepartmentStaff, Scope::Department { id, .. }) => scope.department_ids.push(*id),
                _ => {}
            }
        }
        scope
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(super::mask_phone("13812345678"), "138****5678");
        assert_eq!(super::mask_phone("12345"), "****");
    }
}
