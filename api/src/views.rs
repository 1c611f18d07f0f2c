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
use serde_json::{json, Value};

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
    GrantView { id: g.id, role: g.role.into(), unit_id, department_id }
}

pub fn unit(u: &OrgUnit) -> OrgUnitView {
    OrgUnitView {
        id: u.id,
        kind: u.kind.into(),
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
        kind: d.kind.into(),
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
        role: k.role.into(),
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
        action: x.action.into(),
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
    let polygon = |p: &Polygon| {
        Value::Array(
            p.rings.iter().map(|r| Value::Array(r.iter().map(|pos| json!([pos.lon, pos.lat])).collect())).collect(),
        )
    };
    match b {
        Boundary::Polygon(p) => Geometry { type_: "Polygon".into(), coordinates: polygon(p) },
        Boundary::MultiPolygon(ps) => {
            Geometry { type_: "MultiPolygon".into(), coordinates: Value::Array(ps.iter().map(polygon).collect()) }
        }
    }
}

fn array<'a>(value: &'a Value, pointer: &str, what: &str) -> Result<&'a Vec<Value>, FieldError> {
    value.as_array().ok_or_else(|| FieldError::pointer(pointer, format!("must be {what}")))
}

fn read_polygon(value: &Value, pointer: &str) -> Result<Polygon, FieldError> {
    let rings = array(value, pointer, "an array of linear rings")?;
    let rings = rings
        .iter()
        .enumerate()
        .map(|(i, ring)| {
            let ring_pointer = format!("{pointer}/{i}");
            array(ring, &ring_pointer, "an array of [longitude, latitude] positions")?
                .iter()
                .enumerate()
                .map(|(j, pos)| match pos.as_array().map(Vec::as_slice) {
                    Some([lon, lat]) | Some([lon, lat, _]) => match (lon.as_f64(), lat.as_f64()) {
                        (Some(lon), Some(lat)) => Ok(Position { lon, lat }),
                        _ => Err(FieldError::pointer(
                            format!("{ring_pointer}/{j}"),
                            "a position is [longitude, latitude]",
                        )),
                    },
                    _ => Err(FieldError::pointer(format!("{ring_pointer}/{j}"), "a position is [longitude, latitude]")),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon { rings })
}

/// A wire geometry as a validated boundary; faults point below `pointer`.
///
/// # Errors
/// The fault, as a field error.
pub fn boundary(g: &Geometry, pointer: &str) -> Result<Boundary, FieldError> {
    let base = format!("{pointer}/coordinates");
    let boundary = match g.type_.as_str() {
        "Polygon" => Boundary::Polygon(read_polygon(&g.coordinates, &base)?),
        "MultiPolygon" => Boundary::MultiPolygon(
            array(&g.coordinates, &base, "an array of polygons")?
                .iter()
                .enumerate()
                .map(|(i, p)| read_polygon(p, &format!("{base}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(FieldError::pointer(format!("{pointer}/type"), "must be Polygon or MultiPolygon")),
    };
    boundary.validate().map_err(|e| {
        FieldError::pointer(format!("{pointer}/{}", e.path), format!("invalid boundary: {}", e.problem))
    })?;
    Ok(boundary)
}
