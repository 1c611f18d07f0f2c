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
/// For readiness probes and load balancers: 200 when the database answers, else 503.
#[utoipa::path(
    operation_id = "get_readiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database cannot be reached", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<web::Json<HealthStatus>, ApiError> {
    match tokio::time::timeout(state.ready_timeout, state.store.ping()).await {
        Ok(Ok(())) => Ok(ok()),
        Ok(Err(e)) => Err(ApiError::Unavailable(e.into())),
        Err(_) => Err(ApiError::Unavailable(anyhow::anyhow!("database ping timed out"))),
    }
}
