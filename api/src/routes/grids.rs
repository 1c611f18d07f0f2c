//! Which grid a point lies in.

use actix_web::{get, web};
use gridline_domain::{geo::Position, policy::Action};
use gridline_openapi::{
    org::{LocateQuery, OrgUnitView},
    FieldError, Problem,
};

use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::ValidQuery,
    state::AppState,
    views,
};

/// Find the grid at a point
///
/// The grid containing a point (in `crs`, default WGS-84), from the node's in-memory index of boundaries
/// (kept current across nodes within a second); 404 when no grid contains it. The grid's boundary is
/// GeoJSON, in WGS-84 as RFC 7946 requires.
#[utoipa::path(
    operation_id = "locate_grid",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(LocateQuery),
    responses(
        (status = 200, description = "The grid", body = OrgUnitView),
        (status = 400, description = "A missing or out-of-range coordinate", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No grid contains the point", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/grids/locate")]
pub(crate) async fn locate(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<LocateQuery>,
) -> Result<web::Json<OrgUnitView>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    let point = point_of(query.parse()?)?;
    let id = state.grid_index().locate(point).ok_or(ApiError::NotFound)?;
    let grid = state.store.unit(id).await?.ok_or(ApiError::NotFound)?;
    Ok(web::Json(views::unit(&grid)))
}

/// The WGS-84 point a locate query names, or 400 naming the coordinate at fault.
pub(super) fn point_of(query: LocateQuery) -> Result<Position, ApiError> {
    let mut errors = Vec::new();
    if !(query.lat.is_finite() && (-90.0..=90.0).contains(&query.lat)) {
        errors.push(FieldError::parameter("lat", "must be between -90 and 90"));
    }
    if !(query.lon.is_finite() && (-180.0..=180.0).contains(&query.lon)) {
        errors.push(FieldError::parameter("lon", "must be between -180 and 180"));
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let crs: gridline_domain::crs::Crs = query.crs.map_or_else(Default::default, Into::into);
    Ok(crs.to_wgs84(Position { lon: query.lon, lat: query.lat }))
}
