//! Argon2id password hashing, off the async executor, a bounded number at a
//! time: each hash holds its memory cost while it runs, so a burst of logins
//! must queue rather than multiply the server's memory.

use std::{sync::Arc, time::Duration};

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that hash: the allocator keeps each thread's freed
/// hash memory for that thread, so a few long-lived threads hold a few hashes'
/// worth, where the executor's growing blocking pool would hold one per thread.
#[derive(Clone)]
struct Hashers {
    /// Unbounded: the semaphore in front lets at most one job per thread in.
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Hashers {
    fn start(threads: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("gridline-hash-{i}")).spawn(move || loop {
                let job = match queue.lock() {
                    Ok(q) => q.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        Self { jobs }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        self.jobs.send(job).map_err(|_| ApiError::Internal(anyhow::anyhow!("the hashing threads are gone")))?;
        rx.await.map_err(|_| ApiError::Internal(anyhow::anyhow!("a hashing thread died")))
    }
}

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
    slots: Arc<Semaphore>,
    wait: Duration,
    hashers: Option<Hashers>,
}

impl Passwords {
    /// # Errors
    /// When the cost parameters are out of Argon2's range.
    pub fn new(memory_kib: u32, iterations: u32) -> anyhow::Result<Self> {
        let params =
            Params::new(memory_kib, iterations, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let mut me = Self {
            params,
            dummy: Arc::from(""),
            slots: Arc::new(Semaphore::new(2)),
            wait: Duration::from_secs(2),
            hashers: None,
        };
        let unguessable = super::secrets::base64url(&random_bytes::<24>());
        me.dummy = Arc::from(me.hash_now(&unguessable)?);
        Ok(me)
    }

    /// At most `concurrency` hashes at once; others wait up to `wait`, then get 503.
    #[must_use]
    pub fn bounded(mut self, concurrency: usize, wait: Duration) -> Self {
        self.slots = Arc::new(Semaphore::new(concurrency.max(1)));
        self.wait = wait;
        self.hashers = Some(Hashers::start(concurrency));
        self
    }

    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Busy { retry_after: 1 }),
        }
    }

    /// Runs `work` on the hashing threads (on the blocking pool when unbounded).
    async fn off_executor<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        match &self.hashers {
            Some(hashers) => hashers.run(work).await,
            None => tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::Internal(e.into())),
        }
    }

    fn hash_now(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        Ok(argon.hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("hashing: {e}"))?.to_string())
    }

    /// Hashes on the blocking pool.
    ///
    /// # Errors
    /// [`ApiError::Busy`] when no slot frees in time; [`ApiError::Internal`] if hashing fails.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let permit = self.slot().await?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            me.hash_now(&password)
        })
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
    ///
    /// # Errors
    /// [`ApiError::Busy`] when no slot frees in time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let known = hash.is_some();
        let target = hash.unwrap_or_else(|| self.dummy.to_string());
        let _permit = self.slot().await?;
        let matched = self
            .off_executor(move || {
                PasswordHash::new(&target)
                    .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            })
            .await?;
        Ok(matched && known)
    }
}
