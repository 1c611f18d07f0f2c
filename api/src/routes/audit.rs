//! The audit log, read-only, for admins.

use actix_web::{get, web};
use gridline_domain::{policy::Action, ports::AuditFilter};
use gridline_openapi::{
    admin::{AuditEntryView, AuditQuery},
    FieldError, Problem,
};

use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::ValidQuery,
    state::AppState,
    views,
};

/// List the audit log
///
/// Security and admin actions (logins refused, grants, keys, user changes), oldest first. Admins only. Page
/// by passing the last entry's `id` as `after`.
#[utoipa::path(
    operation_id = "list_audit_entries",
    tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Entries", body = [AuditEntryView]),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/audit")]
pub(crate) async fn list_audit(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<AuditQuery>,
) -> Result<web::Json<Vec<AuditEntryView>>, ApiError> {
    require(&auth.0, Action::ReadAudit)?;
    let query = query.parse()?;
    let mut errors = Vec::new();
    let action = query.action.map(Into::into);
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::parameter("limit", "must be between 1 and 1000"));
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let entries = state.store.entries(&AuditFilter { action, after: query.after, limit }).await?;
    Ok(web::Json(entries.iter().map(views::audit).collect()))
}
