//! Webhook subscriptions: an integration (a 12345 hotline, a city platform)
//! told of every change it subscribed to, signed, in order, until it takes it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::cases::EventType;

/// Which timeline events a subscription wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<EventType>),
}

impl EventFilter {
    /// As stored: `,*,` or `,reported,dispatched,` (matched with `LIKE '%,type,%'`).
    pub fn stored(&self) -> String {
        match self {
            Self::All => ",*,".into(),
            Self::Only(types) => format!(",{},", types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")),
        }
    }

    pub fn from_stored(s: &str) -> Option<Self> {
        if s == ",*," {
            return Some(Self::All);
        }
        let types: Option<Vec<EventType>> =
            s.trim_matches(',').split(',').filter(|t| !t.is_empty()).map(EventType::parse).collect();
        types.map(Self::Only)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: EventFilter,
    /// Only cases under this unit (id, path); `None`: the whole installation.
    pub unit: Option<(Uuid, String)>,
    pub active: bool,
    /// The signing secret, sealed under the installation's secret key.
    pub secret_sealed: Vec<u8>,
    /// Why it was turned off by the platform (deliveries failed for three days).
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt to deliver an event to a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The receiver's status; `None` when it was not reached or did not answer.
    pub status: Option<u16>,
    pub duration_ms: u32,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_stored_so_that_like_finds_each_type() {
        let only = EventFilter::Only(vec![EventType::Reported, EventType::MediaAttached]);
        assert_eq!(only.stored(), ",reported,media_attached,");
        assert_eq!(EventFilter::from_stored(&only.stored()), Some(only));
        assert_eq!(EventFilter::from_stored(",*,"), Some(EventFilter::All));
        assert_eq!(EventFilter::from_stored(",nonsense,"), None);
    }
}
