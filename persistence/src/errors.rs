//! Maps driver errors onto the domain's [`RepoError`] at the adapter boundary.

use gridline_domain::RepoError;

/// Translates a sqlx error: unique violations name their constraint, lost
/// connections and pool time-outs read as "unavailable", the rest is unknown.
pub(crate) fn map_sqlx(err: sqlx::Error) -> RepoError {
    match &err {
        sqlx::Error::RowNotFound => RepoError::NotFound,
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            RepoError::Duplicate { constraint: db.constraint().unwrap_or_default().to_owned() }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => RepoError::Unavailable(err.into()),
        _ => RepoError::Unknown(err.into()),
    }
}
