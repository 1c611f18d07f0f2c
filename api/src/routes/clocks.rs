//! The clocks' settings: the working calendar (工作日历), whose holidays and
//! make-up working days admins load each year, and the stage limits.
//! Everyone signed in reads them; admins replace them.

use actix_web::{get, put, web, HttpRequest};
use gridline_domain::{
    audit::{AuditAction, NewAuditEntry},
    calendar::WorkCalendar,
    cases::StageLimits,
    identity::Principal,
    policy::Action,
    time::now,
};
use gridline_openapi::{
    calendar::{Calendar, StageTimeLimits},
    Problem,
};

use super::client_addr;
use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::ValidJson,
    reference_data::{CALENDAR, TIME_LIMITS},
    state::AppState,
};

/// Get the working calendar
///
/// The hours, holidays and make-up working days (调休) by which clocks counted in working hours or working days
/// run. Until an admin saves one: 08:30–12:00 and 14:00–17:30, Monday to Friday, Asia/Shanghai, no holidays.
#[utoipa::path(
    operation_id = "get_calendar",
    tag = "clocks",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The calendar", body = Calendar),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/calendar")]
pub(crate) async fn get_calendar(auth: Auth, state: web::Data<AppState>) -> Result<web::Json<Calendar>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    Ok(web::Json(Calendar::from(&*state.calendar())))
}

/// Replace the working calendar
///
/// Admins replace the whole calendar, typically once a year when the official holidays and make-up working days
/// are published. Periods of a day must be in order and must not overlap; a date may not be both a holiday and
/// a make-up working day. A change applies to clocks started after it, on every node; deadlines already set stay.
#[utoipa::path(
    operation_id = "replace_calendar",
    tag = "clocks",
    security(("bearer" = []), ("api_key" = [])),
    request_body = Calendar,
    responses(
        (status = 200, description = "The calendar as saved", body = Calendar),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/calendar")]
pub(crate) async fn replace_calendar(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<Calendar>,
) -> Result<web::Json<Calendar>, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let body = body.parse()?;
    let calendar = WorkCalendar::try_from(&body).map_err(ApiError::Validation)?;
    // Stored as the server writes it: sorted, each date once.
    let saved = Calendar::from(&calendar);
    save(&state, &auth.0, &req, CALENDAR, &saved).await?;
    Ok(web::Json(saved))
}

/// Stores a setting as its document, audited, and makes every node reload it.
pub(crate) async fn save<T: serde::Serialize>(
    state: &AppState,
    p: &Principal,
    req: &HttpRequest,
    name: &str,
    document: &T,
) -> Result<(), ApiError> {
    let text = serde_json::to_string(document).map_err(|e| ApiError::Internal(e.into()))?;
    let at = now();
    let audit =
        NewAuditEntry::new(AuditAction::SettingsChanged, at).by(p).target("setting", name).from_addr(client_addr(req));
    state.store.save_setting(name, &text, at, audit).await?;
    state.reference_changed().await;
    Ok(())
}

/// Get the stage time limits
///
/// How long accepting (立案), dispatching (派遣) and verifying (核查) may take; handling (处置) is per category
/// and priority. Until an admin saves them: one working hour to accept, one to dispatch, four to verify.
#[utoipa::path(
    operation_id = "get_time_limits",
    tag = "clocks",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The stage limits", body = StageTimeLimits),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/time-limits")]
pub(crate) async fn get_time_limits(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<web::Json<StageTimeLimits>, ApiError> {
    require(&auth.0, Action::ReadOrg)?;
    Ok(web::Json(StageTimeLimits::from(&state.stage_limits())))
}

/// Replace the stage time limits
///
/// Admins set how long accepting, dispatching and verifying may take, each in `natural_hours`, `working_hours`
/// or `working_days`. A change applies to clocks started after it, on every node.
#[utoipa::path(
    operation_id = "replace_time_limits",
    tag = "clocks",
    security(("bearer" = []), ("api_key" = [])),
    request_body = StageTimeLimits,
    responses(
        (status = 200, description = "The stage limits as saved", body = StageTimeLimits),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/time-limits")]
pub(crate) async fn replace_time_limits(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<StageTimeLimits>,
) -> Result<web::Json<StageTimeLimits>, ApiError> {
    require(&auth.0, Action::ManageOrg)?;
    let body = body.parse()?;
    let limits = StageLimits::try_from(&body).map_err(ApiError::Validation)?;
    let saved = StageTimeLimits::from(&limits);
    save(&state, &auth.0, &req, TIME_LIMITS, &saved).await?;
    Ok(web::Json(saved))
}
