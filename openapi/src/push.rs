//! Phones registered for push notifications.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::values::{Platform, PushProvider};

/// A phone that receives the caller's notifications through the push gateway.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = crate::examples::register_device)]
pub struct RegisterDevice {
    pub platform: Platform,
    /// The vendor's push service the token belongs to.
    pub provider: PushProvider,
    /// The token the vendor's SDK gave the app.
    #[schema(min_length = 1, max_length = 512)]
    pub push_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeviceView {
    pub id: Uuid,
    pub platform: Platform,
    pub provider: PushProvider,
    pub push_token: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DevicePath {
    /// The device's id.
    pub id: Uuid,
}
