use async_trait::async_trait;
use gridline_domain::{
    ports::{Backlog, Readiness},
    RepoError,
};

use crate::{
    errors::map_sqlx,
    sql::{query, query_scalar, Dialect, SqlStore},
};

#[async_trait]
impl<DB: Dialect> Readiness for SqlStore<DB> {
    async fn ping(&self) -> Result<(), RepoError> {
        query("SELECT 1").execute(self.reader()).await.map_err(map_sqlx)?;
        Ok(())
    }

    async fn backlog(&self) -> Result<Backlog, RepoError> {
        let outbox_pending: i64 =
            query_scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL")
                .fetch_one(self.reader())
                .await
                .map_err(map_sqlx)?;
        let oldest_change_writer_s = match DB::OLDEST_CHANGE_WRITER {
            Some(sql) => query_scalar::<i64>(sql).fetch_one(self.reader()).await.map_err(map_sqlx)? as f64 / 1000.0,
            None => 0.0,
        };
        Ok(Backlog { outbox_pending, oldest_change_writer_s })
    }
}
