//! A fresh, empty database per test: a temporary SQLite file, or a newly
//! created PostgreSQL database that is dropped afterwards.

use std::path::PathBuf;

use sqlx::{Connection, Executor, PgConnection};

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The PostgreSQL server tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("GRIDLINE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// Whether the PostgreSQL half was opted out of (`GRIDLINE_TEST_SKIP_PG=1`).
pub fn skip_pg() -> bool {
    std::env::var("GRIDLINE_TEST_SKIP_PG").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// One test's database, and the data directory its servers share.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    pub data_dir: PathBuf,
    pg_name: Option<String>,
}

impl TestDatabase {
    /// Creates an empty database.
    ///
    /// # Panics
    /// When PostgreSQL cannot be reached, with a message saying how to start
    /// it or opt out.
    pub async fn create(backend: Backend) -> Self {
        let data_dir = std::env::temp_dir().join(format!("gridline-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir).expect("create the test data directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", data_dir.join("gridline.db").display());
                Self { backend, url, data_dir, pg_name: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at {admin} ({e}).\n\
                         Start it with `docker compose up -d postgres` (or your distribution's service), \
                         point GRIDLINE_TEST_PG_URL at a server, or opt out with GRIDLINE_TEST_SKIP_PG=1."
                    )
                });
                let name = format!("gridline_test_{}", uuid::Uuid::new_v4().simple());
                conn.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create the test database");
                let _ = conn.close().await;
                let url = with_database(&admin, &name);
                Self { backend, url, data_dir, pg_name: Some(name) }
            }
        }
    }

    /// Removes the database and the data directory.
    pub async fn destroy(self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut conn) = PgConnection::connect(&pg_admin_url()).await {
                let _ = conn.execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str()).await;
                let _ = conn.close().await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The admin URL with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs one SQL statement straight against a test database, bypassing the
/// server: for checking what the database itself refuses.
pub async fn execute_raw(url: &str, sql: &str) -> Result<u64, String> {
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.map_err(|e| e.to_string())?;
        conn.execute(sql).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
    } else {
        let mut conn = PgConnection::connect(url).await.map_err(|e| e.to_string())?;
        conn.execute(sql).await.map(|r| r.rows_affected()).map_err(|e| e.to_string())
    }
}
