//! Accounts and role grants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::values::Role;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::create_user)]
pub struct CreateUser {
    /// 3 to 64 characters: lower-case letters, digits, `_`, `.`, `-`.
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 100)]
    pub display_name: String,
    #[serde(default)]
    #[schema(max_length = 32)]
    pub phone: Option<String>,
    /// At least 8 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_user)]
pub struct UpdateUser {
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// `null` clears the phone.
    #[serde(default, with = "crate::double_option")]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub phone: Option<Option<String>>,
    /// `false` deactivates the user and ends every session at once.
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Return users whose username sorts after this one (keyset pagination).
    pub after: Option<String>,
    /// 1 to 500; default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// A role held over a scope.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantView {
    pub id: Uuid,
    pub role: Role,
    /// The org unit the grant covers (grid worker, dispatcher, leader).
    pub unit_id: Option<Uuid>,
    /// The department the grant covers (department staff).
    pub department_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::grant)]
pub struct CreateGrant {
    /// `grid_worker` (on a grid), `dispatcher` (on a community, street or
    /// district), `department_staff` (on a department), `leader` (on any unit)
    /// or `admin` (no scope).
    pub role: Role,
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    #[serde(default)]
    pub department_id: Option<Uuid>,
}
