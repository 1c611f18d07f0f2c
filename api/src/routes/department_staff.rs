//! A department's staff, so that a dispatcher can name a handler.

use actix_web::{get, web, HttpRequest};
use gridline_domain::policy::{may_list_staff, Decision};
use gridline_openapi::{org::StaffMember, Problem};

use crate::{auth::Auth, error::ApiError, extract::path_uuid, state::AppState};

/// List a department's staff
///
/// The department's active staff, by name, to choose a handler when dispatching: for admins and for
/// dispatchers whose territory the department may serve.
#[utoipa::path(
    operation_id = "list_department_staff",
    tag = "org",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path, description = "The department's id")),
    responses(
        (status = 200, description = "The staff", body = [StaffMember]),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, nor a dispatcher the department may serve", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/departments/{id}/staff")]
pub(crate) async fn list_staff(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<Vec<StaffMember>>, ApiError> {
    let id = path_uuid(&req, "id")?;
    let dept = state.store.department(id).await?.ok_or(ApiError::NotFound)?;
    match may_list_staff(&auth.0, &dept) {
        Decision::Allow => {}
        Decision::NotVisible => return Err(ApiError::NotFound),
        Decision::Forbidden => {
            return Err(ApiError::Forbidden("only dispatchers the department may serve pick its staff".into()))
        }
    }
    let staff = state.store.department_staff(dept.id).await?;
    Ok(web::Json(staff.into_iter().map(|u| StaffMember { id: u.id, display_name: u.display_name }).collect()))
}
