//! Keeps each node's caches of shared data (grid boundaries, reference
//! data, signing keys) in step with the database: it reads the versions that
//! writers bump in the same transaction as their change, and reloads what
//! moved. On PostgreSQL a bump wakes every node at once (`NOTIFY`, migration
//! 0026); the poll stays, for a notification lost with its connection.

use std::{collections::HashMap, time::Duration};

use actix_web::web;

use crate::state::AppState;

/// Follows until the task is aborted.
pub(crate) async fn follow(
    state: web::Data<AppState>,
    every: Duration,
    mut woken: Option<gridline_persistence::ChangeListener>,
) {
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut last_purge = std::time::Instant::now();
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        match woken.as_mut() {
            Some(listener) => {
                tokio::select! {
                    _ = interval.tick() => {}
                    heard = listener.next() => if let Err(e) = heard {
                        // Reconnected by the next call; the poll covers the gap.
                        tracing::debug!(error = %e, "the cache listener lost its connection");
                        tokio::time::sleep(every).await;
                    }
                }
            }
            None => {
                interval.tick().await;
            }
        }
        // Idempotency answers outlive their promise (24 h), then go.
        if last_purge.elapsed() > Duration::from_secs(600) {
            last_purge = std::time::Instant::now();
            let before = gridline_domain::time::now() - chrono::Duration::hours(crate::idempotency::KEEP_FOR_HOURS);
            if let Err(e) = state.store.purge_keys(before).await {
                tracing::debug!(error = %e, "purging idempotency keys failed");
            }
        }
        let versions = match state.store.cache_versions().await {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(error = %e, "cache versions unavailable");
                continue;
            }
        };
        let mut current = true;
        for (name, version) in versions {
            if seen.get(&name) == Some(&version) {
                continue;
            }
            let reloaded = match name.as_str() {
                "grids" => match state.reload_grids().await {
                    Ok(()) => state.reload_reference().await,
                    Err(e) => Err(e),
                },
                "reference" => state.reload_reference().await,
                "signing_keys" => state.reload_keys().await,
                _ => Ok(()),
            };
            match reloaded {
                Ok(()) => {
                    seen.insert(name, version);
                }
                Err(e) => {
                    current = false;
                    tracing::warn!(cache = %name, error = %format!("{e:#}"), "cache reload failed");
                }
            }
        }
        if current {
            state.metrics.caches_current();
        }
    }
}
