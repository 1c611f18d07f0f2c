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

use std::cell::RefCell;

use argon2::{
    password_hash::{self, Output, ParamsString, SaltString},
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
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
    concurrency: usize,
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
            concurrency: 2,
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
        self.concurrency = concurrency.max(1);
        self.wait = wait;
        self.hashers = Some(Hashers::start(concurrency));
        self
    }

    /// Hashes being computed (or holding their slot) now.
    pub(crate) fn running(&self) -> usize {
        self.concurrency.saturating_sub(self.slots.available_permits())
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
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let len = self.params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(len, |out| {
            with_memory(self.params.block_count(), |blocks| {
                argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, blocks)
            })
            .map_err(|_| password_hash::Error::Password)
        })
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(|e| anyhow::anyhow!("hashing: {e}"))?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    }

    /// Hashes on the hashing threads.
    ///
    /// # Errors
    /// [`ApiError::Busy`] when no slot frees in time; [`ApiError::Internal`] if hashing fails.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self.slot().await?;
        let me = self.clone();
        self.off_executor(move || me.hash_now(&password)).await?.map_err(ApiError::Internal)
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
        let matched = self.off_executor(move || matches(&password, &target)).await?;
        Ok(matched && known)
    }
}

thread_local! {
    /// The hash memory of this thread, kept from one hash to the next: a
    /// freed 19 MiB buffer would raise glibc's mmap threshold and leave such
    /// buffers in every allocator arena, multiplying the server's memory.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        work(&mut memory[..blocks])
    })
}

/// Whether `password` hashes to the stored PHC string, with its own cost.
fn matches(password: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Ok(params), Ok(algorithm), Some(salt), Some(expected)) =
        (Params::try_from(&hash), Algorithm::try_from(hash.algorithm), hash.salt, hash.hash)
    else {
        return false;
    };
    let version = hash.version.map_or(Ok(Version::default()), Version::try_from);
    let mut salt_bytes = [0u8; 64];
    let (Ok(version), Ok(salt)) = (version, salt.decode_b64(&mut salt_bytes)) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    with_memory(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks).is_ok()
    }) && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use argon2::PasswordHasher;

    use super::*;

    #[test]
    fn a_hash_matches_its_password_only() {
        let passwords = Passwords::new(1024, 1).unwrap();
        let hash = passwords.hash_blocking("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert!(matches("correct horse", &hash));
        assert!(!matches("correct horsf", &hash));
        assert!(!matches("correct horse", "not a hash"));
    }

    /// Hashes made by the library's own hasher (and by earlier versions of
    /// this server) still verify, at whatever cost they were made with.
    #[test]
    fn hashes_of_the_standard_hasher_verify() {
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(2048, 2, 1, None).unwrap());
        let hash = argon.hash_password(b"hunter42", &salt).unwrap().to_string();
        assert!(matches("hunter42", &hash));
        assert!(!matches("hunter43", &hash));
    }
}
