//! `gridline serve --demo`: a small district to try every role against. Its
//! records have fixed ids (`demo_id`), which the document's examples name.

use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    geo::{Boundary, Polygon, Position},
    identity::Role,
    org::{Department, DepartmentKind, OrgKind, OrgUnit},
    ports::{NewGrant, NewUser, Store, UnitFilter},
    time::now,
    RepoError,
};
use gridline_openapi::examples::demo_id;
use uuid::Uuid;

use crate::auth::Passwords;

/// The demo users' password when `GRIDLINE_DEMO_PASSWORD` is not set.
pub const DEFAULT_DEMO_PASSWORD: &str = "gridline-demo";

/// A rectangle as a closed ring, with a midpoint on the southern edge so the
/// polygon has the irregular vertex count real boundaries have.
fn block(west: f64, south: f64, east: f64, north: f64) -> Boundary {
    let p = |lon, lat| Position { lon, lat };
    Boundary::Polygon(Polygon {
        rings: vec![vec![
            p(west, south),
            p((west + east) / 2.0, south),
            p(east, south),
            p(east, north),
            p(west, north),
            p(west, south),
        ]],
    })
}

struct Seeder<'a> {
    store: &'a dyn Store,
}

impl Seeder<'_> {
    async fn unit(
        &self,
        kind: OrgKind,
        code: &str,
        name: &str,
        parent: Option<&OrgUnit>,
        boundary: Option<Boundary>,
        (person, phone): (&str, &str),
    ) -> Result<OrgUnit, RepoError> {
        let at = now();
        let id = demo_id(&format!("unit/{code}"));
        let unit = OrgUnit {
            id,
            kind,
            code: code.into(),
            name: name.into(),
            parent_id: parent.map(|p| p.id),
            path: OrgUnit::child_path(parent.map(|p| p.path.as_str()), id),
            boundary,
            responsible_person: Some(person.into()),
            contact_phone: Some(phone.into()),
            created_at: at,
            updated_at: at,
        };
        let audit = NewAuditEntry::new(AuditAction::OrgUnitCreated, at).target("org_unit", id).detail("code", code);
        self.store.create_unit(&unit, audit).await?;
        Ok(unit)
    }

    async fn department(
        &self,
        kind: DepartmentKind,
        code: &str,
        name: &str,
        unit: &OrgUnit,
    ) -> Result<Department, RepoError> {
        let at = now();
        let dept = Department {
            id: demo_id(&format!("department/{code}")),
            kind,
            code: code.into(),
            name: name.into(),
            unit_id: unit.id,
            unit_path: unit.path.clone(),
            responsible_person: None,
            contact_phone: None,
            created_at: at,
            updated_at: at,
        };
        let audit =
            NewAuditEntry::new(AuditAction::DepartmentCreated, at).target("department", dept.id).detail("code", code);
        self.store.create_department(&dept, audit).await?;
        Ok(dept)
    }

    async fn user(
        &self,
        username: &str,
        display_name: &str,
        hash: &str,
        role: Role,
        unit: Option<Uuid>,
        department: Option<Uuid>,
    ) -> Result<(), RepoError> {
        let at = now();
        let user = NewUser {
            id: demo_id(&format!("user/{username}")),
            username: username.into(),
            display_name: display_name.into(),
            phone: None,
            password_hash: hash.into(),
            at,
        };
        let audit =
            NewAuditEntry::new(AuditAction::UserCreated, at).target("user", user.id).detail("username", username);
        self.store.create_user(&user, audit).await?;
        let grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: user.id,
            role,
            unit_id: unit,
            department_id: department,
            created_by: None,
            at,
        };
        let audit =
            NewAuditEntry::new(AuditAction::RoleGranted, at).target("user", user.id).detail("role", role.as_str());
        self.store.add_grant(&grant, audit).await?;
        Ok(())
    }
}

/// Seeds the demo district unless org units exist already.
///
/// # Errors
/// When the store fails (another node seeding at the same moment is not an error).
pub async fn seed(store: &dyn Store, passwords: &Passwords, password: &str) -> anyhow::Result<()> {
    if !store.units(&UnitFilter::default()).await?.is_empty() {
        tracing::info!("the database has org units already; not seeding the demo");
        return Ok(());
    }
    match seed_district(store, passwords, password).await {
        Err(RepoError::Duplicate(_)) => {
            tracing::info!("another node is seeding the demo");
            Ok(())
        }
        other => Ok(other?),
    }
}

