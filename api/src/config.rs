//! Settings, read from an optional TOML file and then from `GRIDLINE_*`
//! environment variables (which win). Every value has a default that works on
//! a bare machine; a bad value names its variable and what is wrong with it.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf, time::Duration};

use gridline_persistence::{Backend, DbOptions};

/// One setting: its environment variable, its TOML key and its default.
struct Key {
    env: &'static str,
    toml: &'static str,
}

const LISTEN: Key = Key { env: "GRIDLINE_LISTEN", toml: "listen" };
const DATA_DIR: Key = Key { env: "GRIDLINE_DATA_DIR", toml: "data_dir" };
const DATABASE_URL: Key = Key { env: "GRIDLINE_DATABASE_URL", toml: "database_url" };
const LOG_FORMAT: Key = Key { env: "GRIDLINE_LOG_FORMAT", toml: "log_format" };
const LOG: Key = Key { env: "GRIDLINE_LOG", toml: "log" };
const WORKERS: Key = Key { env: "GRIDLINE_WORKERS", toml: "workers" };
const DB_MAX_CONNECTIONS: Key = Key { env: "GRIDLINE_DB_MAX_CONNECTIONS", toml: "db_max_connections" };
const DB_ACQUIRE_TIMEOUT: Key = Key { env: "GRIDLINE_DB_ACQUIRE_TIMEOUT_MS", toml: "db_acquire_timeout_ms" };
const DB_STATEMENT_CACHE: Key = Key { env: "GRIDLINE_DB_STATEMENT_CACHE", toml: "db_statement_cache" };
const SQLITE_BUSY_TIMEOUT: Key = Key { env: "GRIDLINE_SQLITE_BUSY_TIMEOUT_MS", toml: "sqlite_busy_timeout_ms" };
const MAX_BODY_BYTES: Key = Key { env: "GRIDLINE_MAX_BODY_BYTES", toml: "max_body_bytes" };
const SHUTDOWN_TIMEOUT: Key = Key { env: "GRIDLINE_SHUTDOWN_TIMEOUT_S", toml: "shutdown_timeout_s" };
const DRAIN_DELAY: Key = Key { env: "GRIDLINE_DRAIN_DELAY_S", toml: "drain_delay_s" };
const MAX_IN_FLIGHT: Key = Key { env: "GRIDLINE_MAX_IN_FLIGHT", toml: "max_in_flight" };
const PUBLIC_RATE: Key = Key { env: "GRIDLINE_PUBLIC_RATE_PER_MIN", toml: "public_rate_per_min" };
const PUBLIC_URL: Key = Key { env: "GRIDLINE_PUBLIC_URL", toml: "public_url" };
const OPEN311_JURISDICTION: Key = Key { env: "GRIDLINE_OPEN311_JURISDICTION", toml: "open311_jurisdiction" };
const ADMISSION_WAIT: Key = Key { env: "GRIDLINE_ADMISSION_WAIT_MS", toml: "admission_wait_ms" };
const METRICS_LISTEN: Key = Key { env: "GRIDLINE_METRICS_LISTEN", toml: "metrics_listen" };
const READY_TIMEOUT: Key = Key { env: "GRIDLINE_READY_TIMEOUT_MS", toml: "ready_timeout_ms" };
const SECRET_KEY: Key = Key { env: "GRIDLINE_SECRET_KEY", toml: "secret_key" };
const ADMIN_PASSWORD: Key = Key { env: "GRIDLINE_ADMIN_PASSWORD", toml: "admin_password" };
const DEMO_PASSWORD: Key = Key { env: "GRIDLINE_DEMO_PASSWORD", toml: "demo_password" };
const TOKEN_ISSUER: Key = Key { env: "GRIDLINE_TOKEN_ISSUER", toml: "token_issuer" };
const ACCESS_TTL: Key = Key { env: "GRIDLINE_ACCESS_TOKEN_TTL_S", toml: "access_token_ttl_s" };
const REFRESH_TTL: Key = Key { env: "GRIDLINE_REFRESH_TOKEN_TTL_S", toml: "refresh_token_ttl_s" };
const HASH_MEMORY: Key = Key { env: "GRIDLINE_PASSWORD_HASH_MEMORY_KIB", toml: "password_hash_memory_kib" };
const HASH_ITERATIONS: Key = Key { env: "GRIDLINE_PASSWORD_HASH_ITERATIONS", toml: "password_hash_iterations" };
const HASH_CONCURRENCY: Key = Key { env: "GRIDLINE_PASSWORD_HASH_CONCURRENCY", toml: "password_hash_concurrency" };
const HASH_WAIT: Key = Key { env: "GRIDLINE_PASSWORD_HASH_WAIT_MS", toml: "password_hash_wait_ms" };
const LOGIN_MAX_FAILURES: Key = Key { env: "GRIDLINE_LOGIN_MAX_FAILURES", toml: "login_max_failures" };
const LOGIN_MAX_FAILURES_PER_ADDR: Key =
    Key { env: "GRIDLINE_LOGIN_MAX_FAILURES_PER_ADDR", toml: "login_max_failures_per_addr" };
