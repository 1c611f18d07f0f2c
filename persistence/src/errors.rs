//! Maps driver errors onto the domain's [`RepoError`] at the adapter boundary.

use gridline_domain::{RepoError, Taken};

/// Translates a sqlx error: a unique violation says what is taken, lost
/// connections, pool time-outs and a server shutting down or refusing
/// connections read as "unavailable", a full disk as "full", the rest is unknown.
pub(crate) fn map_sqlx(err: sqlx::Error) -> RepoError {
    match &err {
        sqlx::Error::RowNotFound => RepoError::NotFound,
        sqlx::Error::Database(db) if db.is_unique_violation() => RepoError::Duplicate(taken(
            &db.constraint().map(str::to_owned).unwrap_or_else(|| sqlite_constraint(db.message())),
        )),
        sqlx::Error::Database(db) if db.code().is_some_and(|c| is_full(&c)) => RepoError::Full(err.into()),
        sqlx::Error::Database(db) if db.code().is_some_and(|c| is_unreachable(&c)) => {
            RepoError::Unavailable(err.into())
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

/// SQLite's `SQLITE_FULL` (13, also as the low byte of an extended code;
/// SQLite's codes are numbers below 5 digits, PostgreSQL's are 5 characters)
/// and PostgreSQL's `disk_full` (53100).
fn is_full(code: &str) -> bool {
    code == "53100" || (code.len() < 5 && code.parse::<i32>().is_ok_and(|c| c & 0xff == 13))
}

/// PostgreSQL's classes 08 (connection exception) and 57P (operator
/// intervention: shutdown, crash recovery, "cannot connect now"), and
/// `too_many_connections`: the server is there but cannot serve now.
fn is_unreachable(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("57P") || code == "53300"
}

/// Like [`map_sqlx`], but a row that points at a missing one (a grant's or
/// key's unit, department or user) reads as `NotFound`.
pub(crate) fn map_sqlx_reference(err: sqlx::Error) -> RepoError {
    match &err {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => RepoError::NotFound,
        _ => map_sqlx(err),
    }
}

/// What the rule a constraint enforces protects. PostgreSQL names the
/// constraint; SQLite's name is rebuilt from its message to match.
fn taken(constraint: &str) -> Taken {
    match constraint {
        "users_username" => Taken::Username,
        "org_units_code" | "departments_code" | "categories_pkey" | "categories_code" => Taken::Code,
        "role_grants_unique" => Taken::Grant,
        "cases_pkey" | "cases_id" => Taken::CaseId,
        _ => Taken::Other,
    }
}

/// SQLite names no constraint, only columns ("UNIQUE constraint failed:
/// users.username") or an index ("… failed: index 'role_grants_unique'").
/// PostgreSQL's constraints are named `<table>_<columns>` to match.
fn sqlite_constraint(message: &str) -> String {
    let Some((_, rest)) = message.split_once("constraint failed: ") else { return String::new() };
    if let Some(index) = rest.strip_prefix("index '") {
        return index.trim_end_matches('\'').to_owned();
    }
    let mut parts = rest.split(", ").filter_map(|c| c.split_once('.'));
    let Some((table, first)) = parts.next() else { return rest.to_owned() };
    let mut name = format!("{table}_{first}");
    for (_, column) in parts {
        name.push('_');
        name.push_str(column);
    }
    name
}

#[cfg(test)]
mod tests {
    use gridline_domain::Taken;

    #[test]
    fn both_backends_name_what_is_taken() {
        assert_eq!(super::taken("users_username"), Taken::Username);
        assert_eq!(super::taken(&super::sqlite_constraint("UNIQUE constraint failed: cases.id")), Taken::CaseId);
        assert_eq!(super::taken(&super::sqlite_constraint("UNIQUE constraint failed: categories.code")), Taken::Code);
        assert_eq!(super::taken("cases_number"), Taken::Other);
    }

    #[test]
    fn a_full_disk_is_told_apart_on_both_backends() {
        assert!(super::is_full("13"));
        assert!(super::is_full("53100"));
        assert!(!super::is_full("5"), "SQLITE_BUSY is not a full disk");
        assert!(!super::is_full("23505"));
        assert!(!super::is_full("22285"), "a PostgreSQL code whose low byte is 13 as a number");
        assert!(super::is_unreachable("57P01"));
        assert!(super::is_unreachable("08006"));
        assert!(!super::is_unreachable("23505"));
    }

    #[test]
    fn sqlite_messages_name_the_constraint_like_postgres() {
        assert_eq!(super::sqlite_constraint("UNIQUE constraint failed: users.username"), "users_username");
        assert_eq!(
            super::sqlite_constraint("UNIQUE constraint failed: index 'role_grants_unique'"),
            "role_grants_unique"
        );
    }
}
