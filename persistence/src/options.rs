use std::time::Duration;

/// Connection settings shared by both backends. Every value is explicit so that
/// an operator can see and size the pool; none falls back to a driver default.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections the pool opens (PostgreSQL; SQLite's reader pool).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before failing.
    pub acquire_timeout: Duration,
    /// Prepared statements cached per connection.
    pub statement_cache_capacity: usize,
    /// How long SQLite waits on a lock before giving up.
    pub sqlite_busy_timeout: Duration,
    /// Page cache of SQLite's one writing connection, KiB. SQLite's own
    /// default (2 MiB) serves a server's writes; a bulk load into a large
    /// database spends its time re-reading index pages with one that small.
    pub sqlite_writer_cache_kib: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_cache_capacity: 256,
            sqlite_busy_timeout: Duration::from_secs(10),
            sqlite_writer_cache_kib: 2_000,
        }
    }
}
