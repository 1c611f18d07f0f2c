//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{get, web};
use gridline_openapi::{health::HealthStatus, Problem};

use crate::{error::ApiError, state::AppState};

fn ok() -> web::Json<HealthStatus> {
    web::Json(HealthStatus { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

/// Check that the process is alive
///
/// For liveness probes. Does not touch the database.
#[utoipa::path(
    operation_id = "get_health",
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthStatus))
)]
#[get("/healthz")]
pub(crate) async fn healthz() -> web::Json<HealthStatus> {
    ok()
}

/// Check that the node can take traffic
///
/// For readiness probes and load balancers: 200 when the database answers;
/// 503 `database_unavailable` when it does not, and 503 `draining` from the
/// moment the node is told to stop (it goes on serving for
/// `GRIDLINE_DRAIN_DELAY_S` so that the load balancer can move away).
#[utoipa::path(
    operation_id = "get_readiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database cannot be reached (`database_unavailable`), or the node is stopping (`draining`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<web::Json<HealthStatus>, ApiError> {
    if state.load.draining() {
        return Err(ApiError::Draining);
    }
    match tokio::time::timeout(state.ready_timeout, state.store.ping()).await {
        Ok(Ok(())) => Ok(ok()),
        Ok(Err(e)) => Err(ApiError::DatabaseUnavailable(e.into())),
        Err(_) => Err(ApiError::DatabaseUnavailable(anyhow::anyhow!("database ping timed out"))),
    }
}
