//! Failed-login throttling per account and per client address, kept in the
//! database so that every node counts the same failures.

use chrono::{DateTime, Duration, Utc};
use gridline_domain::{auth::Throttle, ports::Store};

use crate::{config::AuthSettings, error::ApiError};

const WINDOW_MINUTES: i64 = 15;

pub(crate) struct LoginThrottle<'a> {
    store: &'a dyn Store,
    keys: [(String, u32); 2],
    lockout: Duration,
}

impl<'a> LoginThrottle<'a> {
    pub(crate) fn new(store: &'a dyn Store, auth: &AuthSettings, username: &str, addr: Option<&str>) -> Self {
        let lockout = Duration::from_std(auth.login_lockout).unwrap_or_else(|_| Duration::minutes(5));
        Self {
            store,
            keys: [
                (format!("user:{}", username.to_lowercase()), auth.login_max_failures),
                (format!("addr:{}", addr.unwrap_or("unknown")), auth.login_max_failures_per_addr),
            ],
            lockout,
        }
    }

    /// Seconds until the caller may try again, when locked out.
    pub(crate) async fn retry_after(&self, now: DateTime<Utc>) -> Result<Option<i64>, ApiError> {
        let mut wait = None;
        for (key, _) in &self.keys {
            if let Some(Throttle { locked_until: Some(until), .. }) = self.store.throttle(key).await? {
                if until > now {
                    let secs = (until - now).num_seconds().max(1);
                    wait = Some(wait.map_or(secs, |w: i64| w.max(secs)));
                }
            }
        }
        Ok(wait)
    }

    /// Counts a failure; returns whether it locked the account or address.
    pub(crate) async fn record_failure(&self, now: DateTime<Utc>) -> Result<bool, ApiError> {
        let mut locked = false;
        for (key, max) in &self.keys {
            let window_start = now - Duration::minutes(WINDOW_MINUTES);
            let mut state = match self.store.throttle(key).await? {
                Some(s) if s.window_started_at > window_start => s,
                _ => Throttle { failures: 0, window_started_at: now, locked_until: None },
            };
            state.failures += 1;
            if state.failures >= i64::from(*max) {
                state.locked_until = Some(now + self.lockout);
                state.failures = 0;
                state.window_started_at = now;
                locked = true;
            }
            self.store.save_throttle(key, &state).await?;
        }
        Ok(locked)
    }

    /// A successful login clears the account's count (not the address's).
    pub(crate) async fn record_success(&self) -> Result<(), ApiError> {
        self.store.clear_throttle(&self.keys[0].0).await?;
        Ok(())
    }
}
