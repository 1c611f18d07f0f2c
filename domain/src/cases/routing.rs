//! "The platform pushes": the department a case goes to.

use uuid::Uuid;

use crate::org::{Department, DepartmentKind};

/// The nearest department of `kind`, walking up from the case's grid to the
/// district. `lineage` lists the grid's ancestors from the root down, the grid
/// last. Two departments of one kind at one unit: the one with the smaller
/// code wins, so the choice is stable.
pub fn nearest_department(lineage: &[Uuid], kind: DepartmentKind, departments: &[Department]) -> Option<Uuid> {
    lineage.iter().rev().find_map(|unit| {
        departments
            .iter()
            .filter(|d| d.kind == kind && d.unit_id == *unit)
            .min_by(|a, b| a.code.cmp(&b.code))
            .map(|d| d.id)
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn dept(id: u128, kind: DepartmentKind, unit: u128) -> Department {
        Department {
            id: Uuid::from_u128(id),
            kind,
            code: format!("D{id}"),
            name: String::new(),
            unit_id: Uuid::from_u128(unit),
            unit_path: String::new(),
            responsible_person: None,
            contact_phone: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_nearest_department_up_the_tree_wins() {
        let lineage = [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4)];
        let depts = [
            dept(10, DepartmentKind::Property, 3),
            dept(11, DepartmentKind::Property, 1),
            dept(12, DepartmentKind::Police, 1),
        ];
        assert_eq!(nearest_department(&lineage, DepartmentKind::Property, &depts), Some(Uuid::from_u128(10)));
        assert_eq!(nearest_department(&lineage, DepartmentKind::Police, &depts), Some(Uuid::from_u128(12)));
        assert_eq!(nearest_department(&lineage, DepartmentKind::Fire, &depts), None);
        let elsewhere = [Uuid::from_u128(1), Uuid::from_u128(5)];
        assert_eq!(nearest_department(&elsewhere, DepartmentKind::Property, &depts), Some(Uuid::from_u128(11)));
    }
}
