//! Repository traits: what the application needs from storage.

use async_trait::async_trait;

use crate::RepoError;

/// Whether the store can answer right now; backs the readiness probe.
#[async_trait]
pub trait Readiness: Send + Sync {
    /// Runs a trivial round trip to the store.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the store cannot be reached.
    async fn ping(&self) -> Result<(), RepoError>;
}

/// Everything the application needs from one store, behind one object.
pub trait Store: Readiness {}

impl<T: Readiness> Store for T {}
