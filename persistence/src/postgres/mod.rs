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

use crate::SEQUENCE_LOCK;

impl PgStore {
    /// Holds the change sequence until the transaction ends, so that event
    /// numbers are taken in commit order: a transaction that took number N
    /// has committed (or rolled back) before any other can take N + 1.
    async fn hold_sequence(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), RepoError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SEQUENCE_LOCK)
            .execute(&mut **tx)
            .await
            .map_err(map_sqlx)?;
        Ok(())
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