const LOGIN_LOCKOUT: Key = Key { env: "GRIDLINE_LOGIN_LOCKOUT_S", toml: "login_lockout_s" };
const CACHE_POLL: Key = Key { env: "GRIDLINE_CACHE_POLL_MS", toml: "cache_poll_ms" };
const SWEEP_INTERVAL: Key = Key { env: "GRIDLINE_SWEEP_INTERVAL_MS", toml: "sweep_interval_ms" };
const SYNC_WINDOW: Key = Key { env: "GRIDLINE_SYNC_WINDOW_DAYS", toml: "sync_window_days" };
const PUSH_GATEWAY_URL: Key = Key { env: "GRIDLINE_PUSH_GATEWAY_URL", toml: "push_gateway_url" };
const PUSH_GATEWAY_SECRET: Key = Key { env: "GRIDLINE_PUSH_GATEWAY_SECRET", toml: "push_gateway_secret" };
const WEBHOOK_ALLOW_PRIVATE: Key = Key { env: "GRIDLINE_WEBHOOK_ALLOW_PRIVATE", toml: "webhook_allow_private" };
const TRUSTED_PROXIES: Key = Key { env: "GRIDLINE_TRUSTED_PROXIES", toml: "trusted_proxies" };
const SSE_HEARTBEAT: Key = Key { env: "GRIDLINE_SSE_HEARTBEAT_S", toml: "sse_heartbeat_s" };
const MEDIA_MAX_BYTES: Key = Key { env: "GRIDLINE_MEDIA_MAX_BYTES", toml: "media_max_bytes" };
const MEDIA_DECODE_CONCURRENCY: Key =
    Key { env: "GRIDLINE_MEDIA_DECODE_CONCURRENCY", toml: "media_decode_concurrency" };
const MEDIA_URL: Key = Key { env: "GRIDLINE_MEDIA_URL", toml: "media_url" };
const MEDIA_ORPHAN_HOURS: Key = Key { env: "GRIDLINE_MEDIA_ORPHAN_HOURS", toml: "media_orphan_hours" };
// An S3-compatible bucket's settings, under the names every S3 client reads.
const AWS_ENDPOINT_URL: Key = Key { env: "AWS_ENDPOINT_URL", toml: "aws_endpoint_url" };
const AWS_ACCESS_KEY_ID: Key = Key { env: "AWS_ACCESS_KEY_ID", toml: "aws_access_key_id" };
const AWS_SECRET_ACCESS_KEY: Key = Key { env: "AWS_SECRET_ACCESS_KEY", toml: "aws_secret_access_key" };
const AWS_REGION: Key = Key { env: "AWS_REGION", toml: "aws_region" };
const AWS_ALLOW_HTTP: Key = Key { env: "AWS_ALLOW_HTTP", toml: "aws_allow_http" };
/// Variables outside `GRIDLINE_` that configure Gridline: the bucket's.
const S3_KEYS: &[&Key] = &[&AWS_ENDPOINT_URL, &AWS_ACCESS_KEY_ID, &AWS_SECRET_ACCESS_KEY, &AWS_REGION, &AWS_ALLOW_HTTP];

