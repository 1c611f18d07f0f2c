//! Repository implementations, written once and stamped out for each backend:
//! the SQL below is the dialect both PostgreSQL and SQLite accept, bound
//! through types (UUIDs, [`Ts`](crate::types::Ts)) that encode correctly in
//! each. Each macro takes the store type and its sqlx database type; the store
//! provides `reader()` and `writer()` pools.

mod audit;
mod auth;
mod cases;
mod idempotency;
mod org;
mod users;

pub(crate) use audit::audit_repo;
pub(crate) use auth::auth_repo;
pub(crate) use cases::case_repo;
pub(crate) use idempotency::idempotency_repo;
pub(crate) use org::org_repo;
pub(crate) use users::user_repo;

/// Appends an audit entry inside an open transaction.
macro_rules! insert_audit {
    ($tx:expr, $entry:expr) => {{
        let entry: &gridline_domain::audit::NewAuditEntry = $entry;
        sqlx::query(
            "INSERT INTO audit_log (id, at, action, actor_user_id, actor_api_key_id, actor_label, target_type, \
             target_id, client_addr, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(entry.id)
        .bind($crate::types::Ts(entry.at))
        .bind(entry.action.as_str())
        .bind(entry.actor_user_id)
        .bind(entry.actor_api_key_id)
        .bind(&entry.actor_label)
        .bind(&entry.target_type)
        .bind(&entry.target_id)
        .bind(&entry.client_addr)
        .bind($crate::rows::audit_details(entry))
        .execute(&mut *$tx)
        .await
        .map_err($crate::errors::map_sqlx)
    }};
}
pub(crate) use insert_audit;

/// Bumps a cache version inside an open transaction.
macro_rules! bump_cache {
    ($tx:expr, $name:expr) => {
        sqlx::query("UPDATE cache_versions SET version = version + 1 WHERE name = $1")
            .bind($name)
            .execute(&mut *$tx)
            .await
            .map_err($crate::errors::map_sqlx)
    };
}
pub(crate) use bump_cache;
