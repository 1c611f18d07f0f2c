//! The organisation: district → street → community → grid, and the
//! departments that serve a unit's territory.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::geo::Boundary;

/// A level of the organisation tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKind {
    District,
    Street,
    Community,
    Grid,
}

impl OrgKind {
    pub const ALL: [Self; 4] = [Self::District, Self::Street, Self::Community, Self::Grid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::Street => "street",
            Self::Community => "community",
            Self::Grid => "grid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind a unit's parent must be; a district has none.
    pub fn parent_kind(self) -> Option<Self> {
        match self {
            Self::District => None,
            Self::Street => Some(Self::District),
            Self::Community => Some(Self::Street),
            Self::Grid => Some(Self::Community),
        }
    }

    /// Whether units of this kind may carry a boundary.
    pub fn may_have_boundary(self) -> bool {
        matches!(self, Self::Community | Self::Grid)
    }
}

/// One unit of the tree. `path` lists the ids from the root down to this
/// unit (`/<district>/<street>/…/<self>/`), so "is inside" is a prefix test.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgUnit {
    pub id: Uuid,
    pub kind: OrgKind,
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub path: String,
    pub boundary: Option<Boundary>,
    /// The published responsible person (公示) and how to reach them.
    pub responsible_person: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrgUnit {
    /// The path of a child of a unit with `parent_path` (or of a root).
    pub fn child_path(parent_path: Option<&str>, id: Uuid) -> String {
        format!("{}{id}/", parent_path.unwrap_or("/"))
    }

    /// Whether this unit is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor_path: &str) -> bool {
        self.path.starts_with(ancestor_path)
    }

    /// The ids on the path from the root down to this unit, this unit last.
    pub fn lineage(&self) -> Vec<Uuid> {
        self.path.split('/').filter_map(|s| Uuid::parse_str(s).ok()).collect()
    }
}

/// The kinds of responding departments (职能部门).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DepartmentKind {
    UrbanManagement,
    Police,
    Housing,
    Property,
    Market,
    Fire,
    Environment,
    CivilAffairs,
    Other,
}

impl DepartmentKind {
    pub const ALL: [Self; 9] = [
        Self::UrbanManagement,
        Self::Police,
        Self::Housing,
        Self::Property,
        Self::Market,
        Self::Fire,
        Self::Environment,
        Self::CivilAffairs,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UrbanManagement => "urban_management",
            Self::Police => "police",
            Self::Housing => "housing",
            Self::Property => "property",
            Self::Market => "market",
            Self::Fire => "fire",
            Self::Environment => "environment",
            Self::CivilAffairs => "civil_affairs",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A department and the org unit whose territory it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct Department {
    pub id: Uuid,
    pub kind: DepartmentKind,
    pub code: String,
    pub name: String,
    pub unit_id: Uuid,
    /// The served unit's path, for scoping.
    pub unit_path: String,
    pub responsible_person: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
