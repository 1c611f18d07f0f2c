use async_trait::async_trait;
use gridline_domain::{ports::Readiness, RepoError};

use crate::{
    errors::map_sqlx,
    sql::{query, Dialect, SqlStore},
};

#[async_trait]
impl<DB: Dialect> Readiness for SqlStore<DB> {
    async fn ping(&self) -> Result<(), RepoError> {
        query("SELECT 1").execute(self.reader()).await.map_err(map_sqlx)?;
        Ok(())
    }
}
