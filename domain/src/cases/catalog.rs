//! The catalog installed on first start. Admins change it afterwards.

use chrono::{DateTime, Utc};

use super::{Category, Priority, TimeLimit, TimeUnit};
use crate::org::DepartmentKind;

fn limits(normal: u32, urgent: u32) -> Vec<TimeLimit> {
    vec![
        TimeLimit { priority: Priority::Normal, amount: normal, unit: TimeUnit::NaturalHours },
        TimeLimit { priority: Priority::Urgent, amount: urgent, unit: TimeUnit::NaturalHours },
    ]
}

/// One catalog line: (code, parent, 中文, English, department, normal h, urgent h, auto-accept, auto-dispatch).
type Entry = (&'static str, Option<&'static str>, &'static str, &'static str, DepartmentKind, u32, u32, bool, bool);

/// 大类 with their 小类.
#[rustfmt::skip]
const ENTRIES: &[Entry] = &[
    ("environment", None, "市容环境", "City appearance and environment", DepartmentKind::UrbanManagement, 48, 8, false, false),
    ("sanitation", Some("environment"), "环境卫生", "Sanitation", DepartmentKind::UrbanManagement, 24, 4, true, true),
    ("street_vending", Some("environment"), "占道经营", "Street vending", DepartmentKind::UrbanManagement, 24, 4, true, false),
    ("illegal_construction", Some("environment"), "违法建设", "Illegal construction", DepartmentKind::UrbanManagement, 72, 24, false, false),
    ("traffic", None, "交通秩序", "Traffic order", DepartmentKind::Police, 24, 4, false, false),
    ("disorderly_parking", Some("traffic"), "车辆乱停乱放", "Disorderly parking", DepartmentKind::Police, 12, 2, true, true),
    ("safety", None, "安全隐患", "Safety hazards", DepartmentKind::Fire, 24, 2, false, false),
    ("hanging_wire_charging", Some("safety"), "飞线充电", "Hanging-wire e-bike charging", DepartmentKind::Fire, 24, 2, true, false),
    ("fire_hazard", Some("safety"), "消防隐患", "Fire hazard", DepartmentKind::Fire, 24, 2, false, false),
    ("facilities", None, "设施管理", "Facilities", DepartmentKind::Property, 72, 12, false, false),
    ("damaged_facility", Some("facilities"), "设施损坏", "Damaged facility", DepartmentKind::Property, 72, 12, true, false),
    ("community_affairs", None, "社会事务", "Community affairs", DepartmentKind::CivilAffairs, 72, 24, false, false),
    ("neighbour_dispute", Some("community_affairs"), "邻里纠纷", "Neighbour dispute", DepartmentKind::CivilAffairs, 72, 24, false, false),
    ("red_errand", Some("community_affairs"), "红色代办", "Service on a resident's behalf", DepartmentKind::CivilAffairs, 120, 48, false, false),
    ("other", None, "其他", "Other", DepartmentKind::Other, 72, 24, false, false),
];

/// Matters whose resolution a verifier judges by an "after" photo.
const AFTER_PHOTO: &[&str] = &["sanitation", "street_vending", "illegal_construction", "damaged_facility"];

/// Matters anyone may see listed through Open311: the street's, not a household's.
const PUBLIC: &[&str] = &[
    "environment",
    "sanitation",
    "street_vending",
    "illegal_construction",
    "traffic",
    "disorderly_parking",
    "safety",
    "hanging_wire_charging",
    "fire_hazard",
    "facilities",
    "damaged_facility",
];

/// The default catalog, stamped with `at`.
pub fn default_catalog(at: DateTime<Utc>) -> Vec<Category> {
    ENTRIES
        .iter()
        .map(|&(code, parent, zh, en, kind, normal, urgent, auto_accept, auto_dispatch)| Category {
            code: code.into(),
            parent_code: parent.map(Into::into),
            name_zh: zh.into(),
            name_en: en.into(),
            department_kind: kind,
            time_limits: limits(normal, urgent),
            auto_accept,
            auto_dispatch,
            auto_escalate_after_hours: None,
            requires_resolution_photo: AFTER_PHOTO.contains(&code),
            public: PUBLIC.contains(&code),
            active: true,
            created_at: at,
            updated_at: at,
        })
        .collect()
}
