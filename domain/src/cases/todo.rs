//! A to-do list (待办): the cases on which a caller can take a workflow step
//! now. The steps are written here once more as data, which a store can turn
//! into a query (a to-do list and its counts come from the database, not
//! from loading every open case), and a test holds that data to
//! `allowed_steps` over every combination of state, party and flag.

use uuid::Uuid;

use super::{allowed_steps, Case, CaseStatus, Step};
use crate::identity::{Actor, Principal, Role, Scope};

/// The steps that make a case a to-do: every allowed action but comments,
/// corrections, escalation and urging, which can always wait, and what
/// follows a closing (回访, reopening), which is no workflow step on an open case.
pub fn todo_steps(p: &Principal, case: &Case) -> Vec<Step> {
    allowed_steps(p, case)
        .into_iter()
        .filter(|s| {
            !matches!(s, Step::Comment | Step::Correct | Step::Escalate | Step::Urge | Step::Feedback | Step::Reopen)
        })
        .collect()
}

/// Who takes a step, as a store can test it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// A dispatcher of the unit that owns the case.
    OwningDispatcher,
    /// Staff of the lead department.
    LeadStaff,
    /// Staff of the lead department, or the named handler.
    LeadStaffOrHandler,
    /// A grid worker of the case's grid or an owning dispatcher, never whoever resolved it.
    Verifier,
    /// Whoever reported it (a user or an API key).
    Reporter,
}

/// A pending extension request, as a step needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// No request waits.
    No,
    /// One waits, asked by someone else.
    NotMine,
}

/// One to-do action: the states it starts from, who takes it, and what else must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TodoRule {
    pub step: Step,
    pub statuses: &'static [CaseStatus],
    pub party: Party,
    /// `Some(false)`: only while not suspended; `Some(true)`: only while suspended.
    pub suspended: Option<bool>,
    pub pending: Option<Pending>,
}

const OPEN: &[CaseStatus] =
    &[CaseStatus::Reported, CaseStatus::Accepted, CaseStatus::Dispatched, CaseStatus::InProgress, CaseStatus::Resolved];
const HANDLING: &[CaseStatus] = &[CaseStatus::Dispatched, CaseStatus::InProgress];

const fn rule(step: Step, statuses: &'static [CaseStatus], party: Party) -> TodoRule {
    TodoRule { step, statuses, party, suspended: None, pending: None }
}

/// Every to-do action, by the rules of `allowed_steps`.
pub const TODO_RULES: &[TodoRule] = &[
    rule(Step::Accept, &[CaseStatus::Reported], Party::OwningDispatcher),
    rule(Step::Reject, &[CaseStatus::Reported], Party::OwningDispatcher),
    rule(Step::Dispatch, &[CaseStatus::Accepted], Party::OwningDispatcher),
    rule(Step::Return, &[CaseStatus::Dispatched], Party::LeadStaff),
    TodoRule { suspended: Some(false), ..rule(Step::Start, &[CaseStatus::Dispatched], Party::LeadStaffOrHandler) },
    TodoRule { suspended: Some(false), ..rule(Step::Resolve, &[CaseStatus::InProgress], Party::LeadStaffOrHandler) },
    rule(Step::VerifyPassed, &[CaseStatus::Resolved], Party::Verifier),
    rule(Step::Cancel, &[CaseStatus::Reported], Party::Reporter),
    TodoRule { pending: Some(Pending::No), ..rule(Step::RequestExtension, HANDLING, Party::LeadStaffOrHandler) },
    TodoRule { pending: Some(Pending::NotMine), ..rule(Step::DecideExtension, HANDLING, Party::OwningDispatcher) },
    TodoRule { suspended: Some(false), ..rule(Step::Suspend, OPEN, Party::OwningDispatcher) },
    TodoRule { suspended: Some(true), ..rule(Step::Resume, OPEN, Party::OwningDispatcher) },
];

/// What a store needs of a caller to find his to-dos.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TodoScope {
    /// Units he dispatches for.
    pub dispatcher_units: Vec<Uuid>,
    /// Departments he is staff of.
    pub departments: Vec<Uuid>,
    /// Grids he is grid worker of.
    pub grids: Vec<Uuid>,
    /// The user, when a user asks (handler checks).
    pub user: Option<Uuid>,
    /// Who he is as a reporter or resolver (a user's or an API key's id).
    pub actor: Uuid,
    pub is_api_key: bool,
}

