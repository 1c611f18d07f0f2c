//! `GET /metrics` on its own listener (`GRIDLINE_METRICS_LISTEN`), never on
//! the API's port: a scraper's address is not a client's, and a public API
//! must not show its internals.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{dev::Server, web, App, HttpResponse, HttpServer};
use anyhow::Context;
use gridline_persistence::Database;

use crate::state::AppState;

/// How long a scrape waits for the database's part of the figures; the
/// rest is answered anyway, with the last figures the database gave.
const BACKLOG_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the pool is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

struct Scraped {
    state: web::Data<AppState>,
}

/// Binds `listen` and serves the exposition; the port bound, for `:0`.
pub(crate) fn serve(listen: std::net::SocketAddr, state: web::Data<AppState>) -> anyhow::Result<(Server, u16)> {
    let listener = TcpListener::bind(listen).with_context(|| format!("cannot listen for metrics on {listen}"))?;
    let port = listener.local_addr()?.port();
    let scraped = web::Data::new(Scraped { state });
    let server =
        HttpServer::new(move || App::new().app_data(scraped.clone()).route("/metrics", web::get().to(metrics)))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)?
            .run();
    tracing::info!(port, "metrics listening");
    Ok((server, port))
}

async fn metrics(scraped: web::Data<Scraped>) -> HttpResponse {
    let state = &scraped.state;
    let metrics = &state.metrics;
    if let Ok(Ok(backlog)) = tokio::time::timeout(BACKLOG_TIMEOUT, state.store.backlog()).await {
        metrics.outbox_pending.set(backlog.outbox_pending);
        metrics.change_reader_lag.set(backlog.oldest_change_writer_s);
    }
    metrics.hashes_running.set(i64::try_from(state.passwords.running()).unwrap_or(i64::MAX));
    metrics.streams_open.set(i64::try_from(state.changes.open()).unwrap_or(i64::MAX));
    match metrics.render() {
        Ok(text) => HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "rendering the metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Samples the pools until aborted: their connections, and the wait a
/// request would have for one.
pub(crate) async fn sample_pools(state: web::Data<AppState>, database: Arc<Database>) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let pools = database.pool_stats();
        state.metrics.pool_connections.with_label_values(&["idle"]).set(i64::from(pools.idle));
        state.metrics.pool_connections.with_label_values(&["used"]).set(i64::from(pools.used));
        for wait in database.sample_pool_waits().await {
            state.metrics.pool_wait.observe(wait.as_secs_f64());
        }
    }
}
