//! The PostgreSQL adapter.

use std::str::FromStr;

use gridline_domain::RepoError;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions, PgRow},
    FromRow, Pool, Postgres, Transaction,
};

use crate::{
    errors::map_sqlx,
    run,
    sql::{Arg, Dialect, Ex, Reads, SqlStore, EMPTY_REACH_PER_CASE},
    ConnectError, DbOptions,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub(crate) type PgStore = SqlStore<Postgres>;

pub(crate) async fn connect(url: &str, options: &DbOptions) -> Result<PgStore, ConnectError> {
    let connect = PgConnectOptions::from_str(url)
        .map_err(ConnectError::InvalidUrl)?
        .application_name("gridline")
        .statement_cache_capacity(options.statement_cache_capacity);
    // No ping before each use: it is one more round trip per statement run
    // outside a transaction and per transaction. A connection the server
    // dropped fails its next statement instead (503, and the pool replaces it).
    let pool = PgPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(ConnectError::Connect)?;
    // One pool serves reads and writes alike.
    Ok(SqlStore::new(pool.clone(), pool))
}

pub(crate) async fn migrate(store: &PgStore) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(store.writer()).await
}

impl<O> Reads<O> for Postgres
where
    O: for<'r> FromRow<'r, PgRow>,
{
    fn read(row: &PgRow) -> Result<O, sqlx::Error> {
        O::from_row(row)
    }
}

impl Dialect for Postgres {
    const WRITABLE_CTE: bool = true;
    const ORDERS_VIEW_BRANCHES: bool = true;
    const SORTS_BROAD_MATCHES: bool = false;
    const POSITIONAL_VALUES: bool = false;
    const BOUNDS_FIRST_WINDOW: bool = false;
    /// As many as the empty reach: an unbounded window stops at the page's
    /// last case, so a wide one costs nothing where the page fills early,
    /// and a statement and a bound less where matches are sparse (a search
    /// among the cases of one department).
    const FIRST_WINDOW_PER_CASE: u32 = EMPTY_REACH_PER_CASE;
    const AS_UUID: &'static str = "::uuid";
    const AS_TIMESTAMP: &'static str = "::timestamptz";
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const ANNOUNCE_CHANGE: Option<&'static str> = Some("SELECT pg_notify('gridline_changes', '')");
    /// The writers holding the advisory locks of migration 0016.
    const OLDEST_CHANGE_WRITER: Option<&'static str> = Some(
        "SELECT coalesce(extract(epoch FROM clock_timestamp() - min(a.xact_start)) * 1000, 0)::bigint \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid::bigint = 1073741824 \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );

    fn walking(_index: &str) -> String {
        String::new()
    }

    /// A bounded range is walked as a plain scan of the order's index: the
    /// subquery that keeps an unbounded window to its cases cost a quarter
    /// of a walk through thousands of cases (a row passed through two more
    /// plan nodes each), where the planner weighs the same walk for both.
    fn window_source(_index: &str, range: &str, order: &str, window: u32, bounded: bool) -> String {
        match bounded {
            true => format!("cases c WHERE {range}"),
            false => format!("(SELECT c.* FROM cases c WHERE {range} ORDER BY {order} LIMIT {window}) c WHERE 1 = 1"),
        }
    }

    /// `lower()` of every row's text is most of a search's time among the
    /// newest cases; a pattern without letters of either case matches the
    /// text as it is exactly where it matches it lowered.
    fn holds(column: &str, param: &str, cased: bool) -> String {
        if cased {
            format!("lower({column}) LIKE {param}")
        } else {
            format!("{column} LIKE {param}")
        }
    }

    /// The GIN index over the terms as an array (migration 0015).
    fn has_terms(param: &str) -> String {
        format!("string_to_array(c.search_terms, ' ') @> string_to_array({param}, ' ')")
    }

    const SEARCH_KEYS_BY_TIME: Option<&'static str> = None;

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

    /// Reserves the numbers of a transaction's events; must be its first
    /// statement, so that its xid is assigned together with them.
    async fn reserve_seqs(tx: &mut Transaction<'_, Self>, n: usize) -> Result<Vec<Option<i64>>, RepoError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let (seqs,): (Vec<i64>,) = sqlx::query_as("SELECT reserve_case_event_seqs($1)")
            .bind(i32::try_from(n).unwrap_or(i32::MAX))
            .fetch_one(&mut **tx)
            .await
            .map_err(map_sqlx)?;
        Ok(seqs.into_iter().map(Some).collect())
    }

    /// Just below the smallest number a case writer still in flight holds
    /// (migration 0016): waits for those writers only, not for every
    /// transaction of the cluster.
    async fn change_horizon(reader: &Pool<Self>) -> Result<Option<i64>, RepoError> {
        let (horizon,): (Option<i64>,) =
            sqlx::query_as("SELECT case_events_horizon()").fetch_one(reader).await.map_err(map_sqlx)?;
        Ok(Some(horizon.unwrap_or(0)))
    }

    async fn take_case_numbers(writer: &Pool<Self>, n: u32) -> Result<Vec<i64>, RepoError> {
        let (numbers,): (Vec<i64>,) =
            sqlx::query_as("SELECT array_agg(nextval('case_number_seq')) FROM generate_series(1, $1)")
                .bind(i32::try_from(n.max(1)).unwrap_or(i32::MAX))
                .fetch_one(writer)
                .await
                .map_err(map_sqlx)?;
        Ok(numbers)
    }
}
