//! Errors the repository ports return. Adapters map driver errors onto these
//! at their boundary so that callers never match on a driver's error type.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RepoError {
    /// The record does not exist (or is not visible through this port).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; `constraint` names the rule, e.g. `users_username`.
    #[error("duplicate: {constraint}")]
    Duplicate { constraint: String },
    /// The record changed since it was read (optimistic concurrency).
    #[error("conflict: the record changed")]
    Conflict,
    /// The store could not be reached or did not answer in time.
    #[error("store unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else; the cause chain is for logs, never for clients.
    #[error("store error")]
    Unknown(#[source] anyhow::Error),
}
