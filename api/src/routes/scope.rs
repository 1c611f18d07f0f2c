//! Checks the scope of a grant or an API key against its role.

use gridline_domain::{
    identity::{Role, ScopeRule},
    ports::Store,
};
use gridline_openapi::FieldError;
use uuid::Uuid;

use crate::error::ApiError;

/// The role and its scope ids, once the scope fits the role and exists.
///
/// # Errors
/// 422 naming every field at fault.
pub(crate) async fn checked_scope(
    store: &dyn Store,
    role: Role,
    unit_id: Option<Uuid>,
    department_id: Option<Uuid>,
) -> Result<(Role, Option<Uuid>, Option<Uuid>), ApiError> {
    let mut errors = Vec::new();
    match role.scope_rule() {
        ScopeRule::Unit(kinds) => {
            if department_id.is_some() {
                errors.push(FieldError::pointer(
                    "/department_id",
                    format!("a {} grant has no department", role.as_str()),
                ));
            }
            match unit_id {
                None => {
                    errors.push(FieldError::pointer("/unit_id", format!("a {} grant needs an org unit", role.as_str())))
                }
                Some(id) => match store.unit(id).await? {
                    None => errors.push(FieldError::pointer("/unit_id", "no such org unit")),
                    Some(unit) if !kinds.contains(&unit.kind) => {
                        let allowed: Vec<_> = kinds.iter().map(|k| k.as_str()).collect();
                        errors.push(FieldError::pointer(
                            "/unit_id",
                            format!("a {} grant needs a unit of kind {}", role.as_str(), allowed.join(" or ")),
                        ));
                    }
                    Some(_) => {}
                },
            }
        }
        ScopeRule::Department => {
            if unit_id.is_some() {
                errors.push(FieldError::pointer("/unit_id", "a department_staff grant has no org unit"));
            }
            match department_id {
                None => {
                    errors.push(FieldError::pointer("/department_id", "a department_staff grant needs a department"))
                }
                Some(id) if store.department(id).await?.is_none() => {
                    errors.push(FieldError::pointer("/department_id", "no such department"));
                }
                Some(_) => {}
            }
        }
        ScopeRule::None => {
            if unit_id.is_some() {
                errors.push(FieldError::pointer("/unit_id", "an admin grant has no scope"));
            }
            if department_id.is_some() {
                errors.push(FieldError::pointer("/department_id", "an admin grant has no scope"));
            }
        }
    }
    if errors.is_empty() {
        Ok((role, unit_id, department_id))
    } else {
        Err(ApiError::Validation(errors))
    }
}
