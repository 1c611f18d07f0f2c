use super::insert_audit;
use crate::sql::{query_as, Dialect, SqlStore};

#[async_trait::async_trait]
impl<DB: Dialect> gridline_domain::ports::AuditRepo for SqlStore<DB> {
    async fn append(&self, entry: gridline_domain::audit::NewAuditEntry) -> Result<(), gridline_domain::RepoError> {
        use crate::errors::map_sqlx;
        let mut tx = self.writer().begin().await.map_err(map_sqlx)?;
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn entries(
        &self,
        filter: &gridline_domain::ports::AuditFilter,
    ) -> Result<Vec<gridline_domain::audit::AuditEntry>, gridline_domain::RepoError> {
        let sql = format!(
            "SELECT {} FROM audit_log WHERE ($1 IS NULL OR action = $1) AND seq > $2 ORDER BY seq LIMIT $3",
            crate::rows::AUDIT_COLUMNS
        );
        query_as::<crate::rows::AuditRow>(&sql)
            .bind(filter.action.map(|a| a.as_str()))
            .bind(filter.after.unwrap_or(0))
            .bind(i64::from(filter.limit))
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }
}

#[async_trait::async_trait]
impl<DB: Dialect> gridline_domain::ports::CacheVersions for SqlStore<DB> {
    async fn cache_versions(&self) -> Result<Vec<(String, i64)>, gridline_domain::RepoError> {
        query_as("SELECT name, version FROM cache_versions ORDER BY name")
            .fetch_all(self.reader())
            .await
            .map_err(crate::errors::map_sqlx)
    }
}
