//! Statements written once for both backends. The repositories build a
//! [`Query`] (SQL in the dialect PostgreSQL and SQLite both accept, values as
//! [`Arg`]s) and run it on a pool or an open transaction; only running it is
//! backend-specific, in each backend's [`Dialect`].

use std::{future::Future, marker::PhantomData};

use gridline_domain::RepoError;
use sqlx::{Database, Pool, Transaction};
use uuid::Uuid;

use crate::{case_rows, media_rows, rows, types::Ts};

/// Among how many of the newest cases, per case of the page, a windowed list
/// page may find none before the filter's own plan answers it (the filter is
/// rare there). Measured by bench/scale.sh.
pub(crate) const EMPTY_REACH_PER_CASE: u32 = 40;

/// A value bound to a statement; `None` is a NULL of that type.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Int32(Option<i32>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
    Ts(Option<Ts>),
}

impl From<Uuid> for Arg {
    fn from(v: Uuid) -> Self {
        Self::Uuid(Some(v))
    }
}

impl From<&Uuid> for Arg {
    fn from(v: &Uuid) -> Self {
        Self::Uuid(Some(*v))
    }
}

impl From<Option<Uuid>> for Arg {
    fn from(v: Option<Uuid>) -> Self {
        Self::Uuid(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Self::Text(v.clone())
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_owned))
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

impl From<i32> for Arg {
    fn from(v: i32) -> Self {
        Self::Int32(Some(v))
    }
}

impl From<Option<i32>> for Arg {
    fn from(v: Option<i32>) -> Self {
        Self::Int32(v)
    }
}

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Self::Float(Some(v))
    }
}

impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Self::Float(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(Some(v))
    }
}

impl From<&[u8]> for Arg {
    fn from(v: &[u8]) -> Self {
        Self::Bytes(Some(v.to_vec()))
    }
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(Some(v))
    }
}

impl From<&Vec<u8>> for Arg {
    fn from(v: &Vec<u8>) -> Self {
        Self::Bytes(Some(v.clone()))
    }
}

impl From<Option<Vec<u8>>> for Arg {
    fn from(v: Option<Vec<u8>>) -> Self {
        Self::Bytes(v)
    }
}

impl From<Ts> for Arg {
    fn from(v: Ts) -> Self {
        Self::Ts(Some(v))
    }
}

impl From<Option<Ts>> for Arg {
    fn from(v: Option<Ts>) -> Self {
        Self::Ts(v)
    }
}

/// Where a statement runs: a pool (a connection for this statement alone) or
/// the connection of an open transaction.
pub(crate) enum Ex<'e, DB: Database> {
    Pool(&'e Pool<DB>),
    Conn(&'e mut DB::Connection),
}

impl<'e, DB: Database> From<&'e Pool<DB>> for Ex<'e, DB> {
    fn from(pool: &'e Pool<DB>) -> Self {
        Self::Pool(pool)
    }
}

impl<'e, DB: Database> From<&'e mut Transaction<'_, DB>> for Ex<'e, DB> {
    fn from(tx: &'e mut Transaction<'_, DB>) -> Self {
        Self::Conn(&mut **tx)
    }
}

/// Turns one result row into `O`.
pub(crate) trait Reads<O>: Database {
    fn read(row: &Self::Row) -> Result<O, sqlx::Error>;
}

/// Every row shape the repositories read; a backend reads them all.
pub(crate) trait Rows:
    Reads<rows::UnitRow>
    + Reads<rows::ListingRow>
    + Reads<rows::DepartmentRow>
    + Reads<rows::UserRow>
    + Reads<rows::UserWithHashRow>
    + Reads<rows::ScopeRow>
    + Reads<rows::PrincipalRow>
    + Reads<rows::ApiKeyRow>
    + Reads<rows::SigningKeyRow>
    + Reads<rows::ThrottleRow>
    + Reads<rows::AuditRow>
    + Reads<case_rows::CategoryRow>
    + Reads<case_rows::CaseRow>
    + Reads<case_rows::EventRow>
    + Reads<case_rows::ExtensionRow>
    + Reads<case_rows::TallyRow>
    + Reads<media_rows::MediaRow>
    + Reads<media_rows::UploadRow>
    + Reads<case_rows::AttachmentRow>
    + Reads<(Uuid, String, Uuid, String, String, Ts, Option<Ts>)>
    + Reads<(Uuid, Uuid, String, Uuid, String, String, Ts, Option<Ts>)>
    + Reads<(Uuid, Uuid, Option<Uuid>, String, String, String, Ts)>
    + Reads<(String, Uuid, Uuid, i32, Ts)>
    + Reads<(Uuid, String, String, Option<Uuid>, Option<String>, bool, Vec<u8>, Option<String>, Ts, Ts)>
    + Reads<(Uuid, Uuid, Uuid, i32, Ts, Option<i32>, i32, Option<String>)>
    + Reads<(String, Uuid, String, String, Ts, Option<Ts>)>
    + Reads<(i64,)>
    + Reads<(Uuid,)>
    + Reads<(String,)>
    + Reads<(Uuid, Uuid)>
    + Reads<(Uuid, Uuid, Option<i32>)>
    + Reads<(Uuid, String)>
    + Reads<(Uuid, i64)>
    + Reads<(i64, i64)>
    + Reads<(String, i64)>
    + Reads<(Vec<u8>, Option<String>, Ts)>
    + Reads<(Ts, Uuid)>
    + Reads<(Option<String>, Option<Vec<u8>>, Option<String>)>
{
}

