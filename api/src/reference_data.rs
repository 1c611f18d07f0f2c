//! Each node's copy of the reference data every write consults: the category
//! catalog, the org units and the departments. They change rarely and are read
//! on every report and step, so a write reads them from memory. Writers bump
//! the `reference` (and, for org units, `grids`) cache version in the same
//! transaction; [`caches::follow`](crate::caches::follow) reloads on other
//! nodes within `GRIDLINE_CACHE_POLL_MS`, and the node that wrote reloads at once.

use std::collections::HashMap;

use gridline_domain::{
    cases::Category,
    org::{Department, DepartmentKind, OrgUnit},
    ports::{Store, UnitFilter},
    RepoError,
};
use uuid::Uuid;

#[derive(Debug, Default)]
pub(crate) struct ReferenceData {
    categories: HashMap<String, Category>,
    units: HashMap<Uuid, OrgUnit>,
    departments: Vec<Department>,
}

impl ReferenceData {
    pub(crate) async fn load(store: &dyn Store) -> Result<Self, RepoError> {
        let categories = store.categories().await?.into_iter().map(|c| (c.code.clone(), c)).collect();
        let units = store.units(&UnitFilter::default()).await?.into_iter().map(|u| (u.id, u)).collect();
        let departments = store.departments(None).await?;
        Ok(Self { categories, units, departments })
    }

    pub(crate) fn category(&self, code: &str) -> Option<&Category> {
        self.categories.get(code)
    }

    pub(crate) fn unit(&self, id: Uuid) -> Option<&OrgUnit> {
        self.units.get(&id)
    }

    pub(crate) fn department(&self, id: Uuid) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub(crate) fn departments_of(&self, kind: DepartmentKind) -> Vec<Department> {
        self.departments.iter().filter(|d| d.kind == kind).cloned().collect()
    }
}
