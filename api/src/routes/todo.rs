//! 待办: what waits for the caller, soonest due first, with counts for badges.

use actix_web::{get, web};
use gridline_domain::{
    cases::{Step, TodoScope, TODO_RULES},
    crs::Crs,
    ports::CaseSort,
};
use gridline_openapi::{
    cases::{TodoCounts, TodoPage, TodoQuery},
    FieldError, Problem,
};

use super::case_list::{cursor_of, parse_cursor};
use crate::{auth::Auth, case_views, error::ApiError, extract::ValidQuery, state::AppState};

fn counts(per_rule: &[u64]) -> TodoCounts {
    let mut c = TodoCounts::default();
    for (rule, n) in TODO_RULES.iter().zip(per_rule) {
        let slot = match rule.step {
            Step::Accept => &mut c.accept,
            Step::Reject => &mut c.reject,
            Step::Dispatch => &mut c.dispatch,
            Step::Return => &mut c.return_,
            Step::Start => &mut c.start,
            Step::Resolve => &mut c.resolve,
            Step::VerifyPassed | Step::VerifyFailed => &mut c.verify,
            Step::Cancel => &mut c.cancel,
            Step::RequestExtension => &mut c.extension_requests,
            Step::DecideExtension => &mut c.extension_decision,
            Step::Suspend => &mut c.suspend,
            Step::Resume => &mut c.resume,
            Step::Comment | Step::Correct | Step::Escalate | Step::Urge | Step::Feedback | Step::Reopen => continue,
        };
        *slot += n;
    }
    c
}

/// List the caller's to-dos (待办)
///
/// The cases on which the caller can take a workflow step now (any of `allowed_actions` but `comments`,
/// `update`, `escalate` and `urge`, and the follow-up of a closed case, `feedback` and `reopen`), soonest due first, a page at a time, with how many cases wait for each
/// step over the whole list, for the app's badges.
#[utoipa::path(
    operation_id = "list_todo",
    tag = "me",
    security(("bearer" = []), ("api_key" = [])),
    params(TodoQuery),
    responses(
        (status = 200, description = "A page of to-dos and the counts", body = TodoPage),
        (status = 400, description = "A bad cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/me/todo")]
pub(crate) async fn todo(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<TodoQuery>,
) -> Result<web::Json<TodoPage>, ApiError> {
    let query = query.parse()?;
    let mut errors = Vec::new();
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::parameter("limit", "must be between 1 and 200"));
    }
    let after = query.cursor.as_deref().and_then(|c| {
        parse_cursor(c, CaseSort::Due).or_else(|| {
            errors.push(FieldError::parameter("cursor", "is not a cursor this server gave"));
            None
        })
    });
    if !errors.is_empty() {
        return Err(ApiError::InvalidQuery(errors));
    }
    let crs = query.crs.map_or(Crs::Wgs84, Into::into);
    let who = TodoScope::of(&auth.0);
    // The badges first: how many there are decides how the page is looked for.
    let per_rule = state.store.todo_counts(&who).await?;
    let found = state.store.todo_cases(&who, after, limit, per_rule.iter().sum()).await?;
    let at = state.now();
    let names = state.reference();
    let next_cursor =
        (found.len() == limit as usize).then(|| found.last().map(|c| cursor_of(c, CaseSort::Due))).flatten();
    Ok(web::Json(TodoPage {
        items: found.iter().map(|c| case_views::case(c, &auth.0, at, &names, crs)).collect(),
        counts: counts(&per_rule),
        next_cursor,
    }))
}
