//! Stopping without dropping anyone. On SIGTERM (or SIGINT) `/readyz` turns
//! 503 at once while the node goes on serving for `GRIDLINE_DRAIN_DELAY_S`,
//! long enough for a load balancer's health check to send traffic elsewhere;
//! then open streams end with `event: reconnect`, the listener closes, and
//! requests in flight get up to `GRIDLINE_SHUTDOWN_TIMEOUT_S` to finish.

use std::time::Duration;

use actix_web::{dev::ServerHandle, web};

use crate::state::AppState;

/// Turns the node unready in the signal handler itself, not when the task
/// below is next polled on a runtime that may be busy. (The kernel still runs
/// the handler on one thread while others may serve: "at once" is a moment.)
pub(crate) fn unready_at_the_signal(state: &AppState) -> std::io::Result<()> {
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, state.load.drain_flag())?;
    }
    #[cfg(not(unix))]
    let _ = state;
    Ok(())
}

pub(crate) async fn on_signal(state: web::Data<AppState>, server: ServerHandle, delay: Duration) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        // Already unready: the handler set the flag (`unready_at_the_signal`).
        tracing::info!(
            delay_s = delay.as_secs(),
            "stopping: not ready any more, serving on while the load balancer moves away"
        );
        // A second signal cuts the delay short (an operator at a terminal).
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("stopping: no new connections; finishing the requests in flight");
        state.changes.close_all();
        server.stop(true).await;
    }
    #[cfg(not(unix))]
    {
        let _ = (state, server, delay);
    }
}
