//! Access tokens this node has already verified. Checking an Ed25519
//! signature is the largest single cost of an authenticated request, and a
//! phone sends the same token for many minutes: the signature is checked once
//! per token, its time window on every use. The session and the account are
//! still read on every request, so revocation stays immediate.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Utc};

use super::{AccessClaims, LEEWAY_SECS};

/// At this many entries the cache starts over (a token is re-verified once).
const CAPACITY: usize = 20_000;

#[derive(Default)]
pub(crate) struct VerifiedTokens {
    claims: Mutex<HashMap<[u8; 32], AccessClaims>>,
}

fn digest(token: &str) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref());
    out
}

impl VerifiedTokens {
    /// The claims of `token` if it was verified here and is within its time window now.
    pub(crate) fn get(&self, token: &str, now: DateTime<Utc>) -> Option<AccessClaims> {
        let claims = self.claims.lock().unwrap_or_else(|e| e.into_inner()).get(&digest(token)).cloned()?;
        let now = now.timestamp();
        let leeway = LEEWAY_SECS as i64;
        (claims.exp + leeway > now && claims.nbf - leeway <= now).then_some(claims)
    }

    pub(crate) fn put(&self, token: &str, claims: &AccessClaims) {
        let mut map = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(digest(token), claims.clone());
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            iss: "gridline".into(),
            aud: "gridline-api".into(),
            sub: Uuid::nil(),
            sid: Uuid::nil(),
            exp,
            nbf: exp - 900,
            iat: exp - 900,
            jti: Uuid::nil(),
        }
    }

    #[test]
    fn a_verified_token_is_known_until_it_expires() {
        let cache = VerifiedTokens::default();
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        cache.put("token-a", &claims(now.timestamp() + 60));
        assert!(cache.get("token-a", now).is_some());
        assert!(cache.get("token-b", now).is_none(), "another token is not known");
        let later = now + chrono::Duration::seconds(60 + LEEWAY_SECS as i64);
        assert!(cache.get("token-a", later).is_none(), "an expired token is not served from the cache");
    }
}
