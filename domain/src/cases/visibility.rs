//! Who sees a case: a grid worker his grids', a dispatcher and a leader their
//! subtree's, department staff what their department was ever sent, an admin
//! everything, an API key what it reported.

use uuid::Uuid;

use super::{Case, CaseStatus};
use crate::{
    identity::{Actor, Principal, Role, Scope},
    org::Department,
};

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

/// Whether `p` saw a case whose visibility was `v` (its reporter aside, who
/// sees it always): what tells sync that a case left a caller's view.
pub fn saw(p: &Principal, v: &super::Visibility) -> bool {
    if p.is_admin() {
        return true;
    }
    if p.user_id().is_some() && p.user_id() == v.handler_user_id {
        return true;
    }
    p.grants.iter().any(|g| match (&g.role, &g.scope) {
        (Role::GridWorker, Scope::Unit { id, .. }) => *id == v.grid_id,
        (Role::Dispatcher | Role::Leader, Scope::Unit { path, .. }) => v.grid_path.starts_with(path.as_str()),
        (Role::DepartmentStaff, Scope::Department { id, .. }) => v.department_ids.contains(id),
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

/// A resident's tracking code is read by whoever reported the case (to give
/// it to him) and by the owning unit's dispatchers (to read it out on the
/// phone); to anyone else it would be a key to someone else's case.
pub fn sees_tracking_code(p: &Principal, case: &Case) -> bool {
    let reporter = match &p.actor {
        crate::identity::Actor::User { id, .. } => case.reporter_user_id == Some(*id),
        crate::identity::Actor::ApiKey { id, .. } => case.reporter_api_key_id == Some(*id),
    };
    reporter
        || p.grants.iter().any(|g| {
            g.role == Role::Dispatcher && matches!(&g.scope, Scope::Unit { id, .. } if *id == case.owner_unit_id)
        })
}

/// Masks a resident's phone for those who may not see it whole. An 11-digit
/// mobile number keeps the familiar `138****5678`; any other number shows its
/// last 4 digits when it has 8 or more, else its last 2, every other digit
/// becomes `*` and separators stay (`010-6500 1000` → `***-**** 1000`).
/// `zhang.san@example.com` → `z***@example.com`: enough to recognise, not to write to.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && digits[0] == '1' && phone.chars().all(|c| c.is_ascii_digit()) {
        let head: String = digits[..3].iter().collect();
        let tail: String = digits[7..].iter().collect();
        return format!("{head}****{tail}");
    }
    let shown = if digits.len() >= 8 { 4 } else { 2 };
    let hidden = digits.len().saturating_sub(shown);
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen <= hidden {
                    return '*';
                }
            }
            c
        })
        .collect()
}

/// Whether a department may be sent the case: its unit is the case's grid or
/// above it (a district bureau serves the district, a community's property
/// company only its community).
pub fn department_serves(department: &Department, case_grid_path: &str) -> bool {
    case_grid_path.starts_with(department.unit_path.as_str())
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

    /// The scope as far as it can hold cases in one of `statuses` (none:
    /// any status). A department is sent a case only by dispatch, and no step
    /// leads a dispatched case back to `reported`: a list of reported cases
    /// leaves departments out, and a store need not look for theirs.
    pub fn for_statuses(&self, statuses: &[CaseStatus]) -> CaseScope {
        let departments_possible = statuses.is_empty() || statuses.iter().any(|s| *s != CaseStatus::Reported);
        if departments_possible {
            return self.clone();
        }
        CaseScope { department_ids: Vec::new(), ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::mask_phone;
    use crate::cases::{next_status, CaseStatus, Step};

    /// What `CaseScope::for_statuses` relies on: only dispatch brings a
    /// department, and no step leads from another state into `reported`.
    #[test]
    fn no_step_leads_back_to_reported() {
        for from in CaseStatus::ALL {
            for step in Step::ALL {
                if next_status(from, step) == Some(CaseStatus::Reported) {
                    assert_eq!(from, CaseStatus::Reported, "{step:?} leads from {from:?} back to reported");
                }
            }
        }
        assert_eq!(next_status(CaseStatus::Reported, Step::Dispatch), None);
    }

    #[test]
    fn mobile_numbers_keep_head_and_tail() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn other_numbers_show_only_their_last_digits_and_keep_separators() {
        assert_eq!(mask_phone("65001234"), "****1234");
        assert_eq!(mask_phone("010-6500 1000"), "***-**** 1000");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone("+86 138 1234 5678"), "+** *** **** 5678");
        assert_eq!(mask_phone("110"), "*10");
    }
}
