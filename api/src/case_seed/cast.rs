//! Who acts in the seeded district: for every grid a grid worker, for every
//! community a dispatcher, for every department a member of staff, and a
//! leader over the district. The demo users play their own parts; a part
//! nobody holds gets a `seed_…` user with the demo password.

use std::collections::HashMap;

use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    identity::{Actor, Grant, Principal, Role, Scope},
    org::{Department, OrgKind, OrgUnit},
    ports::{NewGrant, NewUser, Store},
    time::now,
};
use uuid::Uuid;

use crate::auth::Passwords;

pub(super) struct Cast {
    /// Grid id → its grid workers.
    pub workers: HashMap<Uuid, Vec<Principal>>,
    /// Community id → its dispatchers.
    pub dispatchers: HashMap<Uuid, Principal>,
    /// Department id → one of its staff.
    pub staff: HashMap<Uuid, Principal>,
    pub leader: Principal,
}

fn principal(id: Uuid, username: &str, grants: Vec<Grant>) -> Principal {
    Principal { actor: Actor::User { id, username: username.to_owned(), session_id: None }, grants }
}

fn holds(grants: &[Grant], role: Role, unit: Option<Uuid>, department: Option<Uuid>) -> bool {
    grants.iter().any(|g| {
        g.role == role
            && match &g.scope {
                Scope::Unit { id, .. } => Some(*id) == unit,
                Scope::Department { id, .. } => Some(*id) == department,
                Scope::Global => false,
            }
    })
}

struct Casting<'a> {
    store: &'a dyn Store,
    /// Every user with his grants.
    users: Vec<(Uuid, String, Vec<Grant>)>,
    hash: String,
}

impl Casting<'_> {
    /// The users holding `role` there, or a new one who does.
    async fn holders(
        &mut self,
        role: Role,
        unit: Option<&OrgUnit>,
        department: Option<&Department>,
        code: &str,
    ) -> anyhow::Result<Vec<Principal>> {
        let (unit_id, department_id) = (unit.map(|u| u.id), department.map(|d| d.id));
        let found: Vec<Principal> = self
            .users
            .iter()
            .filter(|(_, _, grants)| holds(grants, role, unit_id, department_id))
            .map(|(id, name, grants)| principal(*id, name, grants.clone()))
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
        let username = format!("seed_{}_{}", role.as_str(), code.to_lowercase().replace('-', "_"));
        let at = now();
        let id = Uuid::now_v7();
        let user = NewUser {
            id,
            username: username.clone(),
            display_name: format!("{username} (seeded)"),
            phone: None,
            password_hash: self.hash.clone(),
            at,
        };
        let audit = NewAuditEntry::new(AuditAction::UserCreated, at).target("user", id).detail("username", &username);
        self.store.create_user(&user, audit).await?;
        let grant = NewGrant { id: Uuid::now_v7(), user_id: id, role, unit_id, department_id, created_by: None, at };
        let audit = NewAuditEntry::new(AuditAction::RoleGranted, at).target("user", id).detail("role", role.as_str());
        self.store.add_grant(&grant, audit).await?;
        let grants = self.store.grants(id).await?;
        self.users.push((id, username.clone(), grants.clone()));
        Ok(vec![principal(id, &username, grants)])
    }
}

impl Cast {
    pub(super) async fn assemble(
        store: &dyn Store,
        units: &[OrgUnit],
        departments: &[Department],
        passwords: &Passwords,
        password: &str,
    ) -> anyhow::Result<Self> {
        let mut users = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store.users(after.as_deref(), 500).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.username.clone());
            for u in page {
                let grants = store.grants(u.id).await?;
                users.push((u.id, u.username, grants));
            }
        }
        let hash = passwords.hash_blocking(password)?;
        let mut casting = Casting { store, users, hash };
        let mut cast = Self {
            workers: HashMap::new(),
            dispatchers: HashMap::new(),
            staff: HashMap::new(),
            leader: principal(Uuid::nil(), "", Vec::new()),
        };
        for unit in units {
            match unit.kind {
                OrgKind::Grid => {
                    let workers = casting.holders(Role::GridWorker, Some(unit), None, &unit.code).await?;
                    cast.workers.insert(unit.id, workers);
                }
                OrgKind::Community => {
                    let mut dispatchers = casting.holders(Role::Dispatcher, Some(unit), None, &unit.code).await?;
                    cast.dispatchers.insert(unit.id, dispatchers.remove(0));
                }
                OrgKind::District => {
                    cast.leader = casting.holders(Role::Leader, Some(unit), None, &unit.code).await?.remove(0);
                }
                OrgKind::Street => {}
            }
        }
        for department in departments {
            let mut staff = casting.holders(Role::DepartmentStaff, None, Some(department), &department.code).await?;
            cast.staff.insert(department.id, staff.remove(0));
        }
        Ok(cast)
    }
}
