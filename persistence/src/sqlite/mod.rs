//! The SQLite adapter: WAL, `synchronous=NORMAL`, foreign keys on, and every
//! write through one dedicated connection so that concurrent writers queue in
//! the pool instead of failing with "database is locked".

use std::str::FromStr;

use async_trait::async_trait;
use gridline_domain::{ports::Readiness, RepoError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::{errors::map_sqlx, ConnectError, DbOptions};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub(crate) struct SqliteStore {
    /// Exactly one connection: SQLite admits one writer at a time, and a pool
    /// of one turns that into a queue rather than a lock error.
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    pub(crate) async fn connect(url: &str, options: &DbOptions) -> Result<Self, ConnectError> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(ConnectError::InvalidUrl)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(options.sqlite_busy_timeout)
            .statement_cache_capacity(options.statement_cache_capacity);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.clone())
            .await
            .map_err(ConnectError::Connect)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.read_only(true))
            .await
            .map_err(ConnectError::Connect)?;
        Ok(Self { writer, reader })
    }

    pub(crate) async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.writer).await
    }

    pub(crate) async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

impl crate::DbType for SqliteStore {
    type Db = sqlx::Sqlite;
}

crate::repos::org_repo!(SqliteStore);
crate::repos::user_repo!(SqliteStore);
crate::repos::auth_repo!(SqliteStore);
crate::repos::audit_repo!(SqliteStore);
crate::repos::case_repo!(SqliteStore);
crate::repos::idempotency_repo!(SqliteStore);

impl SqliteStore {
    /// One writer: events are numbered in commit order as they are inserted.
    const CHANGES_FILTER: &'static str = "";

    /// SQLite numbers events itself (one writer, so in commit order).
    #[allow(clippy::unused_async)]
    async fn reserve_seqs(
        _tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        n: usize,
    ) -> Result<Vec<Option<i64>>, RepoError> {
        Ok(vec![None; n])
    }

    async fn take_case_number(&self) -> Result<i64, RepoError> {
        sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'case_number' RETURNING value")
            .fetch_one(&self.writer)
            .await
            .map_err(map_sqlx)
    }
}

#[async_trait]
impl Readiness for SqliteStore {
    async fn ping(&self) -> Result<(), RepoError> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(map_sqlx)?;
        Ok(())
    }
}
