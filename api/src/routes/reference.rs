//! Reference data for phones: enough to report, place and label cases
//! offline, fetched again only when it changed (`ETag`, 304).

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use gridline_domain::{
    cases::department_serves,
    identity::{Principal, Scope},
    org::{OrgKind, OrgUnit},
};
use gridline_openapi::{org::ReferenceView, Problem};

use crate::{auth::Auth, case_service::names_current, case_views, error::ApiError, state::AppState, views};

/// The unit paths the caller's grants cover; `None`: everything (an admin).
fn area(p: &Principal) -> Option<Vec<String>> {
    if p.is_admin() {
        return None;
    }
    Some(
        p.grants
            .iter()
            .filter_map(|g| match &g.scope {
                Scope::Unit { path, .. } => Some(path.clone()),
                Scope::Department { unit_path, .. } => Some(unit_path.clone()),
                Scope::Global => None,
            })
            .collect(),
    )
}

/// Get the reference data for offline work
///
/// The category catalog, the org units of the caller's area (parents before children, grids with their
/// boundaries, in WGS-84 as GeoJSON requires) and the departments that serve them, so that an app can
/// report, locate and label cases without a signal. Send the `ETag` back as `If-None-Match`: 304 while
/// nothing in it changed.
#[utoipa::path(
    operation_id = "get_reference",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The reference data", body = ReferenceView, headers(("ETag" = String, description = "Names this answer"))),
        (status = 304, description = "Not modified since the `If-None-Match` tag", headers(("ETag" = String, description = "The tag named"))),
        (status = 400, description = "A malformed `If-None-Match`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/reference")]
pub(crate) async fn reference(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let data = state.reference();
    let paths = area(&auth.0);
    let within = |u: &OrgUnit| paths.as_ref().is_none_or(|ps| ps.iter().any(|p| u.path.starts_with(p.as_str())));
    let mut units: Vec<&OrgUnit> = data.units().filter(|u| within(u)).collect();
    // Parents before children, then by code: the same answer for the same data.
    units.sort_by(|a, b| (a.path.matches('/').count(), &a.code).cmp(&(b.path.matches('/').count(), &b.code)));
    let grids: Vec<&&OrgUnit> = units.iter().filter(|u| u.kind == OrgKind::Grid).collect();
    let mut departments: Vec<_> = data
        .all_departments()
        .iter()
        .filter(|d| paths.is_none() || grids.iter().any(|g| department_serves(d, &g.path)))
        .collect();
    departments.sort_by(|a, b| a.code.cmp(&b.code));
    let mut categories: Vec<_> = data.categories().collect();
    categories.sort_by(|a, b| a.code.cmp(&b.code));
    let body = ReferenceView {
        categories: categories.into_iter().map(case_views::category).collect(),
        units: units.into_iter().map(views::unit).collect(),
        departments: departments.into_iter().map(views::department).collect(),
    };
    let body = serde_json::to_string(&body).map_err(|e| ApiError::Internal(e.into()))?;
    let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
    let tag = format!("\"{}\"", digest.as_ref()[..10].iter().map(|b| format!("{b:02x}")).collect::<String>());
    if names_current(&req, &tag)? {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    Ok(HttpResponse::Ok().content_type("application/json").insert_header((header::ETAG, tag)).body(body))
}