async fn seed_district(store: &dyn Store, passwords: &Passwords, password: &str) -> Result<(), RepoError> {
    use DepartmentKind as D;
    use OrgKind::{Community, District, Grid, Street};
    let s = Seeder { store };
    let district = s.unit(District, "DEMO", "示范区 Demo District", None, None, ("王主任", "010-6500 0000")).await?;
    let east =
        s.unit(Street, "DEMO-E", "东华街道 Donghua Street", Some(&district), None, ("李书记", "010-6500 1000")).await?;
    let west =
        s.unit(Street, "DEMO-W", "西城街道 Xicheng Street", Some(&district), None, ("赵书记", "010-6500 2000")).await?;
    let c1 = s
        .unit(
            Community,
            "DEMO-E-C1",
            "和平社区 Heping Community",
            Some(&east),
            Some(block(116.400, 39.900, 116.410, 39.905)),
            ("张主任", "010-6500 1100"),
        )
        .await?;
    let c2 = s
        .unit(
            Community,
            "DEMO-E-C2",
            "光明社区 Guangming Community",
            Some(&east),
            Some(block(116.400, 39.905, 116.410, 39.910)),
            ("陈主任", "010-6500 1200"),
        )
        .await?;
    let c3 = s
        .unit(
            Community,
            "DEMO-W-C1",
            "幸福社区 Xingfu Community",
            Some(&west),
            Some(block(116.410, 39.900, 116.420, 39.905)),
            ("刘主任", "010-6500 2100"),
        )
        .await?;
    let g1 = s
        .unit(
            Grid,
            "DEMO-E-C1-G1",
            "和平一网格 Heping Grid 1",
            Some(&c1),
            Some(block(116.400, 39.900, 116.405, 39.905)),
            ("周网格员", "138 0000 0001"),
        )
        .await?;
    let g2 = s
        .unit(
            Grid,
            "DEMO-E-C1-G2",
            "和平二网格 Heping Grid 2",
            Some(&c1),
            Some(block(116.405, 39.900, 116.410, 39.905)),
            ("吴网格员", "138 0000 0002"),
        )
        .await?;
    s.unit(
        Grid,
        "DEMO-E-C2-G1",
        "光明一网格 Guangming Grid 1",
        Some(&c2),
        Some(block(116.400, 39.905, 116.405, 39.910)),
        ("郑网格员", "138 0000 0003"),
    )
    .await?;
    s.unit(
        Grid,
        "DEMO-E-C2-G2",
        "光明二网格 Guangming Grid 2",
        Some(&c2),
        Some(block(116.405, 39.905, 116.410, 39.910)),
        ("孙网格员", "138 0000 0004"),
    )
    .await?;
    let g5 = s
        .unit(
            Grid,
            "DEMO-W-C1-G1",
            "幸福一网格 Xingfu Grid 1",
            Some(&c3),
            Some(block(116.410, 39.900, 116.415, 39.905)),
            ("钱网格员", "138 0000 0005"),
        )
        .await?;
    s.unit(
        Grid,
        "DEMO-W-C1-G2",
        "幸福二网格 Xingfu Grid 2",
        Some(&c3),
        Some(block(116.415, 39.900, 116.420, 39.905)),
        ("冯网格员", "138 0000 0006"),
    )
    .await?;

    let urban =
        s.department(D::UrbanManagement, "DEMO-URBAN", "区城市管理局 Urban Management Bureau", &district).await?;
    let police = s.department(D::Police, "DEMO-POLICE", "区公安分局 Police Bureau", &district).await?;
    s.department(D::Housing, "DEMO-HOUSING", "区住建委 Housing and Construction", &district).await?;
    s.department(D::Market, "DEMO-MARKET", "区市场监管局 Market Regulation", &district).await?;
    s.department(D::Fire, "DEMO-FIRE", "区消防救援支队 Fire and Rescue", &district).await?;
    s.department(D::CivilAffairs, "DEMO-CIVIL", "区民政局 Civil Affairs", &district).await?;
    let property = s.department(D::Property, "DEMO-E-C1-PROPERTY", "和平物业公司 Heping Property Company", &c1).await?;
    s.department(D::Property, "DEMO-W-C1-PROPERTY", "幸福物业公司 Xingfu Property Company", &c3).await?;

    let hash = passwords.hash_blocking(password).map_err(RepoError::Unknown)?;
    s.user("worker1", "周网格员 Worker One", &hash, Role::GridWorker, Some(g1.id), None).await?;
    s.user("worker2", "吴网格员 Worker Two", &hash, Role::GridWorker, Some(g2.id), None).await?;
    s.user("worker3", "钱网格员 Worker Three", &hash, Role::GridWorker, Some(g5.id), None).await?;
    // 一格多员: a second grid worker of the first grid, who may verify its cases too.
    s.user("worker4", "孙网格员 Worker Four", &hash, Role::GridWorker, Some(g1.id), None).await?;
    s.user("dispatcher_community", "和平社区调度 Community Dispatcher", &hash, Role::Dispatcher, Some(c1.id), None)
        .await?;
    s.user("dispatcher_street", "东华街道调度 Street Dispatcher", &hash, Role::Dispatcher, Some(east.id), None).await?;
    s.user("dispatcher_district", "区指挥中心 District Dispatcher", &hash, Role::Dispatcher, Some(district.id), None)
        .await?;
    s.user("staff_urban", "城管队员 Urban Management Staff", &hash, Role::DepartmentStaff, None, Some(urban.id))
        .await?;
    s.user("staff_police", "社区民警 Police Staff", &hash, Role::DepartmentStaff, None, Some(police.id)).await?;
    s.user("staff_property", "物业管家 Property Staff", &hash, Role::DepartmentStaff, None, Some(property.id)).await?;
    s.user("leader", "区领导 District Leader", &hash, Role::Leader, Some(district.id), None).await?;
    tracing::info!("seeded the demo district: 3 communities, 6 grids, 8 departments, 10 users");
    Ok(())
}
