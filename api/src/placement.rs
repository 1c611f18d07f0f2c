//! Where a case lies: the grid a report or a correction goes to. A grid
//! worker reports in his own grids, a dispatcher in his subtree; a point up
//! to 30 m outside a grid's edge still counts as inside (GPS error), and a
//! point in that band goes to the nearest grid the caller may use.

use gridline_domain::{
    cases::Case,
    crs::Crs,
    geo::Position,
    identity::{Principal, Role, Scope},
    org::{OrgKind, OrgUnit},
};
use gridline_openapi::{cases::Location, FieldError};
use uuid::Uuid;

use crate::{error::ApiError, state::AppState};

/// How far outside a grid's edge a point may lie and still be in it.
pub(crate) const EDGE_TOLERANCE_M: f64 = 30.0;

/// A location from the wire, with every coordinate at fault named.
pub(crate) fn position(l: &Location, pointer: &str, errors: &mut Vec<FieldError>) -> Option<Position> {
    let mut ok = true;
    if !(l.lat.is_finite() && (-90.0..=90.0).contains(&l.lat)) {
        errors.push(FieldError::pointer(format!("{pointer}/lat"), "must be between -90 and 90"));
        ok = false;
    }
    if !(l.lon.is_finite() && (-180.0..=180.0).contains(&l.lon)) {
        errors.push(FieldError::pointer(format!("{pointer}/lon"), "must be between -180 and 180"));
        ok = false;
    }
    // Stored in WGS-84, whatever the phone's map spoke.
    let crs = l.crs.map_or(Crs::Wgs84, Into::into);
    ok.then(|| crs.to_wgs84(Position { lon: l.lon, lat: l.lat }))
}

/// The area a reporter may use: his grids as a grid worker, his subtrees as a dispatcher.
struct Area {
    grids: Vec<Uuid>,
    subtrees: Vec<String>,
}

impl Area {
    fn of(p: &Principal) -> Self {
        let mut area = Self { grids: Vec::new(), subtrees: Vec::new() };
        for g in &p.grants {
            match (&g.role, &g.scope) {
                (Role::GridWorker, Scope::Unit { id, .. }) => area.grids.push(*id),
                (Role::Dispatcher, Scope::Unit { path, .. }) => area.subtrees.push(path.clone()),
                _ => {}
            }
        }
        area
    }

    /// The area below one unit (the owner of a case being corrected).
    fn below(path: &str) -> Self {
        Self { grids: Vec::new(), subtrees: vec![path.to_owned()] }
    }

    fn holds(&self, grid: &OrgUnit) -> bool {
        grid.kind == OrgKind::Grid
            && (self.grids.contains(&grid.id) || self.subtrees.iter().any(|p| grid.path.starts_with(p.as_str())))
    }
}

/// Whether the point lies in the grid, within the tolerance (a grid without
/// a drawn boundary cannot refuse a point).
fn lies_in(state: &AppState, grid: Uuid, point: Position) -> bool {
    state.grid_index().boundary(grid).is_none_or(|b| b.distance_m(point) <= EDGE_TOLERANCE_M)
}

/// A grid of the area the point lies in: the one containing it, else the
/// nearest within the tolerance.
async fn locate_in(state: &AppState, area: &Area, point: Position) -> Result<Option<OrgUnit>, ApiError> {
    let index = state.grid_index();
    let candidates =
        index.locate(point).into_iter().chain(index.near(point, EDGE_TOLERANCE_M).into_iter().map(|(id, _)| id));
    for id in candidates {
        if let Some(unit) = state.unit(id).await?.filter(|u| area.holds(u)) {
            return Ok(Some(unit));
        }
    }
    Ok(None)
}

async fn named_grid(state: &AppState, area: &Area, id: Uuid) -> Result<Option<OrgUnit>, ApiError> {
    Ok(state.unit(id).await?.filter(|u| area.holds(u)))
}

/// The grid a report goes to.
///
/// # Errors
/// 422 on `/grid_id` for a grid outside the caller's area (the same answer
/// as for no grid at all), on `/location` for a point outside it.
pub(crate) async fn report_grid(
    state: &AppState,
    p: &Principal,
    grid_id: Option<Uuid>,
    point: Position,
) -> Result<OrgUnit, ApiError> {
    let area = Area::of(p);
    if let Some(id) = grid_id {
        let grid = named_grid(state, &area, id)
            .await?
            .ok_or_else(|| ApiError::field("/grid_id", "no such grid in the area you may report in"))?;
        if !lies_in(state, grid.id, point) {
            return Err(ApiError::field("/location", "lies outside the grid named by grid_id"));
        }
        return Ok(grid);
    }
    if let Some(grid) = locate_in(state, &area, point).await? {
        return Ok(grid);
    }
    // A lone grid without a boundary: nothing to locate against.
    if let ([only], []) = (area.grids.as_slice(), area.subtrees.as_slice()) {
        if state.grid_index().boundary(*only).is_none() {
            if let Some(grid) = state.unit(*only).await? {
                return Ok(grid);
            }
        }
    }
    Err(ApiError::field("/location", "lies outside the area you may report in"))
}

/// The grid a correction moves the case to, if it moves: the named grid
/// (which must hold the point), or, when only the point moves out of its
/// grid, the grid of the owning unit's area that holds it.
///
/// # Errors
/// 422 on `/grid_id` or `/location` as for a report, the area being the
/// owning unit's.
pub(crate) async fn corrected_grid(
    state: &AppState,
    case: &Case,
    grid_id: Option<Uuid>,
    point: Option<Position>,
) -> Result<Option<OrgUnit>, ApiError> {
    let area = Area::below(&case.owner_path);
    let at = point.unwrap_or(case.location);
    if let Some(id) = grid_id {
        let grid = named_grid(state, &area, id)
            .await?
            .ok_or_else(|| ApiError::field("/grid_id", "no such grid in the area of the case's owning unit"))?;
        if !lies_in(state, grid.id, at) {
            return Err(ApiError::field("/location", "lies outside the grid named by grid_id"));
        }
        return Ok(Some(grid));
    }
    match point {
        Some(point) if !lies_in(state, case.grid_id, point) => match locate_in(state, &area, point).await? {
            Some(grid) => Ok(Some(grid)),
            None => Err(ApiError::field("/location", "lies outside the area of the case's owning unit")),
        },
        _ => Ok(None),
    }
}
