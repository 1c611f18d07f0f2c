//! Throttling of password guesses per account, per client address and per
//! password change, kept in the database so that every node counts the same
//! attempts. Each attempt is counted before the password is checked, in one
//! atomic statement per counter, so that a burst of parallel guesses gets no
//! more than the limit through; a success gives its attempt back.

use chrono::{DateTime, Duration, Utc};
use gridline_domain::ports::{Store, ThrottleHit};

use crate::{config::AuthSettings, error::ApiError};

const WINDOW_MINUTES: i64 = 15;

pub(crate) struct LoginThrottle<'a> {
    store: &'a dyn Store,
    /// Counter keys with their limits; the first is the account's.
    keys: Vec<(String, u32)>,
    lockout: Duration,
}

impl<'a> LoginThrottle<'a> {
    /// Counters for a login: the account and the client address.
    pub(crate) fn login(store: &'a dyn Store, auth: &AuthSettings, username: &str, addr: Option<&str>) -> Self {
        Self::with_keys(
            store,
            auth,
            vec![
                (format!("user:{}", username.to_lowercase()), auth.login_max_failures),
                (format!("addr:{}", addr.unwrap_or("unknown")), auth.login_max_failures_per_addr),
            ],
        )
    }

    /// The counter for a signed-in user's password change, with the login limits.
    pub(crate) fn password_change(store: &'a dyn Store, auth: &AuthSettings, user_id: uuid::Uuid) -> Self {
        Self::with_keys(store, auth, vec![(format!("password:{user_id}"), auth.login_max_failures)])
    }

    fn with_keys(store: &'a dyn Store, auth: &AuthSettings, keys: Vec<(String, u32)>) -> Self {
        let lockout = Duration::from_std(auth.login_lockout).unwrap_or_else(|_| Duration::minutes(5));
        Self { store, keys, lockout }
    }

    /// Counts an attempt on every counter, or refuses it (429): while a
    /// counter is locked, or while it already holds its limit of attempts (in
    /// flight or failed), so that a parallel burst gets no more through.
    /// Says whether this attempt reached a limit: if it fails, the next waits.
    ///
    /// # Errors
    /// [`ApiError::TooManyRequests`] with the seconds to wait.
    pub(crate) async fn admit(&self, now: DateTime<Utc>) -> Result<bool, ApiError> {
        let hit = ThrottleHit { now, window_start: now - Duration::minutes(WINDOW_MINUTES) };
        let mut last = false;
        for (i, (key, max)) in self.keys.iter().enumerate() {
            let state = self.store.hit_throttle(key, &hit).await?;
            let refusal = match state.locked_until.filter(|until| *until > now) {
                Some(until) => Some((until - now).num_seconds().max(1)),
                None if state.failures > i64::from(*max) => {
                    self.store.release_throttle(key).await?;
                    Some(1)
                }
                None => None,
            };
            if let Some(retry_after) = refusal {
                for (counted, _) in &self.keys[..i] {
                    self.store.release_throttle(counted).await?;
                }
                return Err(ApiError::TooManyRequests { retry_after });
            }
            last |= state.failures >= i64::from(*max);
        }
        Ok(last)
    }

    /// The attempt failed: a counter at its limit locks.
    pub(crate) async fn record_failure(&self, now: DateTime<Utc>) -> Result<(), ApiError> {
        for (key, max) in &self.keys {
            self.store.lock_throttle(key, *max, now + self.lockout).await?;
        }
        Ok(())
    }

    /// The attempt was never judged (the server was busy): every counter gets it back.
    pub(crate) async fn give_back(&self) -> Result<(), ApiError> {
        for (key, _) in &self.keys {
            self.store.release_throttle(key).await?;
        }
        Ok(())
    }

    /// The attempt succeeded: the account's count starts again, the address
    /// gets its attempt back.
    pub(crate) async fn record_success(&self) -> Result<(), ApiError> {
        if let Some(((first, _), rest)) = self.keys.split_first() {
            self.store.clear_throttle(first).await?;
            for (key, _) in rest {
                self.store.release_throttle(key).await?;
            }
        }
        Ok(())
    }
}
