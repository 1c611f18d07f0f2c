//! Argon2id password hashing, off the async executor.

use std::sync::Arc;

use argon2::{
    password_hash::SaltString, Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
};

use super::secrets::random_bytes;
use crate::error::ApiError;

/// Hashes and verifies passwords with the configured cost. Verification reads
/// the cost from the stored hash, so raising the cost keeps old hashes valid.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// Verified against when the user does not exist, so that a wrong username
    /// costs as much time as a wrong password.
    dummy: Arc<str>,
}

impl Passwords {
    /// # Errors
    /// When the cost parameters are out of Argon2's range.
    pub fn new(memory_kib: u32, iterations: u32) -> anyhow::Result<Self> {
        let params =
            Params::new(memory_kib, iterations, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let mut me = Self { params, dummy: Arc::from("") };
        let unguessable = super::secrets::base64url(&random_bytes::<24>());
        me.dummy = Arc::from(me.hash_now(&unguessable)?);
        Ok(me)
    }

    fn hash_now(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        Ok(argon.hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("hashing: {e}"))?.to_string())
    }

    /// Hashes on the blocking pool.
    ///
    /// # Errors
    /// [`ApiError::Internal`] if hashing fails.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.hash_now(&password))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(ApiError::Internal)
    }

    /// Hashes on the calling thread (bootstrap and the command line).
    ///
    /// # Errors
    /// If hashing fails.
    pub fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        self.hash_now(password)
    }

    /// Whether `password` matches `hash`; with no hash, spends the same time and says no.
    pub async fn verify(&self, password: String, hash: Option<String>) -> bool {
        let known = hash.is_some();
        let target = hash.unwrap_or_else(|| self.dummy.to_string());
        let matched = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&target).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        })
        .await
        .unwrap_or(false);
        matched && known
    }
}