impl TodoScope {
    pub fn of(p: &Principal) -> Self {
        let unit = |role: Role| {
            p.grants
                .iter()
                .filter(move |g| g.role == role)
                .filter_map(|g| if let Scope::Unit { id, .. } = &g.scope { Some(*id) } else { None })
                .collect()
        };
        Self {
            dispatcher_units: unit(Role::Dispatcher),
            grids: unit(Role::GridWorker),
            departments: p
                .grants
                .iter()
                .filter(|g| g.role == Role::DepartmentStaff)
                .filter_map(|g| if let Scope::Department { id, .. } = &g.scope { Some(*id) } else { None })
                .collect(),
            user: p.user_id(),
            actor: p.actor_id(),
            is_api_key: matches!(p.actor, Actor::ApiKey { .. }),
        }
    }
}

impl TodoRule {
    /// The rule tested in memory, as a store tests it in a query.
    pub fn holds(&self, who: &TodoScope, c: &Case) -> bool {
        let owning = who.dispatcher_units.contains(&c.owner_unit_id);
        let lead = c.lead_department_id.is_some_and(|d| who.departments.contains(&d));
        let handler = who.user.is_some() && c.handler_user_id == who.user;
        let party = match self.party {
            Party::OwningDispatcher => owning,
            Party::LeadStaff => lead,
            Party::LeadStaffOrHandler => lead || handler,
            Party::Verifier => (who.grids.contains(&c.grid_id) || owning) && c.resolved_by != Some(who.actor),
            Party::Reporter => {
                if who.is_api_key {
                    c.reporter_api_key_id == Some(who.actor)
                } else {
                    c.reporter_user_id == Some(who.actor)
                }
            }
        };
        let pending = match (self.pending, &c.pending_extension) {
            (None, _) | (Some(Pending::No), None) => true,
            (Some(Pending::NotMine), Some(e)) => e.requested_by.is_none() || e.requested_by != who.user,
            _ => false,
        };
        self.statuses.contains(&c.status)
            && party
            && self.suspended.is_none_or(|s| s == c.suspended_at.is_some())
            && pending
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::{
        cases::{fixture::case_at, ExtensionRequest, ExtensionState},
        identity::Grant,
        org::OrgKind,
    };

    fn who(role: Role, scope: Scope, id: Uuid) -> Principal {
        Principal {
            actor: Actor::User { id, username: "u".into(), session_id: None },
            grants: vec![Grant { id: Uuid::nil(), role, scope }],
        }
    }

    #[test]
    fn the_rules_agree_with_allowed_steps_everywhere() {
        let (grid, owner, dept, me, other) =
            (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4), Uuid::from_u128(5));
        let unit = |id, kind| Scope::Unit { id, kind, path: format!("/{owner}/") };
        let people = [
            who(Role::Dispatcher, unit(owner, OrgKind::Community), me),
            who(Role::GridWorker, unit(grid, OrgKind::Grid), me),
            who(Role::DepartmentStaff, Scope::Department { id: dept, unit_path: "/".into() }, me),
            who(Role::Leader, unit(owner, OrgKind::Community), me),
            Principal { actor: Actor::ApiKey { id: me, name: "k".into() }, grants: Vec::new() },
        ];
        let mut checked = 0;
        for status in CaseStatus::ALL {
            for bits in 0..64u32 {
                let mut c = case_at(status, Utc::now());
                (c.grid_id, c.owner_unit_id, c.grid_path, c.owner_path) =
                    (grid, owner, format!("/{owner}/{grid}/"), format!("/{owner}/"));
                c.lead_department_id = (bits & 1 != 0).then_some(dept);
                c.handler_user_id = (bits & 2 != 0).then_some(me);
                c.suspended_at = (bits & 4 != 0).then(Utc::now);
                c.resolved_by = (bits & 8 != 0).then_some(me);
                c.reporter_user_id = (bits & 16 != 0).then_some(me);
                c.reporter_api_key_id = (bits & 16 != 0).then_some(me);
                c.pending_extension = (bits & 32 != 0).then(|| ExtensionRequest {
                    id: Uuid::nil(),
                    case_id: c.id,
                    hours: 1,
                    reason: String::new(),
                    state: ExtensionState::Pending,
                    requested_by: Some(if bits & 2 != 0 { me } else { other }),
                    requested_at: Utc::now(),
                    decided_by: None,
                    decided_at: None,
                });
                for p in &people {
                    let scope = TodoScope::of(p);
                    let mut by_rules: Vec<&str> =
                        TODO_RULES.iter().filter(|r| r.holds(&scope, &c)).map(|r| r.step.action()).collect();
                    let mut allowed: Vec<&str> = todo_steps(p, &c).into_iter().map(Step::action).collect();
                    by_rules.sort_unstable();
                    allowed.sort_unstable();
                    assert_eq!(by_rules, allowed, "{status:?} bits {bits:06b} as {:?}", p.grants);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 64 * 5);
    }
}