/// Every key, for the README's table and for spotting misspelt variables.
const ALL: &[&Key] = &[
    &LISTEN,
    &DATA_DIR,
    &DATABASE_URL,
    &LOG_FORMAT,
    &LOG,
    &WORKERS,
    &DB_MAX_CONNECTIONS,
    &DB_ACQUIRE_TIMEOUT,
    &DB_STATEMENT_CACHE,
    &SQLITE_BUSY_TIMEOUT,
    &MAX_BODY_BYTES,
    &SHUTDOWN_TIMEOUT,
    &DRAIN_DELAY,
    &MAX_IN_FLIGHT,
    &ADMISSION_WAIT,
    &PUBLIC_RATE,
    &PUBLIC_URL,
    &OPEN311_JURISDICTION,
    &METRICS_LISTEN,
    &READY_TIMEOUT,
    &SECRET_KEY,
    &ADMIN_PASSWORD,
    &DEMO_PASSWORD,
    &TOKEN_ISSUER,
    &ACCESS_TTL,
    &REFRESH_TTL,
    &HASH_MEMORY,
    &HASH_ITERATIONS,
    &HASH_CONCURRENCY,
    &HASH_WAIT,
    &LOGIN_MAX_FAILURES,
    &LOGIN_MAX_FAILURES_PER_ADDR,
    &LOGIN_LOCKOUT,
    &CACHE_POLL,
    &SWEEP_INTERVAL,
    &SYNC_WINDOW,
    &SSE_HEARTBEAT,
    &PUSH_GATEWAY_URL,
    &PUSH_GATEWAY_SECRET,
    &WEBHOOK_ALLOW_PRIVATE,
    &TRUSTED_PROXIES,
    &MEDIA_MAX_BYTES,
    &MEDIA_DECODE_CONCURRENCY,
    &MEDIA_ORPHAN_HOURS,
    &MEDIA_URL,
];

