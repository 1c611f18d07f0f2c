//! Statements that ride along with a case write's events. On PostgreSQL
//! they run as data-modifying CTEs of the one statement that inserts the
//! case and its events: the idempotency receipt, the notifications with
//! their push outbox rows and the webhook outbox rows cost no round trip of
//! their own (each was one; five of them halved the rate of reports).
//! Rows one CTE inserts are invisible to the others' reads (one snapshot),
//! and foreign keys are checked at the end of the statement, so the order
//! of the CTEs is free but a rider may not read another's table, only its
//! `RETURNING` rows by name.

use crate::sql::Arg;

/// One CTE: its name, its statement with placeholders `$1`… of its own, and
/// their values.
pub(crate) struct Rider {
    pub name: String,
    pub sql: String,
    pub args: Vec<Arg>,
}

/// `sql` with every placeholder `$n` renumbered to `$(n + offset)`.
pub(crate) fn shifted(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            digits.push(d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_renumbered_and_nothing_else() {
        assert_eq!(
            super::shifted("SELECT $1, $12::uuid, 'a' WHERE x = $2", 40),
            "SELECT $41, $52::uuid, 'a' WHERE x = $42"
        );
        assert_eq!(super::shifted("no placeholders", 3), "no placeholders");
    }
}
