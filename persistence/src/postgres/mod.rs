//! The PostgreSQL adapter.

use std::str::FromStr;

use async_trait::async_trait;
use gridline_domain::{ports::Readiness, RepoError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::{errors::map_sqlx, ConnectError, DbOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
pub(crate) struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub(crate) async fn connect(url: &str, options: &DbOptions) -> Result<Self, ConnectError> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(ConnectError::InvalidUrl)?
            .application_name("gridline")
            .statement_cache_capacity(options.statement_cache_capacity);
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(ConnectError::Connect)?;
        Ok(Self { pool })
    }

    pub(crate) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn reader(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &PgPool {
        &self.pool
    }
}

impl crate::DbType for PgStore {
    type Db = sqlx::Postgres;
}

crate::repos::org_repo!(PgStore);
crate::repos::user_repo!(PgStore);
crate::repos::auth_repo!(PgStore);
crate::repos::audit_repo!(PgStore);
crate::repos::case_repo!(PgStore);
crate::repos::idempotency_repo!(PgStore);

impl PgStore {
    /// Only events of transactions older than every running one: later
    /// numbers may still be joined by a transaction that commits late.
    const CHANGES_FILTER: &'static str = " AND xid < pg_snapshot_xmin(pg_current_snapshot())";

    /// Reserves the numbers of a transaction's events; must be its first
    /// statement, so that its xid is assigned together with them.
    async fn reserve_seqs(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        n: usize,
    ) -> Result<Vec<Option<i64>>, RepoError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let seqs: Vec<i64> = sqlx::query_scalar("SELECT reserve_case_event_seqs($1)")
            .bind(i32::try_from(n).unwrap_or(i32::MAX))
            .fetch_one(&mut **tx)
            .await
            .map_err(map_sqlx)?;
        Ok(seqs.into_iter().map(Some).collect())
    }

    async fn take_case_number(&self) -> Result<i64, RepoError> {
        sqlx::query_scalar("SELECT nextval('case_number_seq')").fetch_one(&self.pool).await.map_err(map_sqlx)
    }
}

#[async_trait]
impl Readiness for PgStore {
    async fn ping(&self) -> Result<(), RepoError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_sqlx)?;
        Ok(())
    }
}