/// A secret from configuration: never printed, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Tokens, password hashing and login throttling.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `iss` of every access token; also its audience suffix.
    pub issuer: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Argon2id memory cost in KiB and passes. Lower them only in tests.
    pub hash_memory_kib: u32,
    pub hash_iterations: u32,
    /// Hashes computed at once; each holds `hash_memory_kib` while it runs.
    pub hash_concurrency: usize,
    /// How long a request waits for a hashing slot before a 503.
    pub hash_wait: Duration,
    /// Failed logins per account within 15 minutes before a lockout.
    pub login_max_failures: u32,
    /// Failed logins per client address within 15 minutes before a lockout.
    pub login_max_failures_per_addr: u32,
    pub login_lockout: Duration,
    /// Encrypts the signing keys' private parts; generated into the data
    /// directory when absent. Every node of one installation needs the same.
    pub secret_key: Option<Secret>,
    /// The first admin's password; generated into the data directory when absent.
    pub admin_password: Option<Secret>,
    /// The demo users' password (`serve --demo`).
    pub demo_password: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The server's settings, all validated.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub log_format: LogFormat,
    /// A `tracing` filter such as `info` or `gridline_api=debug,sqlx=warn`.
    pub log_filter: String,
    pub workers: usize,
    pub db: DbOptions,
    pub max_body_bytes: usize,
    pub shutdown_timeout: Duration,
    /// After SIGTERM, how long the node keeps serving with `/readyz` at 503
    /// so that a load balancer stops sending to it before it stops accepting.
    pub drain_delay: Duration,
    /// Requests a node serves at once (streams and probes not counted);
    /// beyond it, 503 `overloaded` at once rather than a queue.
    pub max_in_flight: usize,
    /// How long a request may wait for a slot while the node is full only briefly.
    pub admission_wait: Duration,
    /// Requests a minute each client address may send to the public pages, per node.
    pub public_rate_per_min: u32,
    /// Where clients reach this installation (`https://gridline.example.gov.cn`), for links it publishes
    /// (Open311 discovery); `None`: the address each request came to.
    pub public_url: Option<String>,
    /// The Open311 `jurisdiction_id`; `None`: the district's code.
    pub open311_jurisdiction: Option<String>,
    /// Where Prometheus scrapes `/metrics`; `None`: no metrics listener.
    pub metrics_listen: Option<SocketAddr>,
    /// How long `/readyz` waits for the database before answering 503.
    pub ready_timeout: Duration,
    pub auth: AuthSettings,
    /// Seed the demo district on an empty database (`serve --demo`; not a variable).
    pub demo: bool,
    /// How often a node checks whether shared cached data (grid boundaries,
    /// signing keys) changed through another node.
    pub cache_poll: Duration,
    /// How often the sweeper looks for clocks that passed a threshold and
    /// suspensions whose date has come.
    pub sweep_interval: Duration,
    /// How far back a phone's first sync reaches for closed cases, and how
    /// old a sync cursor may be before the phone starts again.
    pub sync_window_days: u32,
    /// How often an open stream says it is alive (and checks its credentials).
    pub sse_heartbeat: Duration,
    /// The operator's relay to the phone vendors' push services, and the
    /// secret its requests are signed with; `None`: nothing is pushed.
    pub push_gateway: Option<(String, Secret)>,
    /// Webhooks may point at loopback and private addresses (tests, closed networks).
    pub webhook_allow_private: bool,
    /// Load balancers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::client_address::TrustedProxies,
    pub media: MediaSettings,
}

/// How evidence files are taken, and where they are kept.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// The largest file taken; media routes are exempt from `max_body_bytes`.
    pub max_bytes: usize,
    /// How many images are decoded at once (for sizes, EXIF and previews).
    pub decode_concurrency: usize,
    pub store: MediaLocation,
    /// Files never attached, and uploads abandoned, are removed after this long.
    pub orphan_hours: u32,
}

/// Where files' bytes live (`GRIDLINE_MEDIA_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    /// A directory: `media/` under the data directory unless named.
    Directory(PathBuf),
    /// An S3-compatible bucket (Aliyun OSS, Tencent COS, MinIO), which every
    /// node of an installation reaches.
    S3(S3Bucket),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Bucket {
    pub bucket: String,
    /// Prepended to every object's name; may be empty.
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub allow_http: bool,
}

impl fmt::Debug for Settings {
    // The database URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .field("workers", &self.workers)
            .field("db", &self.db)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("drain_delay", &self.drain_delay)
            .field("max_in_flight", &self.max_in_flight)
            .field("admission_wait", &self.admission_wait)
            .field("public_rate_per_min", &self.public_rate_per_min)
            .field("public_url", &self.public_url)
            .field("open311_jurisdiction", &self.open311_jurisdiction)
            .field("metrics_listen", &self.metrics_listen)
            .field("ready_timeout", &self.ready_timeout)
            .field("auth", &self.auth)
            .field("demo", &self.demo)
            .field("cache_poll", &self.cache_poll)
            .field("sweep_interval", &self.sweep_interval)
            .field("sync_window_days", &self.sync_window_days)
            .field("sse_heartbeat", &self.sse_heartbeat)
            .field("push_gateway", &self.push_gateway.as_ref().map(|(url, _)| url))
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("media", &self.media)
            .finish()
    }
}

/// A setting that could not be used: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    /// The variable (or `file: key`) at fault.
    pub name: String,
    pub problem: String,
}

/// Where raw values come from, in order of precedence.
struct Sources {
    env: HashMap<String, String>,
    file: HashMap<String, String>,
    file_name: String,
}