impl<DB> Rows for DB where
    DB: Reads<rows::UnitRow>
        + Reads<rows::ListingRow>
        + Reads<rows::DepartmentRow>
        + Reads<rows::UserRow>
        + Reads<rows::UserWithHashRow>
        + Reads<rows::ScopeRow>
        + Reads<rows::PrincipalRow>
        + Reads<rows::ApiKeyRow>
        + Reads<rows::SigningKeyRow>
        + Reads<rows::ThrottleRow>
        + Reads<rows::AuditRow>
        + Reads<case_rows::CategoryRow>
        + Reads<case_rows::CaseRow>
        + Reads<case_rows::EventRow>
        + Reads<case_rows::ExtensionRow>
        + Reads<case_rows::TallyRow>
        + Reads<media_rows::MediaRow>
        + Reads<media_rows::UploadRow>
        + Reads<case_rows::AttachmentRow>
        + Reads<(Uuid, String, Uuid, String, String, Ts, Option<Ts>)>
        + Reads<(Uuid, Uuid, String, Uuid, String, String, Ts, Option<Ts>)>
        + Reads<(Uuid, Uuid, Option<Uuid>, String, String, String, Ts)>
        + Reads<(String, Uuid, Uuid, i32, Ts)>
        + Reads<(Uuid, String, String, Option<Uuid>, Option<String>, bool, Vec<u8>, Option<String>, Ts, Ts)>
        + Reads<(Uuid, Uuid, Uuid, i32, Ts, Option<i32>, i32, Option<String>)>
        + Reads<(String, Uuid, String, String, Ts, Option<Ts>)>
        + Reads<(i64,)>
        + Reads<(Uuid,)>
        + Reads<(String,)>
        + Reads<(Uuid, Uuid)>
        + Reads<(Uuid, Uuid, Option<i32>)>
        + Reads<(Uuid, String)>
        + Reads<(Uuid, i64)>
        + Reads<(i64, i64)>
        + Reads<(Uuid, i64)>
        + Reads<(String, i64)>
        + Reads<(Vec<u8>, Option<String>, Ts)>
        + Reads<(Ts, Uuid)>
        + Reads<(Option<String>, Option<Vec<u8>>, Option<String>)>
{
}

