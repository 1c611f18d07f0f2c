//! Phones that receive notifications, and deliveries that leave the
//! platform (to the push gateway, to integrations' webhooks) through an
//! outbox written with the change: retried until received, for three days.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Android,
    Ios,
    Harmony,
}

impl Platform {
    pub const ALL: [Self; 3] = [Self::Android, Self::Ios, Self::Harmony];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Android => "android",
            Self::Ios => "ios",
            Self::Harmony => "harmony",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The push services of Chinese phones (and Apple's and Google's): China has
/// no single one, so the operator's gateway talks to each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushProvider {
    Jpush,
    Getui,
    Huawei,
    Xiaomi,
    Oppo,
    Vivo,
    Honor,
    Apns,
    Fcm,
}

impl PushProvider {
    pub const ALL: [Self; 9] = [
        Self::Jpush,
        Self::Getui,
        Self::Huawei,
        Self::Xiaomi,
        Self::Oppo,
        Self::Vivo,
        Self::Honor,
        Self::Apns,
        Self::Fcm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpush => "jpush",
            Self::Getui => "getui",
            Self::Huawei => "huawei",
            Self::Xiaomi => "xiaomi",
            Self::Oppo => "oppo",
            Self::Vivo => "vivo",
            Self::Honor => "honor",
            Self::Apns => "apns",
            Self::Fcm => "fcm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A phone of a user, registered under the session it logged in with (and
/// removed when that session logs out).
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub platform: Platform,
    pub provider: PushProvider,
    pub push_token: String,
    pub created_at: DateTime<Utc>,
}

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The push gateway, for the user `recipient`'s devices.
    Push,
    /// The webhook subscription `recipient`.
    Webhook,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Push, Self::Webhook].into_iter().find(|t| t.as_str() == s)
    }
}

/// One event to deliver to one recipient, as the outbox holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub target: Target,
    pub recipient: Uuid,
    pub event_id: Uuid,
    /// Attempts made, this one included once claimed.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// The first retry comes this soon after a failure; each next one twice as late.
pub const FIRST_RETRY_S: i64 = 2;
/// Retries are never further apart than this.
pub const LONGEST_WAIT_S: i64 = 3600;
/// A delivery not received this long after its change is given up.
pub const GIVE_UP_AFTER_H: i64 = 72;

/// Deliveries received or given up, and webhook attempts, are kept this long.
pub const SETTLED_KEPT_DAYS: i64 = 30;

/// When to try again after `attempts` failed ones, or `None`: give up.
pub fn next_attempt(created_at: DateTime<Utc>, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if now - created_at >= Duration::hours(GIVE_UP_AFTER_H) {
        return None;
    }
    let doublings = attempts.saturating_sub(1).min(20);
    let wait = (FIRST_RETRY_S << doublings).min(LONGEST_WAIT_S);
    Some(now + Duration::seconds(wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_an_hour_and_stop_after_three_days() {
        let t0 = Utc::now();
        let waits: Vec<i64> = (1..=14).map(|n| (next_attempt(t0, n, t0).unwrap() - t0).num_seconds()).collect();
        assert_eq!(&waits[..5], [2, 4, 8, 16, 32]);
        assert_eq!(*waits.last().unwrap(), 3600);
        assert!(next_attempt(t0, 3, t0 + Duration::hours(71)).is_some());
        assert!(next_attempt(t0, 3, t0 + Duration::hours(72)).is_none());
    }
}