impl Sources {
    /// The raw value of a key and the name to blame if it is bad.
    fn get(&self, key: &Key) -> Option<(String, String)> {
        if let Some(v) = self.env.get(key.env) {
            return Some((key.env.to_owned(), v.clone()));
        }
        self.file.get(key.toml).map(|v| (format!("{} in {}", key.toml, self.file_name), v.clone()))
    }

    fn parse<T>(&self, key: &Key, default: T, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some((name, raw)) => parse(raw.trim()).map_err(|problem| ConfigError { name, problem }),
        }
    }
}

impl Settings {
    /// Reads the settings from the process environment and an optional TOML file.
    ///
    /// # Errors
    /// The first bad value, naming its variable.
    pub fn load(config_file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let env = std::env::vars()
            .filter(|(k, _)| k.starts_with("GRIDLINE_") || S3_KEYS.iter().any(|key| key.env == k))
            .collect();
        let file = match config_file {
            None => None,
            Some(path) => Some((
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|e| ConfigError {
                    name: "--config".into(),
                    problem: format!("cannot read {}: {e}", path.display()),
                })?,
            )),
        };
        Self::from_sources(env, file.as_ref().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Builds settings from explicit variables and TOML text; `load` without the process.
    ///
    /// # Errors
    /// The first bad value, naming its variable.
    pub fn from_sources(env: HashMap<String, String>, file: Option<(&str, &str)>) -> Result<Self, ConfigError> {
        let (file_name, file) = match file {
            None => (String::new(), HashMap::new()),
            Some((name, text)) => (name.to_owned(), parse_toml(name, text)?),
        };
        let src = Sources { env, file, file_name };

        let listen = src.parse(&LISTEN, SocketAddr::from(([127, 0, 0, 1], 8080)), |v| {
            v.parse().map_err(|_| format!("'{v}' is not a socket address like 127.0.0.1:8080"))
        })?;
        let data_dir = src.parse(&DATA_DIR, PathBuf::from("./gridline-data/"), |v| {
            if v.is_empty() {
                Err("must not be empty".into())
            } else {
                Ok(PathBuf::from(v))
            }
        })?;
        let default_url = format!("sqlite://{}", data_dir.join("gridline.db").display());
        let database_url = src.parse(&DATABASE_URL, default_url, |v| match Backend::from_url(v) {
            Some(_) => Ok(v.to_owned()),
            None => Err(format!(
                "'{}' is not a supported database URL (expected postgres://… or sqlite://…)",
                redact_url(v)
            )),
        })?;
        let log_format = src.parse(&LOG_FORMAT, LogFormat::Text, |v| match v {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("'{v}' is not a log format (expected text or json)")),
        })?;
        let log_filter = src.parse(&LOG, "info,sqlx=warn".to_owned(), |v| {
            tracing_subscriber::EnvFilter::try_new(v)
                .map(|_| v.to_owned())
                .map_err(|e| format!("'{v}' is not a log filter: {e}"))
        })?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let workers = src.parse(&WORKERS, cores, |v| positive(v, 1024))?;
        let max_connections = src.parse(&DB_MAX_CONNECTIONS, 16, |v| positive(v, 10_000))?;
        let acquire_ms = src.parse(&DB_ACQUIRE_TIMEOUT, 5_000, |v| positive(v, 600_000))?;
        let statement_cache = src.parse(&DB_STATEMENT_CACHE, 256, |v| whole(v, 100_000))?;
        let busy_ms = src.parse(&SQLITE_BUSY_TIMEOUT, 10_000, |v| whole(v, 600_000))?;
        let max_body_bytes = src.parse(&MAX_BODY_BYTES, 1024 * 1024, |v| positive(v, 1 << 30))?;
        let shutdown_s = src.parse(&SHUTDOWN_TIMEOUT, 30, |v| whole(v, 3_600))?;
        let drain_s = src.parse(&DRAIN_DELAY, 5, |v| whole(v, 3_600))?;
        // Enough to keep a worker busy while a request waits on a database
        // on the same machine; more only share the core and wait longer (at
        // twice the peak, 4 a worker served as much at a 1.8-2.1x p99 as 2
        // did at 1.4-1.6x: README, overload).
        let max_in_flight = src.parse(&MAX_IN_FLIGHT, 2 * workers, |v| positive(v, 1_000_000))?;
        let admission_wait_ms = src.parse(&ADMISSION_WAIT, 10, |v| whole(v, 10_000))?;
        let public_rate = src.parse(&PUBLIC_RATE, 60, |v| positive(v, 1_000_000))?;
        let public_url = src.parse(&PUBLIC_URL, None, |v| {
            let v = v.trim().trim_end_matches('/');
            let host = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://")).unwrap_or_default();
            if host.is_empty() || host.contains(|c: char| c.is_whitespace() || matches!(c, '?' | '#')) {
                Err(format!("'{v}' is not a URL such as https://gridline.example.gov.cn"))
            } else {
                Ok(Some(v.to_owned()))
            }
        })?;
        let open311_jurisdiction = src.parse(&OPEN311_JURISDICTION, None, |v| match v.trim() {
            "" => Err("must not be empty".to_owned()),
            v if v.len() > 64 => Err("must be at most 64 characters".to_owned()),
            v => Ok(Some(v.to_owned())),
        })?;
        let metrics_listen = src.parse(&METRICS_LISTEN, None, |v| {
            v.parse::<SocketAddr>().map(Some).map_err(|_| format!("'{v}' is not an address such as 127.0.0.1:9464"))
        })?;
        let ready_ms = src.parse(&READY_TIMEOUT, 2_000, |v| positive(v, 600_000))?;
        let secret = |key: &Key, min: usize| {
            src.parse(key, None, |v| {
                if v.chars().count() < min {
                    Err(format!("must be at least {min} characters"))
                } else {
                    Ok(Some(Secret::new(v)))
                }
            })
        };
        let auth = AuthSettings {
            issuer: src.parse(&TOKEN_ISSUER, "gridline".to_owned(), |v| {
                if v.is_empty() {
                    Err("must not be empty".into())
                } else {
                    Ok(v.to_owned())
                }
            })?,
            access_ttl: Duration::from_secs(src.parse(&ACCESS_TTL, 900, |v| positive(v, 86_400))? as u64),
            refresh_ttl: Duration::from_secs(
                src.parse(&REFRESH_TTL, 30 * 86_400, |v| positive(v, 365 * 86_400))? as u64
            ),
            hash_memory_kib: src.parse(&HASH_MEMORY, 19_456, |v| {
                let n = whole(v, 4 * 1024 * 1024)?;
                if n < 8 {
                    Err("must be at least 8".into())
                } else {
                    Ok(n)
                }
            })? as u32,
            hash_iterations: src.parse(&HASH_ITERATIONS, 2, |v| positive(v, 100))? as u32,
            hash_concurrency: src.parse(&HASH_CONCURRENCY, cores, |v| positive(v, 1024))?,
            hash_wait: Duration::from_millis(src.parse(&HASH_WAIT, 2_000, |v| whole(v, 600_000))? as u64),
            login_max_failures: src.parse(&LOGIN_MAX_FAILURES, 5, |v| positive(v, 1_000))? as u32,
            login_max_failures_per_addr: src.parse(&LOGIN_MAX_FAILURES_PER_ADDR, 50, |v| positive(v, 100_000))? as u32,
            login_lockout: Duration::from_secs(src.parse(&LOGIN_LOCKOUT, 300, |v| positive(v, 86_400))? as u64),
            secret_key: secret(&SECRET_KEY, 32)?,
            admin_password: secret(&ADMIN_PASSWORD, 8)?,
            demo_password: secret(&DEMO_PASSWORD, 8)?,
        };
        let cache_poll_ms = src.parse(&CACHE_POLL, 500, |v| positive(v, 60_000))?;
        let sweep_ms = src.parse(&SWEEP_INTERVAL, 30_000, |v| positive(v, 3_600_000))?;
        let sync_window_days = src.parse(&SYNC_WINDOW, 90, |v| positive(v, 3_650))? as u32;
        let sse_heartbeat = Duration::from_secs(src.parse(&SSE_HEARTBEAT, 15, |v| positive(v, 3_600))? as u64);
        let push_gateway = match src.parse(&PUSH_GATEWAY_URL, None, |v| http_url(v).map(Some))? {
            None => None,
            Some(url) => match secret(&PUSH_GATEWAY_SECRET, 16)? {
                Some(secret) => Some((url, secret)),
                None => {
                    return Err(ConfigError {
                        name: PUSH_GATEWAY_SECRET.env.into(),
                        problem: "is required with GRIDLINE_PUSH_GATEWAY_URL: the gateway checks what it receives"
                            .into(),
                    })
                }
            },
        };
        let store = match src.parse(&MEDIA_URL, None, |v| media_url(v).map(Some))? {
            None => MediaLocation::Directory(data_dir.join("media")),
            Some(MediaUrl::Directory(dir)) => MediaLocation::Directory(dir),
            Some(MediaUrl::S3 { bucket, prefix }) => {
                let text = |key: &Key| src.parse(key, None, |v| Ok(Some(v.to_owned())));
                MediaLocation::S3(S3Bucket {
                    bucket,
                    prefix,
                    endpoint: text(&AWS_ENDPOINT_URL)?,
                    region: text(&AWS_REGION)?.unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: text(&AWS_ACCESS_KEY_ID)?,
                    secret_access_key: text(&AWS_SECRET_ACCESS_KEY)?.map(Secret::new),
                    allow_http: src.parse(&AWS_ALLOW_HTTP, false, |v| match v {
                        "true" | "1" => Ok(true),
                        "false" | "0" => Ok(false),
                        _ => Err(format!("'{v}' is not true or false")),
                    })?,
                })
            }
        };
        let media = MediaSettings {
            max_bytes: src.parse(&MEDIA_MAX_BYTES, 20 * 1024 * 1024, |v| positive(v, 1 << 30))?,
            decode_concurrency: src.parse(&MEDIA_DECODE_CONCURRENCY, cores, |v| positive(v, 1024))?,
            store,
            orphan_hours: src.parse(&MEDIA_ORPHAN_HOURS, 24, |v| positive(v, 8760))? as u32,
        };

        Ok(Self {
            listen,
            data_dir,
            database_url,
            log_format,
            log_filter,
            workers,
            db: DbOptions {
                max_connections: max_connections as u32,
                acquire_timeout: Duration::from_millis(acquire_ms as u64),
                statement_cache_capacity: statement_cache,
                sqlite_busy_timeout: Duration::from_millis(busy_ms as u64),
            },
            max_body_bytes,
            shutdown_timeout: Duration::from_secs(shutdown_s as u64),
            drain_delay: Duration::from_secs(drain_s as u64),
            max_in_flight,
            admission_wait: Duration::from_millis(admission_wait_ms as u64),
            public_rate_per_min: u32::try_from(public_rate).unwrap_or(u32::MAX),
            public_url,
            open311_jurisdiction,
            metrics_listen,
            ready_timeout: Duration::from_millis(ready_ms as u64),
            auth,
            demo: false,
            cache_poll: Duration::from_millis(cache_poll_ms as u64),
            sweep_interval: Duration::from_millis(sweep_ms as u64),
            sync_window_days,
            sse_heartbeat,
            push_gateway,
            trusted_proxies: src.parse(
                &TRUSTED_PROXIES,
                Default::default(),
                crate::client_address::TrustedProxies::parse,
            )?,
            webhook_allow_private: src.parse(&WEBHOOK_ALLOW_PRIVATE, false, |v| match v {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(format!("'{v}' is not true or false")),
            })?,
            media,
        })
    }

