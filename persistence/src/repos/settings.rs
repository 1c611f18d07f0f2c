use gridline_domain::{audit::NewAuditEntry, ports::SettingsRepo, RepoError};

use super::{bump_cache, insert_audit};
use crate::{
    errors::map_sqlx,
    sql::{query, query_scalar, Dialect, SqlStore},
    types::Ts,
};

#[async_trait::async_trait]
impl<DB: Dialect> SettingsRepo for SqlStore<DB> {
    async fn setting(&self, name: &str) -> Result<Option<String>, RepoError> {
        query_scalar::<String>("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(self.reader())
            .await
            .map_err(map_sqlx)
    }

    async fn save_setting(
        &self,
        name: &str,
        value: &str,
        at: chrono::DateTime<chrono::Utc>,
        audit: NewAuditEntry,
    ) -> Result<(), RepoError> {
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        query(
            "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(Ts(at))
        .execute(&mut tx)
        .await
        .map_err(map_sqlx)?;
        bump_cache(&mut tx, "reference").await?;
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(map_sqlx)
    }
}
