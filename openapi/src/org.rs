//! Org units, departments and grid location.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    geojson::{FeatureCollection, Geometry},
    values::{DepartmentKind, OrgKind},
};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrgUnitView {
    pub id: Uuid,
    pub kind: OrgKind,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// GeoJSON Polygon or MultiPolygon (grids and communities).
    pub boundary: Option<Geometry>,
    /// The published responsible person (公示).
    pub responsible_person: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::create_org_unit)]
pub struct CreateOrgUnit {
    pub kind: OrgKind,
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[schema(max_length = 100)]
    pub name: String,
    /// Required for every kind but `district`; must be the level above.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    #[serde(default)]
    pub boundary: Option<Geometry>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub responsible_person: Option<String>,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_org_unit)]
pub struct UpdateOrgUnit {
    #[schema(min_length = 1, max_length = 64)]
    pub code: Option<String>,
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// `null` removes the boundary.
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<Geometry>)]
    pub boundary: Option<Option<Geometry>>,
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub responsible_person: Option<Option<String>>,
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub contact_phone: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgUnitQuery {
    pub kind: Option<OrgKind>,
    pub parent_id: Option<Uuid>,
}

/// Grids to create or replace (matched by `code`), all or nothing.
pub type ImportGrids = FeatureCollection;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub grids: Vec<OrgUnitView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DepartmentView {
    pub id: Uuid,
    pub kind: DepartmentKind,
    pub code: String,
    pub name: String,
    /// The org unit whose territory the department serves.
    pub unit_id: Uuid,
    pub responsible_person: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::create_department)]
pub struct CreateDepartment {
    pub kind: DepartmentKind,
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[schema(max_length = 100)]
    pub name: String,
    pub unit_id: Uuid,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub responsible_person: Option<String>,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_department)]
pub struct UpdateDepartment {
    pub kind: Option<DepartmentKind>,
    #[schema(min_length = 1, max_length = 64)]
    pub code: Option<String>,
    #[schema(max_length = 100)]
    pub name: Option<String>,
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub responsible_person: Option<Option<String>>,
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub contact_phone: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    pub kind: Option<DepartmentKind>,
}

#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    /// Latitude, in `crs`.
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, in `crs`.
    #[param(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// The system of the point; default `wgs84`.
    pub crs: Option<crate::values::Crs>,
}

/// A member of a department's staff, to name as a case's handler.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffMember {
    pub id: Uuid,
    pub display_name: String,
}

/// What a phone needs to work offline: the category catalog, the caller's
/// part of the org tree with grid boundaries, and the departments that serve it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReferenceView {
    pub categories: Vec<crate::cases::CategoryView>,
    /// The units of the caller's area, parents before children.
    pub units: Vec<OrgUnitView>,
    /// The departments that may be sent cases of those units' grids.
    pub departments: Vec<DepartmentView>,
}
