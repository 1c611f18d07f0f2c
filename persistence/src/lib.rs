//! sqlx adapters for Gridline's repository ports: one for PostgreSQL, one for
//! SQLite, each with its own embedded migrations. The backend is chosen once,
//! from the database URL's scheme.

mod case_query;
mod case_rows;
mod errors;
mod geojson;
mod media_rows;
mod options;
mod postgres;
mod repos;
mod rows;
mod run;
mod sql;
mod sqlite;
mod types;

use std::sync::Arc;

use gridline_domain::ports::Store;

pub use options::DbOptions;

/// Which SQL dialect a [`Database`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend a URL selects, or `None` for a scheme Gridline does not speak.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "postgres" | "postgresql" => Some(Self::Postgres),
            "sqlite" => Some(Self::Sqlite),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL scheme (expected postgres:// or sqlite://)")]
    UnsupportedScheme,
    #[error("invalid database URL: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

enum Pools {
    Postgres(postgres::PgStore),
    Sqlite(sqlite::SqliteStore),
}

/// An open database: the store behind the domain's ports, plus migrations.
pub struct Database {
    pools: Pools,
    store: Arc<dyn Store>,
}

impl Database {
    /// Opens the database `url` names, without applying migrations.
    ///
    /// # Errors
    /// [`ConnectError`] for an unknown scheme, a malformed URL or an unreachable server.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Self, ConnectError> {
        let pools = match Backend::from_url(url) {
            Some(Backend::Postgres) => Pools::Postgres(postgres::connect(url, options).await?),
            Some(Backend::Sqlite) => Pools::Sqlite(sqlite::connect(url, options).await?),
            None => return Err(ConnectError::UnsupportedScheme),
        };
        let store: Arc<dyn Store> = match &pools {
            Pools::Postgres(s) => Arc::new(s.clone()),
            Pools::Sqlite(s) => Arc::new(s.clone()),
        };
        Ok(Self { pools, store })
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Postgres(_) => Backend::Postgres,
            Pools::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies every embedded migration not yet applied.
    ///
    /// # Errors
    /// [`ConnectError::Migrate`] when a migration fails or the history diverges.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        match &self.pools {
            Pools::Postgres(s) => postgres::migrate(s).await,
            Pools::Sqlite(s) => sqlite::migrate(s).await,
        }
        .map_err(ConnectError::Migrate)
    }

    /// The store behind every repository port.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// A listener woken when any node commits a change (PostgreSQL's
    /// `LISTEN`); `None` for SQLite, whose single node polls.
    ///
    /// # Errors
    /// When the listening connection cannot be opened.
    pub async fn change_listener(&self) -> Result<Option<ChangeListener>, gridline_domain::RepoError> {
        self.listener("gridline_changes").await
    }

    /// A listener woken when any node bumps the version of shared cached
    /// data (migration 0026); `None` for SQLite.
    ///
    /// # Errors
    /// When the listening connection cannot be opened.
    pub async fn cache_listener(&self) -> Result<Option<ChangeListener>, gridline_domain::RepoError> {
        self.listener("gridline_caches").await
    }

    async fn listener(&self, channel: &str) -> Result<Option<ChangeListener>, gridline_domain::RepoError> {
        match &self.pools {
            Pools::Postgres(s) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(s.writer())
                    .await
                    .map_err(|e| gridline_domain::RepoError::Unavailable(e.into()))?;
                listener.listen(channel).await.map_err(|e| gridline_domain::RepoError::Unavailable(e.into()))?;
                Ok(Some(ChangeListener(listener)))
            }
            Pools::Sqlite(_) => Ok(None),
        }
    }

    /// The pools' connections now, idle and in use.
    pub fn pool_stats(&self) -> PoolStats {
        fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolStats {
            let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
            PoolStats { idle, used: pool.size().saturating_sub(idle) }
        }
        match &self.pools {
            // One pool serves reads and writes.
            Pools::Postgres(s) => of(s.writer()),
            Pools::Sqlite(s) => of(s.writer()) + of(s.reader()),
        }
    }

    /// Asks each pool for a connection as a request would, and says how long
    /// each took: waiting in the same queue as requests, it samples their wait.
    /// A pool that gives none within its acquire timeout is left out.
    pub async fn sample_pool_waits(&self) -> Vec<std::time::Duration> {
        async fn time<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Option<std::time::Duration> {
            let started = std::time::Instant::now();
            pool.acquire().await.ok().map(|_| started.elapsed())
        }
        match &self.pools {
            Pools::Postgres(s) => time(s.writer()).await.into_iter().collect(),
            Pools::Sqlite(s) => [time(s.writer()).await, time(s.reader()).await].into_iter().flatten().collect(),
        }
    }

    /// Tells every listening node (PostgreSQL's `NOTIFY`) that changes were
    /// written through this one since the last call; nothing if none were,
    /// or on SQLite. Called on a short timer rather than in each write's
    /// transaction: a `NOTIFY` serialises the commits of all transactions
    /// that send one, which would cap the rate of writes.
    ///
    /// # Errors
    /// When the announcement cannot be sent (the next call sends it).
    pub async fn announce_changes(&self) -> Result<(), gridline_domain::RepoError> {
        let Pools::Postgres(s) = &self.pools else { return Ok(()) };
        if !s.take_change() {
            return Ok(());
        }
        let announce = <sqlx::Postgres as sql::Dialect>::ANNOUNCE_CHANGE.unwrap_or_default();
        if let Err(e) = sqlx::query(announce).execute(s.writer()).await {
            s.note_change();
            return Err(gridline_domain::RepoError::Unavailable(e.into()));
        }
        Ok(())
    }

    /// Writes a consistent copy of an SQLite database to `path`, which must
    /// not exist, while other connections and processes go on writing
    /// (`VACUUM INTO` reads one snapshot). `false` for PostgreSQL, which is
    /// backed up with `pg_dump`.
    ///
    /// # Errors
    /// When the copy cannot be written.
    pub async fn snapshot_into(&self, path: &std::path::Path) -> Result<bool, gridline_domain::RepoError> {
        let Pools::Sqlite(s) = &self.pools else { return Ok(false) };
        let target = path.to_str().ok_or_else(|| {
            gridline_domain::RepoError::Unknown(anyhow::anyhow!("the path {} is not UTF-8", path.display()))
        })?;
        sqlx::query("VACUUM INTO ?").bind(target).execute(s.writer()).await.map_err(errors::map_sqlx)?;
        Ok(true)
    }

    /// Closes every pooled connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Postgres(s) => s.close().await,
            Pools::Sqlite(s) => s.close().await,
        }
    }
}

/// Connections of a database's pools.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub idle: u32,
    pub used: u32,
}

impl std::ops::Add for PoolStats {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self { idle: self.idle + other.idle, used: self.used + other.used }
    }
}

/// Wakes when a change commits on any node.
pub struct ChangeListener(sqlx::postgres::PgListener);

impl ChangeListener {
    /// Waits for the next change announced. The connection is re-opened by
    /// itself when lost; changes announced meanwhile are found by the next
    /// read of the change sequence.
    ///
    /// # Errors
    /// When the connection is lost and cannot be re-opened.
    pub async fn next(&mut self) -> Result<(), gridline_domain::RepoError> {
        self.0.recv().await.map(|_| ()).map_err(|e| gridline_domain::RepoError::Unavailable(e.into()))
    }
}
