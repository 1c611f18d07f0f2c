//! "Has this already been reported?": open cases near a point, nearest first,
//! so that a grid worker sees a duplicate before filing it.

use actix_web::{get, web};
use gridline_domain::{
    cases::{CaseScope, CaseStatus},
    crs::Crs,
    geo::{box_around, distance_m, Position},
    ports::CaseFilter,
};
use gridline_openapi::{
    cases::{NearbyCase, NearbyPage, NearbyQuery},
    FieldError, Problem,
};

use crate::{auth::Auth, case_views, error::ApiError, extract::ValidQuery, state::AppState};

const MAX_RADIUS_M: u32 = 2000;

/// Find open cases near a point
///
/// The open cases (not closed, rejected or cancelled) the caller may see within `radius_m` of a point,
/// nearest first, each with its distance, optionally of one category (a 大类 with its 小类): the app asks
/// before a report whether the problem is already reported.
#[utoipa::path(
    operation_id = "list_nearby_cases",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(NearbyQuery),
    responses(
        (status = 200, description = "Open cases near the point, nearest first", body = NearbyPage),
        (status = 400, description = "A point, radius, category or limit that cannot be", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/cases/nearby")]
pub(crate) async fn nearby(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<NearbyQuery>,
) -> Result<web::Json<NearbyPage>, ApiError> {
    let q = query.parse()?;
    let mut errors = Vec::new();
    if !(-90.0..=90.0).contains(&q.lat) {
        errors.push(FieldError::parameter("lat", "must be between -90 and 90"));
    }
    if !(-180.0..=180.0).contains(&q.lon) {
        errors.push(FieldError::parameter("lon", "must be between -180 and 180"));
    }
    let radius = q.radius_m.unwrap_or(200);
    if !(1..=MAX_RADIUS_M).contains(&radius) {
        errors.push(FieldError::parameter("radius_m", format!("must be between 1 and {MAX_RADIUS_M}")));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        errors.push(FieldError::parameter("limit", "must be between 1 and 100"));
    }
    let mut category_codes = Vec::new();
    if let Some(code) = &q.category_code {
        category_codes = state.category_family(code);
        if category_codes.is_empty() {
            errors.push(FieldError::parameter("category_code", "is not a category"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let crs = q.crs.map_or(Crs::Wgs84, Into::into);
    let center = crs.to_wgs84(Position { lat: q.lat, lon: q.lon });
    let at = state.now();
    let scope = CaseScope::of(&auth.0);
    // Look close first, then wider: once `limit` cases lie within a ring,
    // they are the nearest of all, and a busy street is not sorted whole.
    let radius = f64::from(radius);
    let mut found = Vec::new();
    for ring in [radius / 16.0, radius / 4.0, radius] {
        let filter = CaseFilter {
            statuses: CaseStatus::ALL.into_iter().filter(|s| !s.is_final()).collect(),
            category_codes: category_codes.clone(),
            bbox: Some(box_around(center, ring)),
            limit,
            ..CaseFilter::default()
        };
        found = state.store.nearest_cases(&scope, &filter, center, at).await?;
        found.retain(|c| distance_m(center, c.location) <= ring);
        if found.len() == limit as usize {
            break;
        }
    }
    let names = state.reference();
    let items = found
        .iter()
        .map(|c| (distance_m(center, c.location), c))
        .map(|(d, c)| NearbyCase {
            distance_m: (d * 10.0).round() / 10.0,
            case: case_views::case(c, &auth.0, at, &names, crs),
        })
        .collect();
    Ok(web::Json(NearbyPage { items }))
}
