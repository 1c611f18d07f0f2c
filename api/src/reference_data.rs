//! Each node's copy of the reference data every write consults: the category
//! catalog, the org units and the departments. They change rarely and are read
//! on every report and step, so a write reads them from memory. Writers bump
//! the `reference` (and, for org units, `grids`) cache version in the same
//! transaction; [`caches::follow`](crate::caches::follow) reloads on other
//! nodes within `GRIDLINE_CACHE_POLL_MS`, and the node that wrote reloads at once.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use gridline_domain::{
    calendar::WorkCalendar,
    cases::{Case, Category, StageLimits},
    org::{Department, DepartmentKind, OrgUnit},
    ports::{Store, UnitFilter},
    RepoError,
};
use gridline_openapi::{
    calendar::{Calendar, StageTimeLimits},
    cases::CaseLabels,
};
use uuid::Uuid;

#[derive(Debug, Default)]
pub(crate) struct ReferenceData {
    /// By code: whatever lists them (Open311's services, in JSON and in
    /// XML alike) lists them in one order, whichever node answers and
    /// however often the catalog was reloaded.
    categories: BTreeMap<String, Category>,
    units: HashMap<Uuid, OrgUnit>,
    departments: Vec<Department>,
    calendar: Arc<WorkCalendar>,
    stage_limits: StageLimits,
    /// Display names of users and names of API keys.
    names: HashMap<Uuid, String>,
}

/// The names the clocks' settings are stored under.
pub(crate) const CALENDAR: &str = "calendar";
pub(crate) const TIME_LIMITS: &str = "time_limits";

impl ReferenceData {
    pub(crate) async fn load(store: &dyn Store) -> Result<Self, RepoError> {
        let categories = store.categories().await?.into_iter().map(|c| (c.code.clone(), c)).collect();
        let units = store.units(&UnitFilter::default()).await?.into_iter().map(|u| (u.id, u)).collect();
        let departments = store.departments(None).await?;
        let calendar = Arc::new(load_setting::<Calendar, _>(store, CALENDAR).await?);
        let stage_limits = load_setting::<StageTimeLimits, _>(store, TIME_LIMITS).await?;
        let names = store.names().await?.into_iter().collect();
        Ok(Self { categories, units, departments, calendar, stage_limits, names })
    }

    /// What a case refers to, by name.
    pub(crate) fn labels(&self, c: &Case) -> CaseLabels {
        let name = |id: Option<Uuid>| id.and_then(|id| self.names.get(&id).cloned());
        let unit = |id: Uuid| self.units.get(&id).map(|u| u.name.clone());
        CaseLabels {
            category: self.categories.get(&c.category_code).map(|k| k.name_zh.clone()),
            grid: unit(c.grid_id),
            owner_unit: unit(c.owner_unit_id),
            lead_department: c.lead_department_id.and_then(|id| self.department(id)).map(|d| d.name.clone()),
            handler: name(c.handler_user_id),
            reporter: name(c.reporter_user_id.or(c.reporter_api_key_id)),
        }
    }

    pub(crate) fn stage_limits(&self) -> StageLimits {
        self.stage_limits
    }

    pub(crate) fn calendar(&self) -> Arc<WorkCalendar> {
        self.calendar.clone()
    }

    pub(crate) fn units(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.values()
    }

    pub(crate) fn all_departments(&self) -> &[Department] {
        &self.departments
    }

    pub(crate) fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
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

/// A stored setting, or its default before an admin saved one. A stored
/// document the server cannot read (written by a later version, say) is
/// reported and the default used, rather than refusing every write.
async fn load_setting<W, D>(store: &dyn Store, name: &str) -> Result<D, RepoError>
where
    W: serde::de::DeserializeOwned,
    D: Default + for<'w> TryFrom<&'w W, Error = Vec<gridline_openapi::FieldError>>,
{
    let Some(text) = store.setting(name).await? else { return Ok(D::default()) };
    let parsed = serde_json::from_str::<W>(&text)
        .map_err(|e| e.to_string())
        .and_then(|w| D::try_from(&w).map_err(|e| format!("{e:?}")));
    Ok(parsed.unwrap_or_else(|error| {
        tracing::warn!(%error, setting = name, "a stored setting is unreadable; using the default");
        D::default()
    }))
}
