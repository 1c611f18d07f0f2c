//! The caller's inbox (消息): what he was told of cases, newest first, and
//! marking it read. Written by the case writes themselves (see
//! `gridline_domain::notifications`); an API key has no inbox.

use actix_web::{get, post, web};
use gridline_domain::{identity::Principal, policy::Action};
use gridline_openapi::{
    notifications::{MarkIds, MarkRead, MarkUpTo, MarkedRead, NotificationPage, NotificationQuery, UnreadCount},
    FieldError, Problem,
};
use uuid::Uuid;

use crate::{
    auth::{require, Auth},
    error::ApiError,
    extract::{ValidJson, ValidQuery},
    state::AppState,
};

fn user(p: &Principal) -> Result<Uuid, ApiError> {
    require(p, Action::OwnAccount)?;
    p.user_id().ok_or(ApiError::NotFound)
}

/// List the caller's notifications
///
/// What the caller was told of cases (a report waits for him, a case was dispatched to his department, a
/// verification waits, a comment, a deadline near or past…), newest first, a page at a time; `unread=true`
/// for those not read yet. Kept 180 days.
#[utoipa::path(
    operation_id = "list_notifications",
    tag = "me",
    security(("bearer" = [])),
    params(NotificationQuery),
    responses(
        (status = 200, description = "A page of notifications", body = NotificationPage),
        (status = 400, description = "A bad cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no inbox", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me/notifications")]
pub(crate) async fn list_notifications(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<NotificationQuery>,
) -> Result<web::Json<NotificationPage>, ApiError> {
    let me = user(&auth.0)?;
    let query = query.parse()?;
    let mut errors = Vec::new();
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::parameter("limit", "must be between 1 and 200"));
    }
    let before = query.cursor;
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let found = state.store.notifications(me, query.unread.unwrap_or(false), before, limit).await?;
    let next_cursor = (found.len() == limit as usize).then(|| found.last().map(|n| n.id.to_string())).flatten();
    Ok(web::Json(NotificationPage { items: found.iter().map(crate::case_views::notification).collect(), next_cursor }))
}

/// Count the caller's unread notifications
///
/// How many of the caller's notifications are not read yet, for the app's badge; cheaper than listing them.
#[utoipa::path(
    operation_id = "count_unread_notifications",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many are unread", body = UnreadCount),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no inbox", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me/notifications/unread-count")]
pub(crate) async fn unread_count(auth: Auth, state: web::Data<AppState>) -> Result<web::Json<UnreadCount>, ApiError> {
    let me = user(&auth.0)?;
    Ok(web::Json(UnreadCount { unread: state.store.unread_count(me).await? }))
}

/// Mark notifications read
///
/// `{"ids": [...]}` marks those (ids of others' notifications, or unknown ones, change nothing);
/// `{"up_to": id}` marks that one and every older one. Answers how many were marked and how many remain.
#[utoipa::path(
    operation_id = "mark_notifications_read",
    tag = "me",
    security(("bearer" = [])),
    request_body = MarkRead,
    responses(
        (status = 200, description = "Marked", body = MarkedRead),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API key has no inbox", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of `ids` and `up_to`, or more than 200 ids", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/me/notifications/read")]
pub(crate) async fn mark_read(
    auth: Auth,
    state: web::Data<AppState>,
    body: ValidJson<MarkRead>,
) -> Result<web::Json<MarkedRead>, ApiError> {
    let me = user(&auth.0)?;
    let body = body.parse()?;
    let at = state.now();
    let marked = match body {
        MarkRead::Ids(MarkIds { ids }) if ids.is_empty() => return Err(ApiError::field("/ids", "name at least one")),
        MarkRead::Ids(MarkIds { ids }) => state.store.mark_read(me, &ids, at).await?,
        MarkRead::UpTo(MarkUpTo { up_to }) => state.store.mark_read_up_to(me, up_to, at).await?,
    };
    Ok(web::Json(MarkedRead { marked, unread: state.store.unread_count(me).await? }))
}
