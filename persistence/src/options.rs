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
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            statement_cache_capacity: 256,
            sqlite_busy_timeout: Duration::from_secs(10),
        }
    }
}
