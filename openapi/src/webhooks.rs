//! Webhook subscriptions of integrations, and their delivery attempts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A subscription to register.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::create_webhook)]
pub struct CreateWebhook {
    /// Where the events are posted: `https://` (or `http://`); loopback and
    /// private addresses are refused unless `GRIDLINE_WEBHOOK_ALLOW_PRIVATE`.
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// `["*"]` for every event, or timeline event types (`reported`, `dispatched`, …).
    #[schema(min_items = 1, max_items = 30)]
    pub events: Vec<String>,
    /// Only cases under this unit; absent: all.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
}

/// What to change in a subscription.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::update_webhook)]
pub struct UpdateWebhook {
    #[schema(min_length = 1, max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 30)]
    pub events: Option<Vec<String>>,
    /// `true` turns a subscription the platform disabled back on.
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub unit_id: Option<Uuid>,
    pub active: bool,
    /// Why the platform turned it off (its deliveries failed for three days).
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A subscription as registered, with its signing secret: shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    pub webhook: WebhookView,
    /// Verifies `Gridline-Signature`: HMAC-SHA256 over `"<t>.<raw body>"`.
    pub secret: String,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttemptView {
    pub id: Uuid,
    /// The delivery: the event's id (`Gridline-Event-Id`), for redelivering it.
    pub delivery_id: Uuid,
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The receiver's status; `null` when it was not reached or did not answer in 10 s.
    pub status: Option<u16>,
    pub duration_ms: u32,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttemptPage {
    /// Newest first.
    pub items: Vec<DeliveryAttemptView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryAttemptQuery {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<Uuid>,
    /// 1 to 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}