    /// `GRIDLINE_*` variables that name no setting: most likely misspelt.
    pub fn unknown_variables() -> Vec<String> {
        std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with("GRIDLINE_") && !k.starts_with("GRIDLINE_TEST_"))
            .filter(|k| !ALL.iter().any(|key| key.env == k) && !EXTRA_VARIABLES.contains(&k.as_str()))
            .collect()
    }
}

enum MediaUrl {
    Directory(PathBuf),
    S3 { bucket: String, prefix: String },
}

/// `s3://bucket/prefix` or `file:///absolute/directory`.
fn media_url(v: &str) -> Result<MediaUrl, String> {
    if let Some(rest) = v.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("'{v}' names no bucket (expected s3://bucket/prefix)"));
        }
        return Ok(MediaUrl::S3 { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() });
    }
    match v.strip_prefix("file://") {
        Some(path) if path.starts_with('/') => Ok(MediaUrl::Directory(PathBuf::from(path))),
        _ => Err(format!("'{v}' is neither s3://bucket/prefix nor file:///absolute/directory")),
    }
}

/// Variables read outside [`Settings`] (by bootstrap and seeding).
const EXTRA_VARIABLES: &[&str] = &[];

fn whole(v: &str, max: usize) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("'{v}' is larger than {max}")),
        Err(_) => Err(format!("'{v}' is not a whole number")),
    }
}

