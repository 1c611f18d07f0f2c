//! The SQLite adapter: WAL, `synchronous=NORMAL`, foreign keys on, and every
//! write through one dedicated connection so that concurrent writers queue in
//! the pool instead of failing with "database is locked".

use std::str::FromStr;

use gridline_domain::RepoError;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous},
    FromRow, Pool, Sqlite, Transaction,
};

use crate::{
    errors::map_sqlx,
    run,
    sql::{Arg, Dialect, Ex, Reads, SqlStore},
    ConnectError, DbOptions,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub(crate) type SqliteStore = SqlStore<Sqlite>;

pub(crate) async fn connect(url: &str, options: &DbOptions) -> Result<SqliteStore, ConnectError> {
    let base = SqliteConnectOptions::from_str(url)
        .map_err(ConnectError::InvalidUrl)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(options.sqlite_busy_timeout)
        .statement_cache_capacity(options.statement_cache_capacity);
    // Exactly one writing connection: SQLite admits one writer at a time, and
    // a pool of one turns that into a queue rather than a lock error.
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
    Ok(SqlStore::new(writer, reader))
}

pub(crate) async fn migrate(store: &SqliteStore) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(store.writer()).await
}

impl<O> Reads<O> for Sqlite
where
    O: for<'r> FromRow<'r, SqliteRow>,
{
    fn read(row: &SqliteRow) -> Result<O, sqlx::Error> {
        O::from_row(row)
    }
}

impl Dialect for Sqlite {
    const WRITABLE_CTE: bool = false;
    const ORDERS_VIEW_BRANCHES: bool = false;
    const SORTS_BROAD_MATCHES: bool = true;
    const POSITIONAL_VALUES: bool = true;
    const BOUNDS_FIRST_WINDOW: bool = true;
    const FIRST_WINDOW_PER_CASE: u32 = 4;
    const AS_UUID: &'static str = "";
    const AS_TIMESTAMP: &'static str = "";
    const SKIP_LOCKED: &'static str = "";
    const ANNOUNCE_CHANGE: Option<&'static str> = None;
    const OLDEST_CHANGE_WRITER: Option<&'static str> = None;

    fn walking(index: &str) -> String {
        format!("INDEXED BY {index}")
    }

    fn window_source(index: &str, range: &str, _order: &str, _window: u32, _bounded: bool) -> String {
        format!("cases c INDEXED BY {index} WHERE {range}")
    }

    /// SQLite's `LIKE` already ignores ASCII case, and its `lower()` folds
    /// nothing else: calling it on every row of a search only cost time.
    fn holds(column: &str, param: &str, _cased: bool) -> String {
        format!("{column} LIKE {param}")
    }

    /// The FTS5 table over the terms, keyed by `search_key` (migration 0014):
    /// each term a phrase, all of them required.
    fn has_terms(param: &str) -> String {
        format!(
            "c.search_key IN (SELECT rowid FROM case_search WHERE case_search MATCH \
             '\"' || replace({param}, ' ', '\" \"') || '\"')"
        )
    }

    const SEARCH_KEYS_BY_TIME: Option<&'static str> = Some("cases_listing_search");

    /// The index's rows from `lowest` on: reading all of a common term's
    /// matches (a tenth of a district's cases) would cost more than the walk.
    fn has_terms_from(param: &str, lowest: &str) -> String {
        format!(
            "c.search_key IN (SELECT rowid FROM case_search WHERE case_search MATCH \
             '\"' || replace({param}, ' ', '\" \"') || '\"' AND rowid >= {lowest})"
        )
    }

    async fn execute(ex: Ex<'_, Self>, sql: &str, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        Ok(run::execute(ex, run::bind(sql, args)).await?.rows_affected())
    }

    async fn fetch_all<O: Send>(ex: Ex<'_, Self>, sql: &str, args: Vec<Arg>) -> Result<Vec<O>, sqlx::Error>
    where
        Self: Reads<O>,
    {
        run::fetch_all(ex, run::bind(sql, args)).await
    }

    async fn fetch_optional<O: Send>(ex: Ex<'_, Self>, sql: &str, args: Vec<Arg>) -> Result<Option<O>, sqlx::Error>
    where
        Self: Reads<O>,
    {
        run::fetch_optional(ex, run::bind(sql, args)).await
    }

    /// SQLite numbers events itself (one writer, so in commit order).
    async fn reserve_seqs(_tx: &mut Transaction<'_, Self>, n: usize) -> Result<Vec<Option<i64>>, RepoError> {
        Ok(vec![None; n])
    }

    /// One writer: events are numbered in commit order as they are inserted.
    async fn change_horizon(_reader: &Pool<Self>) -> Result<Option<i64>, RepoError> {
        Ok(None)
    }

    async fn take_case_numbers(writer: &Pool<Self>, n: u32) -> Result<Vec<i64>, RepoError> {
        let n = i64::from(n.max(1));
        let (last,): (i64,) =
            sqlx::query_as("UPDATE counters SET value = value + $1 WHERE name = 'case_number' RETURNING value")
                .bind(n)
                .fetch_one(writer)
                .await
                .map_err(map_sqlx)?;
        Ok((last - n + 1..=last).collect())
    }
}