/// What differs between the backends: how a statement runs, how a
/// transaction's events are numbered, and how case numbers are drawn.
pub(crate) trait Dialect: Database + Rows {
    /// The highest event number below which no event can still appear (see
    /// PostgreSQL's); `None` where every committed number is final already.
    /// Asked in its own statement, before the events are read.
    fn change_horizon(reader: &Pool<Self>) -> impl Future<Output = Result<Option<i64>, RepoError>> + Send;
    /// Whether an INSERT may run inside `WITH … AS (…)` in front of another
    /// statement: two writes for one round trip.
    const WRITABLE_CTE: bool;
    /// Whether the planner, given a filter on a broad column and a time
    /// order, may gather every match and sort it rather than walk the order's
    /// index (SQLite has no statistics on how values spread): then a filtered
    /// list looks among the newest cases first (`worth_a_recent_window`). A
    /// search does on both, since its bigram index cannot give time order.
    const SORTS_BROAD_MATCHES: bool;
    /// Whether a grid worker's list with one status is read as the newest of
    /// each branch of his view (`case_query::view_branches`), off indexes led
    /// by the branch's column, the status and the time order (PostgreSQL's
    /// migration 0030). SQLite looks among the newest cases first instead.
    const ORDERS_VIEW_BRANCHES: bool;
    /// Whether a statement made of `VALUES` rows alone binds `?` by position.
    /// SQLite finds each numbered parameter by a linear scan of the names,
    /// which made binding a many-row insert quadratic (85% of a bulk seed).
    const POSITIONAL_VALUES: bool;
    /// A statement that wakes every node listening for changes; `None`
    /// where nodes poll.
    const ANNOUNCE_CHANGE: Option<&'static str>;
    /// How long (milliseconds) the oldest case writer still in flight has been
    /// running: readers of the change sequence wait for it. `None` where a
    /// reader never waits (SQLite's one writer commits before anyone reads).
    const OLDEST_CHANGE_WRITER: Option<&'static str>;
    /// Appended to a sub-select of rows to claim: other nodes pass them by.
    const SKIP_LOCKED: &'static str;
    /// Appended to a parameter in a `VALUES` list to give its type, where
    /// the dialect needs it: a uuid, a timestamp.
    const AS_UUID: &'static str;
    const AS_TIMESTAMP: &'static str;
    /// What follows `FROM cases c` so that a statement walks the named index
    /// in its order: SQLite's `INDEXED BY` (given a broad filter it may
    /// otherwise gather every match and sort it); nothing on PostgreSQL,
    /// which weighs a bounded range of the order against its statistics.
    fn walking(index: &str) -> String;
    /// The cases of a window of a time order (`range`, at most `window` of
    /// them) as `FROM` source and the start of a `WHERE` clause, so that a
    /// filter tested on them stops at a page's last case where it can: SQLite
    /// walks the order's index to the page's end. PostgreSQL walks a
    /// `bounded` range (its last case found first) as it is, and is given an
    /// unbounded window's cases in order, which its planner cannot turn into
    /// a scan of every match of a common search.
    fn window_source(index: &str, range: &str, order: &str, window: u32, bounded: bool) -> String;
    /// Whether the first window's last case is found before its walk too
    /// (SQLite walks the index down to it), as every later window's is;
    /// otherwise only when the walk did not fill the page and the next
    /// window starts after it.
    const BOUNDS_FIRST_WINDOW: bool;
    /// How many of the newest cases a windowed list page is first looked for
    /// among, per case of the page: where a window is bounded first, its
    /// bound costs a step per case whether or not the page fills early.
    const FIRST_WINDOW_PER_CASE: u32;
    /// Whether `column` holds the lowercase `LIKE` pattern bound as `param`,
    /// whatever the case of its letters; `cased` when the pattern has any
    /// (a Chinese word has none, and then no case needs folding).
    fn holds(column: &str, param: &str, cased: bool) -> String;
    /// A condition that the case `c` holds every term of the space-separated
    /// list bound as `param`, answered by the backend's search index.
    fn has_terms(param: &str) -> String;
    /// An index of the newest-first order that also holds each case's
    /// `search_key` and category, so that a search among the newest cases
    /// tests the search index's matches there before reading a case's row;
    /// `None` where the search index is not keyed so.
    const SEARCH_KEYS_BY_TIME: Option<&'static str>;
    /// [`has_terms`](Self::has_terms) for cases whose `search_key` is at
    /// least `lowest` (a parameter); only where `SEARCH_KEYS_BY_TIME` is set.
    fn has_terms_from(param: &str, lowest: &str) -> String {
        let _ = lowest;
        Self::has_terms(param)
    }

    fn execute(ex: Ex<'_, Self>, sql: &str, args: Vec<Arg>) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;

    fn fetch_all<O: Send>(
        ex: Ex<'_, Self>,
        sql: &str,
        args: Vec<Arg>,
    ) -> impl Future<Output = Result<Vec<O>, sqlx::Error>> + Send
    where
        Self: Reads<O>;

    fn fetch_optional<O: Send>(
        ex: Ex<'_, Self>,
        sql: &str,
        args: Vec<Arg>,
    ) -> impl Future<Output = Result<Option<O>, sqlx::Error>> + Send
    where
        Self: Reads<O>;

    /// The numbers of a transaction's `n` events, where the backend assigns
    /// them up front (`None`: the insert numbers them).
    fn reserve_seqs(
        tx: &mut Transaction<'_, Self>,
        n: usize,
    ) -> impl Future<Output = Result<Vec<Option<i64>>, RepoError>> + Send;

    fn take_case_numbers(writer: &Pool<Self>, n: u32) -> impl Future<Output = Result<Vec<i64>, RepoError>> + Send;
}

/// What an executed statement changed.
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// A statement and its values; `O` is the row it reads.
pub(crate) struct Query<'q, O> {
    sql: &'q str,
    args: Vec<Arg>,
    row: PhantomData<fn() -> O>,
}

