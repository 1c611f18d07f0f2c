//! The public pages' rate limit: so many requests a minute per client
//! address (behind a load balancer, the forwarded one: `GRIDLINE_TRUSTED_PROXIES`),
//! as a token bucket that holds one minute's worth. Counted on each node in
//! memory: a read of a public page must not cost a write to the database,
//! so behind N nodes a client gets up to N times the rate.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::error::ApiError;

/// More addresses than this and the full buckets are forgotten.
const REMEMBERED: usize = 100_000;

pub(crate) struct PublicLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl PublicLimit {
    pub(crate) fn new(per_minute: u32) -> Self {
        Self { per_minute: per_minute.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a request from the client's bucket, or refuses it (429) with the seconds until it may.
    pub(crate) fn admit(&self, client: &str) -> Result<(), ApiError> {
        self.admit_at(client, Instant::now())
    }

    fn admit_at(&self, client: &str, now: Instant) -> Result<(), ApiError> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let refill =
            |b: &Bucket| (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second).min(capacity);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= REMEMBERED {
            buckets.retain(|_, b| refill(b) < capacity);
        }
        let bucket = buckets.entry(client.to_owned()).or_insert(Bucket { tokens: capacity, at: now });
        bucket.tokens = refill(bucket);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / per_second);
        Err(ApiError::TooManyRequests { retry_after: i64::try_from(wait.as_secs()).unwrap_or(60) + 1 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_a_minutes_worth_at_once_then_the_rate_and_others_are_not_charged() {
        let limit = PublicLimit::new(6);
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(limit.admit_at("10.0.0.1", t0).is_ok());
        }
        match limit.admit_at("10.0.0.1", t0) {
            Err(ApiError::TooManyRequests { retry_after }) => assert_eq!(retry_after, 11, "one token per 10 s"),
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(limit.admit_at("10.0.0.2", t0).is_ok(), "another address has its own bucket");
        assert!(limit.admit_at("10.0.0.1", t0 + Duration::from_secs(10)).is_ok(), "a token came back");
        assert!(limit.admit_at("10.0.0.1", t0 + Duration::from_secs(10)).is_err());
    }
}
