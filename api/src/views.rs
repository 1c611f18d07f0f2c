//! Domain values to wire shapes, and wire geometry to domain boundaries.

use gridline_domain::{
    audit::AuditEntry,
    auth::ApiKey,
    geo::{Boundary, Polygon, Position},
    identity::{Grant, Scope, User},
    org::{Department, OrgUnit},
};
use gridline_openapi::{
    admin::{ApiKeyView, AuditEntryView},
    geojson::Geometry,
    org::{DepartmentView, OrgUnitView},
    users::{GrantView, UserView},
    FieldError,
};

pub fn user(u: &User) -> UserView {
    UserView {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        phone: u.phone.clone(),
        active: u.active,
        created_at: u.created_at,
        updated_at: u.updated_at,
    }
}

fn scope_ids(scope: &Scope) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    match scope {
        Scope::Unit { id, .. } => (Some(*id), None),
        Scope::Department { id, .. } => (None, Some(*id)),
        Scope::Global => (None, None),
    }
}

pub fn grant(g: &Grant) -> GrantView {
    let (unit_id, department_id) = scope_ids(&g.scope);
    GrantView { id: g.id, role: g.role.as_str().into(), unit_id, department_id }
}

pub fn unit(u: &OrgUnit) -> OrgUnitView {
    OrgUnitView {
        id: u.id,
        kind: u.kind.as_str().into(),
        code: u.code.clone(),
        name: u.name.clone(),
        parent_id: u.parent_id,
        boundary: u.boundary.as_ref().map(geometry),
        responsible_person: u.responsible_person.clone(),
        contact_phone: u.contact_phone.clone(),
        created_at: u.created_at,
        updated_at: u.updated_at,
    }
}

pub fn department(d: &Department) -> DepartmentView {
    DepartmentView {
        id: d.id,
        kind: d.kind.as_str().into(),
        code: d.code.clone(),
        name: d.name.clone(),
        unit_id: d.unit_id,
        responsible_person: d.responsible_person.clone(),
        contact_phone: d.contact_phone.clone(),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

pub fn api_key(k: &ApiKey) -> ApiKeyView {
    let (unit_id, department_id) = scope_ids(&k.scope);
    ApiKeyView {
        id: k.id,
        name: k.name.clone(),
        role: k.role.as_str().into(),
        unit_id,
        department_id,
        prefix: k.prefix.clone(),
        created_by: k.created_by,
        created_at: k.created_at,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
    }
}

pub fn audit(e: &AuditEntry) -> AuditEntryView {
    let x = &e.entry;
    AuditEntryView {
        seq: e.seq,
        id: x.id,
        at: x.at,
        action: x.action.as_str().into(),
        actor_user_id: x.actor_user_id,
        actor_api_key_id: x.actor_api_key_id,
        actor_label: x.actor_label.clone(),
        target_type: x.target_type.clone(),
        target_id: x.target_id.clone(),
        client_addr: x.client_addr.clone(),
        details: x.details.clone(),
    }
}

pub fn geometry(b: &Boundary) -> Geometry {
    let polygon =
        |p: &Polygon| p.rings.iter().map(|r| r.iter().map(|pos| vec![pos.lon, pos.lat]).collect()).collect::<Vec<_>>();
    match b {
        Boundary::Polygon(p) => Geometry::Polygon { coordinates: polygon(p) },
        Boundary::MultiPolygon(ps) => Geometry::MultiPolygon { coordinates: ps.iter().map(polygon).collect() },
    }
}

/// A wire geometry as a validated boundary; faults point below `pointer`.
///
/// # Errors
/// The fault, as a field error.
pub fn boundary(g: &Geometry, pointer: &str) -> Result<Boundary, FieldError> {
    let ring = |positions: &Vec<Vec<f64>>, path: &str| -> Result<Vec<Position>, FieldError> {
        positions
            .iter()
            .enumerate()
            .map(|(i, p)| match p.as_slice() {
                [lon, lat] | [lon, lat, _] => Ok(Position { lon: *lon, lat: *lat }),
                _ => Err(FieldError::pointer(format!("{path}/{i}"), "a position is [longitude, latitude]")),
            })
            .collect()
    };
    let polygon = |rings: &Vec<Vec<Vec<f64>>>, path: &str| -> Result<Polygon, FieldError> {
        Ok(Polygon {
            rings: rings.iter().enumerate().map(|(i, r)| ring(r, &format!("{path}/{i}"))).collect::<Result<_, _>>()?,
        })
    };
    let base = format!("{pointer}/coordinates");
    let boundary = match g {
        Geometry::Polygon { coordinates } => Boundary::Polygon(polygon(coordinates, &base)?),
        Geometry::MultiPolygon { coordinates } => Boundary::MultiPolygon(
            coordinates
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &format!("{base}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
    };
    boundary.validate().map_err(|e| {
        FieldError::pointer(format!("{pointer}/{}", e.path), format!("invalid boundary: {}", e.problem))
    })?;
    Ok(boundary)
}