/// A statement that reads no rows (or whose rows are not wanted).
pub(crate) fn query(sql: &str) -> Query<'_, ()> {
    Query { sql, args: Vec::new(), row: PhantomData }
}

/// A statement whose rows are read as `O`.
pub(crate) fn query_as<O>(sql: &str) -> Query<'_, O> {
    Query { sql, args: Vec::new(), row: PhantomData }
}

/// A statement whose rows are one column of type `T`.
pub(crate) fn query_scalar<T>(sql: &str) -> Scalar<'_, T> {
    Scalar(query_as(sql))
}

impl<'q, O: Send> Query<'q, O> {
    pub(crate) fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    pub(crate) fn bind_all(mut self, values: impl IntoIterator<Item = Arg>) -> Self {
        self.args.extend(values);
        self
    }

    /// The statement and its values, to run as part of another.
    pub(crate) fn into_parts(self) -> (&'q str, Vec<Arg>) {
        (self.sql, self.args)
    }

    pub(crate) async fn execute<'e, DB: Dialect>(self, ex: impl Into<Ex<'e, DB>>) -> Result<Done, sqlx::Error>
    where
        'q: 'e,
    {
        DB::execute(ex.into(), self.sql, self.args).await.map(Done)
    }

    pub(crate) async fn fetch_all<'e, DB: Dialect + Reads<O>>(
        self,
        ex: impl Into<Ex<'e, DB>>,
    ) -> Result<Vec<O>, sqlx::Error>
    where
        'q: 'e,
        O: 'e,
    {
        DB::fetch_all(ex.into(), self.sql, self.args).await
    }

    pub(crate) async fn fetch_optional<'e, DB: Dialect + Reads<O>>(
        self,
        ex: impl Into<Ex<'e, DB>>,
    ) -> Result<Option<O>, sqlx::Error>
    where
        'q: 'e,
        O: 'e,
    {
        DB::fetch_optional(ex.into(), self.sql, self.args).await
    }

    pub(crate) async fn fetch_one<'e, DB: Dialect + Reads<O>>(self, ex: impl Into<Ex<'e, DB>>) -> Result<O, sqlx::Error>
    where
        'q: 'e,
        O: 'e,
    {
        self.fetch_optional(ex).await?.ok_or(sqlx::Error::RowNotFound)
    }
}

/// A one-column statement (`SELECT COUNT(*)`, `RETURNING id`).
pub(crate) struct Scalar<'q, T>(Query<'q, (T,)>);

impl<'q, T: Send> Scalar<'q, T> {
    pub(crate) fn bind(self, value: impl Into<Arg>) -> Self {
        Self(self.0.bind(value))
    }

    pub(crate) async fn fetch_optional<'e, DB: Dialect + Reads<(T,)>>(
        self,
        ex: impl Into<Ex<'e, DB>>,
    ) -> Result<Option<T>, sqlx::Error>
    where
        'q: 'e,
        T: 'e,
    {
        Ok(self.0.fetch_optional(ex).await?.map(|(v,)| v))
    }

    pub(crate) async fn fetch_one<'e, DB: Dialect + Reads<(T,)>>(
        self,
        ex: impl Into<Ex<'e, DB>>,
    ) -> Result<T, sqlx::Error>
    where
        'q: 'e,
        T: 'e,
    {
        Ok(self.0.fetch_one(ex).await?.0)
    }
}

/// The store both backends share: a pool for writes and one for reads (the
/// same pool on PostgreSQL).
pub(crate) struct SqlStore<DB: Database> {
    writer: Pool<DB>,
    reader: Pool<DB>,
    /// Set when a write recorded events since the last announcement.
    changed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<DB: Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self { writer: self.writer.clone(), reader: self.reader.clone(), changed: self.changed.clone() }
    }
}

impl<DB: Database> SqlStore<DB> {
    pub(crate) fn new(writer: Pool<DB>, reader: Pool<DB>) -> Self {
        Self { writer, reader, changed: Default::default() }
    }

    /// Notes that a committed write recorded events (see `Database::announce_changes`).
    pub(crate) fn note_change(&self) {
        self.changed.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether a write recorded events since the last call.
    pub(crate) fn take_change(&self) -> bool {
        self.changed.swap(false, std::sync::atomic::Ordering::AcqRel)
    }

    pub(crate) fn reader(&self) -> &Pool<DB> {
        &self.reader
    }

    pub(crate) fn writer(&self) -> &Pool<DB> {
        &self.writer
    }

    pub(crate) async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