/// An `http://` or `https://` URL.
fn http_url(v: &str) -> Result<String, String> {
    let lower = v.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !v.chars().any(char::is_whitespace) => Ok(v.to_owned()),
        _ => Err("must be an http:// or https:// URL".into()),
    }
}

fn positive(v: &str, max: usize) -> Result<usize, String> {
    match whole(v, max)? {
        0 => Err("must be at least 1".into()),
        n => Ok(n),
    }
}

fn parse_toml(name: &str, text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
        name: name.to_owned(),
        problem: format!("not valid TOML: {}", e.message()),
    })?;
    let mut out = HashMap::new();
    for (key, value) in table {
        if !ALL.iter().any(|k| k.toml == key) {
            return Err(ConfigError { name: format!("{key} in {name}"), problem: "unknown setting".into() });
        }
        let raw = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            other => {
                return Err(ConfigError {
                    name: format!("{key} in {name}"),
                    problem: format!("expected a string or a whole number, found {}", other.type_str()),
                })
            }
        };
        out.insert(key, raw);
    }
    Ok(out)
}

/// The URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let slash = if rest.contains('/') { "/" } else { "" };
            format!("{scheme}://{user}:***@{host}{slash}{tail}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_work_on_a_bare_machine() {
        let s = Settings::from_sources(HashMap::new(), None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./gridline-data/"));
        assert!(s.database_url.starts_with("sqlite://"), "{}", s.database_url);
        assert!(s.database_url.ends_with("gridline.db"));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Settings::from_sources(env(&[("GRIDLINE_LISTEN", "nowhere")]), None).unwrap_err();
        assert_eq!(err.to_string(), "GRIDLINE_LISTEN: 'nowhere' is not a socket address like 127.0.0.1:8080");
        let err = Settings::from_sources(env(&[("GRIDLINE_DATABASE_URL", "mysql://u:pw@h/db")]), None).unwrap_err();
        assert_eq!(err.name, "GRIDLINE_DATABASE_URL");
        assert!(!err.problem.contains("pw"), "{err}");
    }

    #[test]
    fn environment_wins_over_the_file() {
        let s = Settings::from_sources(
            env(&[("GRIDLINE_WORKERS", "3")]),
            Some(("g.toml", "workers = 5\nlisten = \"0.0.0.0:9000\"")),
        )
        .unwrap();
        assert_eq!(s.workers, 3);
        assert_eq!(s.listen.port(), 9000);
    }

    #[test]
    fn the_file_rejects_unknown_keys() {
        let err = Settings::from_sources(HashMap::new(), Some(("g.toml", "lisen = \"x\""))).unwrap_err();
        assert_eq!(err.to_string(), "lisen in g.toml: unknown setting");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
