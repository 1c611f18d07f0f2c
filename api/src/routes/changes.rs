//! The global change sequence, for admins now; sync for every role comes later.

use actix_web::{get, web};
use gridline_domain::policy::Action;
use gridline_openapi::{
    cases::{ChangeQuery, ChangeView, VisibilityView},
    FieldError, Problem,
};

use crate::{
    auth::{require, Auth},
    case_views,
    error::ApiError,
    extract::ValidQuery,
    state::AppState,
};

fn visibility(v: &gridline_domain::cases::Visibility) -> VisibilityView {
    VisibilityView {
        grid_id: v.grid_id,
        owner_unit_id: v.owner_unit_id,
        department_ids: v.department_ids.clone(),
        handler_user_id: v.handler_user_id,
    }
}

/// Follow every change to cases
///
/// Every change to every case after `after`, in sequence order, each with who could see the case before and
/// after it, for integrations that keep a copy. Pass the last `seq` you got as `after`: no change is ever
/// skipped, also one whose transaction commits late.
#[utoipa::path(
    operation_id = "list_changes",
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(ChangeQuery),
    responses(
        (status = 200, description = "Changes, oldest first", body = [ChangeView]),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/changes")]
pub(crate) async fn changes(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<ChangeQuery>,
) -> Result<web::Json<Vec<ChangeView>>, ApiError> {
    require(&auth.0, Action::ReadAudit)?;
    let query = query.parse()?;
    let limit = query.limit.unwrap_or(500);
    if !(1..=5000).contains(&limit) {
        return Err(ApiError::InvalidQuery(vec![FieldError::parameter("limit", "must be between 1 and 5000")]));
    }
    let events = state.store.changes(query.after.unwrap_or(0), limit).await?;
    Ok(web::Json(
        events
            .iter()
            .map(|e| ChangeView {
                case_id: e.case_id,
                event: case_views::event(e),
                visible_before: e.visible_before.as_ref().map(visibility),
                visible_after: visibility(&e.visible_after),
            })
            .collect(),
    ))
}
