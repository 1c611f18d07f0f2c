//! Ids a request refers to, resolved through what the caller may see or
//! use: an id outside that gets exactly the answer an unknown id gets, so
//! no reference can probe for existence.

use std::collections::HashSet;

use gridline_domain::{
    cases::{department_serves, Case},
    identity::Principal,
};
use gridline_openapi::FieldError;
use uuid::Uuid;

use crate::{case_service::visible_case, error::ApiError, state::AppState};

/// `duplicate_of` on a rejection: a case the caller sees.
///
/// # Errors
/// 422 on `/duplicate_of`, the same for a case unseen and no case at all.
pub(crate) async fn duplicate_of(state: &AppState, p: &Principal, id: Uuid) -> Result<Uuid, ApiError> {
    match visible_case(state, p, id).await {
        Ok(case) => Ok(case.id),
        Err(ApiError::NotFound) => Err(ApiError::field("/duplicate_of", "no such case")),
        Err(e) => Err(e),
    }
}

/// Where a dispatch sends the case, checked.
pub(crate) struct Targets {
    pub lead: Uuid,
    pub assisting: Vec<Uuid>,
    pub handler: Option<Uuid>,
}

async fn serves(state: &AppState, department: Uuid, case: &Case) -> Result<bool, ApiError> {
    Ok(state.department(department).await?.is_some_and(|d| department_serves(&d, &case.grid_path)))
}

/// The lead and assisting departments must serve the case's grid (its unit
/// is the grid or above it); the handler must be active staff of the lead.
///
/// # Errors
/// 422 listing every field at fault; an unknown department and one that
/// does not serve the case get the same answer, and so do the handlers.
pub(crate) async fn dispatch_targets(
    state: &AppState,
    case: &Case,
    lead: Uuid,
    assisting: Vec<Uuid>,
    handler: Option<Uuid>,
) -> Result<Targets, ApiError> {
    const NOT_SERVING: &str = "no such department serves this case's grid";
    let mut errors = Vec::new();
    let lead_ok = serves(state, lead, case).await?;
    if !lead_ok {
        errors.push(FieldError::pointer("/lead_department_id", NOT_SERVING));
    }
    let mut seen = HashSet::new();
    for (i, d) in assisting.iter().enumerate() {
        let pointer = format!("/assisting_department_ids/{i}");
        if *d == lead {
            errors.push(FieldError::pointer(pointer, "the lead department cannot also assist"));
        } else if !seen.insert(*d) {
            errors.push(FieldError::pointer(pointer, "repeats an earlier department"));
        } else if !serves(state, *d, case).await? {
            errors.push(FieldError::pointer(pointer, NOT_SERVING));
        }
    }
    if let Some(h) = handler {
        let staff = lead_ok && state.store.department_staff(lead).await?.iter().any(|u| u.id == h);
        if !staff {
            errors.push(FieldError::pointer("/handler_user_id", "is not active staff of the lead department"));
        }
    }
    if errors.is_empty() {
        Ok(Targets { lead, assisting, handler })
    } else {
        Err(ApiError::Validation(errors))
    }
}
