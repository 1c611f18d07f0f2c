//! Running a statement on a sqlx backend, written once for every backend
//! whose executors and column types fit; each [`Dialect`](crate::sql::Dialect)
//! implementation calls these with its own types.

use sqlx::{Database, Encode, Executor, IntoArguments, Type};
use uuid::Uuid;

use crate::{
    sql::{Arg, Ex, Reads},
    types::Ts,
};

/// A statement with its values bound, ready to run.
pub(crate) type Statement<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// Binds each value with its own type, so that a NULL is typed too.
pub(crate) fn bind<'q, DB>(sql: &'q str, args: Vec<Arg>) -> Statement<'q, DB>
where
    DB: Database,
    Option<Uuid>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<i32>: Encode<'q, DB> + Type<DB>,
    Option<f64>: Encode<'q, DB> + Type<DB>,
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    Option<Ts>: Encode<'q, DB> + Type<DB>,
{
    args.into_iter().fold(sqlx::query(sql), |q, arg| match arg {
        Arg::Uuid(v) => q.bind(v),
        Arg::Text(v) => q.bind(v),
        Arg::Int(v) => q.bind(v),
        Arg::Int32(v) => q.bind(v),
        Arg::Float(v) => q.bind(v),
        Arg::Bool(v) => q.bind(v),
        Arg::Bytes(v) => q.bind(v),
        Arg::Ts(v) => q.bind(v),
    })
}

/// Runs a statement that returns no rows; the backend's own result.
pub(crate) async fn execute<'q, DB>(ex: Ex<'_, DB>, q: Statement<'q, DB>) -> Result<DB::QueryResult, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    match ex {
        Ex::Pool(pool) => q.execute(pool).await,
        Ex::Conn(conn) => q.execute(conn).await,
    }
}

/// Runs a statement and reads every row as `O`.
pub(crate) async fn fetch_all<'q, DB, O>(ex: Ex<'_, DB>, q: Statement<'q, DB>) -> Result<Vec<O>, sqlx::Error>
where
    DB: Database + Reads<O>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    let rows = match ex {
        Ex::Pool(pool) => q.fetch_all(pool).await?,
        Ex::Conn(conn) => q.fetch_all(conn).await?,
    };
    rows.iter().map(DB::read).collect()
}

/// Runs a statement and reads its row, if any, as `O`.
pub(crate) async fn fetch_optional<'q, DB, O>(ex: Ex<'_, DB>, q: Statement<'q, DB>) -> Result<Option<O>, sqlx::Error>
where
    DB: Database + Reads<O>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    let row = match ex {
        Ex::Pool(pool) => q.fetch_optional(pool).await?,
        Ex::Conn(conn) => q.fetch_optional(conn).await?,
    };
    row.as_ref().map(DB::read).transpose()
}
