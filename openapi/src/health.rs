use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The answer of `/healthz` and of a ready `/readyz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`.
    pub status: String,
    /// The server's version.
    pub version: String,
}
