//! The repository implementations, written once for both backends as generic
//! implementations over [`Dialect`]: the SQL below is the dialect PostgreSQL
//! and SQLite both accept, bound through values ([`Arg`](crate::sql::Arg))
//! that encode correctly in each.

mod audit;
mod auth;
mod bulk;
mod cases;
mod idempotency;
mod media;
mod notifications;
mod org;
mod push;
mod readiness;
mod riders;
mod settings;
mod stats;
mod sweep;
mod uploads;
mod users;
mod webhooks;

use gridline_domain::{audit::NewAuditEntry, RepoError};
use sqlx::Transaction;

use crate::{
    errors::map_sqlx,
    rows::audit_details,
    sql::{query, Dialect},
    types::Ts,
};

/// Appends an audit entry inside an open transaction.
async fn insert_audit<DB: Dialect>(tx: &mut Transaction<'_, DB>, entry: &NewAuditEntry) -> Result<(), RepoError> {
    query(
        "INSERT INTO audit_log (id, at, action, actor_user_id, actor_api_key_id, actor_label, target_type, \
         target_id, client_addr, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.id)
    .bind(Ts(entry.at))
    .bind(entry.action.as_str())
    .bind(entry.actor_user_id)
    .bind(entry.actor_api_key_id)
    .bind(&entry.actor_label)
    .bind(&entry.target_type)
    .bind(&entry.target_id)
    .bind(&entry.client_addr)
    .bind(audit_details(entry))
    .execute(tx)
    .await
    .map_err(map_sqlx)?;
    Ok(())
}

/// Bumps a cache version inside an open transaction, so that every node
/// reloads that cache once the change commits.
async fn bump_cache<DB: Dialect>(tx: &mut Transaction<'_, DB>, name: &str) -> Result<(), RepoError> {
    query("UPDATE cache_versions SET version = version + 1 WHERE name = $1")
        .bind(name)
        .execute(tx)
        .await
        .map_err(map_sqlx)?;
    Ok(())
}
