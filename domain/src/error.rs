//! Errors the repository ports return. Adapters map driver errors onto these
//! at their boundary so that callers never match on a driver's error type.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RepoError {
    /// The record does not exist (or is not visible through this port).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken: what is taken.
    #[error("duplicate: the {0:?} is taken")]
    Duplicate(Taken),
    /// The record changed since it was read (optimistic concurrency).
    #[error("conflict: the record changed")]
    Conflict,
    /// The store could not be reached or did not answer in time.
    #[error("store unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// The store has no room left to write (a full disk).
    #[error("store full")]
    Full(#[source] anyhow::Error),
    /// Anything else; the cause chain is for logs, never for clients.
    #[error("store error")]
    Unknown(#[source] anyhow::Error),
}

/// What a write found taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The code of an org unit, a department or a category.
    Code,
    Username,
    /// The same role over the same scope, already granted.
    Grant,
    /// A case id (a client-chosen report id).
    CaseId,
    /// A rule no caller can act on (a race for a generated value).
    Other,
}
