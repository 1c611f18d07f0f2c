//! What a node tells Prometheus: its traffic, its database pool, the work
//! waiting behind it and how far its background tasks are behind. Each node
//! (and each server a test starts in one process) has its own registry.

mod listener;
mod routes;

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use prometheus::{
    Gauge, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub(crate) use listener::{sample_pools, serve};

/// Seconds, from a millisecond to a minute: requests and pool waits alike.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

pub(crate) struct Metrics {
    registry: Registry,
    /// Route templates for labels.
    pub routes: routes::RouteTemplates,
    requests: IntCounterVec,
    durations: HistogramVec,
    pub in_flight: IntGauge,
    pub pool_connections: IntGaugeVec,
    pub pool_wait: Histogram,
    pub hashes_running: IntGauge,
    pub cache_reload_lag: Gauge,
    pub change_reader_lag: Gauge,
    pub sweeper_lag: Gauge,
    pub outbox_pending: IntGauge,
    pub streams_open: IntGauge,
    started: Instant,
    /// When the caches were last known current, and the sweeper last
    /// finished, in milliseconds since `started`.
    caches_current_at: AtomicU64,
    swept_at: AtomicU64,
}

impl Metrics {
    /// `templates`: the published routes' paths.
    pub(crate) fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "Requests answered, by method, route template and status"),
            &["method", "route", "status"],
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to the response's head, by route template")
                .buckets(BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let in_flight =
            IntGauge::new("http_requests_in_flight", "Requests being served now (streams and probes not counted)")?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "The database pools' connections, idle or in use"),
            &["state"],
        )?;
        let pool_wait = Histogram::with_opts(
            HistogramOpts::new(
                "db_pool_wait_seconds",
                "Wait for a pooled connection, sampled every 250 ms by asking as a request would",
            )
            .buckets(BUCKETS.to_vec()),
        )?;
        let hashes_running = IntGauge::new("password_hashes_running", "Argon2 hashes being computed now")?;
        let cache_reload_lag = Gauge::new(
            "cache_reload_lag_seconds",
            "Since this node last knew its cached grids, reference data and keys to be current",
        )?;
        let change_reader_lag = Gauge::new(
            "change_sequence_reader_lag_seconds",
            "How long readers of the change sequence have been held back by the oldest case write in flight",
        )?;
        let sweeper_lag = Gauge::new("sweeper_lag_seconds", "Since this node's sweeper last finished a pass")?;
        let outbox_pending = IntGauge::new("outbox_pending", "Push and webhook deliveries waiting to be made")?;
        let streams_open = IntGauge::new("sse_streams_open", "Event streams open on this node")?;
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(durations.clone()),
            Box::new(in_flight.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_wait.clone()),
            Box::new(hashes_running.clone()),
            Box::new(cache_reload_lag.clone()),
            Box::new(change_reader_lag.clone()),
            Box::new(sweeper_lag.clone()),
            Box::new(outbox_pending.clone()),
            Box::new(streams_open.clone()),
            Box::new(prometheus::process_collector::ProcessCollector::for_self()),
        ] {
            registry.register(collector)?;
        }
        Ok(Self {
            registry,
            routes: routes::RouteTemplates::new(templates),
            requests,
            durations,
            in_flight,
            pool_connections,
            pool_wait,
            hashes_running,
            cache_reload_lag,
            change_reader_lag,
            sweeper_lag,
            outbox_pending,
            streams_open,
            started: Instant::now(),
            caches_current_at: AtomicU64::new(0),
            swept_at: AtomicU64::new(0),
        })
    }

    /// One answered request; `route` is its template, never the raw path,
    /// so that the number of series stays bounded.
    pub(crate) fn answered(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.durations.with_label_values(&[method, route]).observe(took.as_secs_f64());
    }

    fn since_start(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn caches_current(&self) {
        self.caches_current_at.store(self.since_start(), Ordering::Relaxed);
    }

    pub(crate) fn swept(&self) {
        self.swept_at.store(self.since_start(), Ordering::Relaxed);
    }

    fn lag(&self, at: &AtomicU64) -> f64 {
        self.since_start().saturating_sub(at.load(Ordering::Relaxed)) as f64 / 1000.0
    }

    /// The exposition in Prometheus' text format, with the lags as of now.
    pub(crate) fn render(&self) -> anyhow::Result<String> {
        self.cache_reload_lag.set(self.lag(&self.caches_current_at));
        self.sweeper_lag.set(self.lag(&self.swept_at));
        Ok(TextEncoder::new().encode_to_string(&self.registry.gather())?)
    }
}
